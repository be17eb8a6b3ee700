//! The one error type of the crate, and the parsing of Auth0's error envelope.
//!
//! Every variant is written so that the MCP layer can turn it into a message that tells the
//! model what happened and what to do next, without ever holding the bearer token: the token is
//! never stored in an error, and response bodies quoted in errors are scrubbed of it.

use std::time::{Duration, SystemTime};

use serde::Deserialize;

/// How many characters of a non-envelope error body we keep: enough to recognise an HTML error
/// page or a proxy message, short enough that a large body never ends up in a log line.
const SNIPPET_CHARS: usize = 200;

/// Everything that can go wrong when calling Auth0.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Auth0Error {
    /// Auth0 answered with an error status (other than a 429 we could not wait out).
    #[error("Auth0 answered HTTP {status} {error}: {message}{}", code_suffix(error_code.as_deref()))]
    Api {
        /// The HTTP status code.
        status: u16,
        /// The envelope's `error` (the status reason, such as "Forbidden").
        error: String,
        /// The envelope's `message`, or a short snippet of a body that was not an envelope.
        message: String,
        /// The envelope's `errorCode` (such as `insufficient_scope` or `inexistent_user`).
        error_code: Option<String>,
        /// The `x-auth0-requestid` response header, for Auth0 support.
        request_id: Option<String>,
    },
    /// Auth0 kept answering 429 and the retry budget ran out.
    #[error("rate limited by Auth0; {}", retry_hint(*retry_after))]
    RateLimited {
        /// When Auth0 says (or we estimate) the rate limit resets.
        retry_at: Option<SystemTime>,
        /// How long from the moment the error was made until `retry_at`.
        retry_after: Option<Duration>,
    },
    /// A non-idempotent write (POST) was sent, but the answer never came (timeout or dropped
    /// connection). It may or may not have been applied, so it is never retried automatically.
    #[error(
        "the outcome of {method} {path} is unknown: the request was sent but no answer arrived \
         (timeout or dropped connection); it may or may not have been applied, so check the \
         resource before retrying"
    )]
    OutcomeUnknown {
        /// The HTTP method (always a non-idempotent one).
        method: String,
        /// The request's route (`/api/v2/users/{id}`): values in the path are left out.
        path: String,
    },
    /// An idempotent call timed out on every attempt.
    #[error("Auth0 did not answer in time")]
    Timeout,
    /// Auth0 could not be reached (DNS, connect, TLS, a dropped connection on an idempotent
    /// call); the text never contains the token nor the query string.
    #[error("could not reach Auth0: {0}")]
    Transport(String),
    /// Auth0 answered, but not with the shape we expected.
    #[error("unexpected response from Auth0 (HTTP {status}): {detail}")]
    Decode {
        /// The HTTP status code of the response that failed to decode.
        status: u16,
        /// What did not match.
        detail: String,
    },
    /// A paging cursor that we did not issue, or that was damaged.
    #[error("invalid cursor: {0}")]
    InvalidCursor(String),
    /// The Auth0 base URL given to [`crate::Auth0Client::new`] cannot be used.
    #[error("invalid Auth0 base URL: {0}")]
    InvalidBaseUrl(String),
    /// An argument that cannot be put in a request safely (an empty id, or `.`/`..` that would
    /// change the path).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

fn code_suffix(code: Option<&str>) -> String {
    code.map(|c| format!(" (errorCode {c})"))
        .unwrap_or_default()
}

fn retry_hint(after: Option<Duration>) -> String {
    match after {
        Some(d) => format!("retry in {} s", d.as_secs_f64().ceil() as u64),
        None => "retry later".to_owned(),
    }
}

/// Which scopes a 403 "Insufficient scope" answer asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRequirement {
    /// "expected any of: a, b": any one of these scopes would do.
    AnyOf(Vec<String>),
    /// "expected all of: a, b": every one of these scopes is needed.
    AllOf(Vec<String>),
}

impl ScopeRequirement {
    /// The scopes named, whichever the mode.
    pub fn scopes(&self) -> &[String] {
        match self {
            ScopeRequirement::AnyOf(s) | ScopeRequirement::AllOf(s) => s,
        }
    }
}

impl Auth0Error {
    /// The HTTP status behind this error, if there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Auth0Error::Api { status, .. } | Auth0Error::Decode { status, .. } => Some(*status),
            Auth0Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The `x-auth0-requestid` of the answer, if Auth0 sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Auth0Error::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// True for a 403 that says the token lacks a scope (as opposed to, say, a 403 for acting
    /// on another user with a current-user token).
    pub fn is_insufficient_scope(&self) -> bool {
        match self {
            Auth0Error::Api {
                status: 403,
                error_code,
                message,
                ..
            } => {
                error_code.as_deref() == Some("insufficient_scope")
                    || message
                        .trim_start()
                        .to_ascii_lowercase()
                        .starts_with("insufficient scope")
            }
            _ => false,
        }
    }

    /// The scopes an "Insufficient scope, expected any of: a, b" (or "…; expected all of: …")
    /// message names; empty when this is not such an error or the message names none.
    pub fn missing_scopes(&self) -> Vec<String> {
        self.scope_requirement()
            .map(|r| r.scopes().to_vec())
            .unwrap_or_default()
    }

    /// Like [`Auth0Error::missing_scopes`], but also says whether any one or all of them are
    /// needed (Auth0 uses both forms, see auth0-api.md §3).
    pub fn scope_requirement(&self) -> Option<ScopeRequirement> {
        if !self.is_insufficient_scope() {
            return None;
        }
        match self {
            Auth0Error::Api { message, .. } => parse_scope_requirement(message),
            _ => None,
        }
    }
}

/// Parses the scope list out of an insufficient-scope message. Auth0 writes
/// "Insufficient scope, expected any of: a, b" and, in some places, "Insufficient scope;
/// expected all of: a, b" — we look for the marker, not the punctuation before it.
pub(crate) fn parse_scope_requirement(message: &str) -> Option<ScopeRequirement> {
    let lower = message.to_ascii_lowercase();
    let (idx, marker_len, all) = if let Some(i) = lower.find("expected any of:") {
        (i, "expected any of:".len(), false)
    } else if let Some(i) = lower.find("expected all of:") {
        (i, "expected all of:".len(), true)
    } else {
        return None;
    };
    let scopes: Vec<String> = message[idx + marker_len..]
        .split([',', ' '])
        .map(|s| s.trim().trim_end_matches(['.', ';']).trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() {
        return None;
    }
    Some(if all {
        ScopeRequirement::AllOf(scopes)
    } else {
        ScopeRequirement::AnyOf(scopes)
    })
}

/// Auth0's error envelope (`{statusCode, error, message[, errorCode]}`), and the
/// Authentication API's OAuth form (`{error, error_description}`) that /userinfo uses.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "statusCode")]
    status_code: Option<u16>,
    error: Option<String>,
    message: Option<String>,
    #[serde(rename = "errorCode")]
    error_code: Option<String>,
    error_description: Option<String>,
}

/// Builds the `Api` error for a non-success answer. `token` is only used to scrub the body:
/// an error body that echoed the bearer token must not carry it into logs.
pub(crate) fn api_error(
    status: u16,
    body: &[u8],
    request_id: Option<String>,
    token: &str,
) -> Auth0Error {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
        .to_owned();
    if let Ok(env) = serde_json::from_slice::<Envelope>(body) {
        let message = env.message.or(env.error_description.clone());
        if env.error.is_some() || message.is_some() {
            // In the OAuth form `error` is a code (`invalid_token`), so it becomes the errorCode
            // and the status reason stands in for `error`.
            let oauth_form = env.status_code.is_none() && env.error_description.is_some();
            let (error, error_code) = if oauth_form {
                (reason, env.error.or(env.error_code))
            } else {
                (env.error.unwrap_or(reason), env.error_code)
            };
            return Auth0Error::Api {
                status,
                error: scrub(&error, token),
                message: scrub(&message.unwrap_or_default(), token),
                error_code: error_code.map(|c| scrub(&c, token)),
                request_id,
            };
        }
    }
    Auth0Error::Api {
        status,
        error: reason,
        message: snippet(body, token),
        error_code: None,
        request_id,
    }
}

/// A short, single-line, token-free rendering of a body that was not an envelope.
pub(crate) fn snippet(body: &[u8], token: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let text = scrub(&text, token);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(SNIPPET_CHARS)
        .collect();
    if text.chars().count() > SNIPPET_CHARS {
        out.push('…');
    }
    let out = out.trim().to_owned();
    if out.is_empty() {
        "(empty body)".to_owned()
    } else {
        out
    }
}

/// Replaces every occurrence of the token with a marker.
pub(crate) fn scrub(text: &str, token: &str) -> String {
    if token.len() < 8 {
        // A token this short would match ordinary words; real bearer tokens are far longer.
        return text.to_owned();
    }
    text.replace(token, "[REDACTED]")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.secret-token-value";

    #[test]
    fn envelope_with_error_code() {
        let body = br#"{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}"#;
        match api_error(404, body, Some("req-1".into()), TOKEN) {
            Auth0Error::Api {
                status,
                error,
                message,
                error_code,
                request_id,
            } => {
                assert_eq!(status, 404);
                assert_eq!(error, "Not Found");
                assert_eq!(message, "The user does not exist.");
                assert_eq!(error_code.as_deref(), Some("inexistent_user"));
                assert_eq!(request_id.as_deref(), Some("req-1"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn envelope_without_error_code() {
        let body = br#"{"statusCode":404,"error":"Not Found","message":"No organization found by that id or name"}"#;
        let err = api_error(404, body, None, TOKEN);
        assert_eq!(err.status(), Some(404));
        assert!(matches!(
            err,
            Auth0Error::Api {
                error_code: None,
                ..
            }
        ));
    }

    #[test]
    fn oauth_error_form() {
        let body =
            br#"{"error":"invalid_token","error_description":"The access token is expired"}"#;
        match api_error(401, body, None, TOKEN) {
            Auth0Error::Api {
                error,
                message,
                error_code,
                ..
            } => {
                assert_eq!(error, "Unauthorized");
                assert_eq!(message, "The access token is expired");
                assert_eq!(error_code.as_deref(), Some("invalid_token"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn non_envelope_body_becomes_a_scrubbed_snippet() {
        let mut body = format!("<html>\n<body>Bad gateway, token {TOKEN}</body>").into_bytes();
        body.extend(std::iter::repeat_n(b'x', 1000));
        let err = api_error(502, &body, None, TOKEN);
        match &err {
            Auth0Error::Api {
                status,
                error,
                message,
                ..
            } => {
                assert_eq!(*status, 502);
                assert_eq!(error, "Bad Gateway");
                assert!(message.starts_with("<html> <body>Bad gateway"));
                assert!(message.chars().count() <= SNIPPET_CHARS + 1);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(!format!("{err:?} {err}").contains(TOKEN));
    }

    #[test]
    fn envelope_echoing_the_token_is_scrubbed() {
        let body = format!(r#"{{"statusCode":400,"error":"Bad Request","message":"bad {TOKEN}"}}"#);
        let err = api_error(400, body.as_bytes(), None, TOKEN);
        assert!(!format!("{err:?} {err}").contains(TOKEN));
    }

    #[test]
    fn empty_body() {
        let err = api_error(500, b"", None, TOKEN);
        assert!(matches!(err, Auth0Error::Api { ref message, .. } if message == "(empty body)"));
    }

    fn forbidden(message: &str, code: Option<&str>) -> Auth0Error {
        Auth0Error::Api {
            status: 403,
            error: "Forbidden".into(),
            message: message.into(),
            error_code: code.map(Into::into),
            request_id: None,
        }
    }

    #[test]
    fn missing_scopes_cases() {
        let cases: &[(&str, &str, Option<&str>, Vec<&str>)] = &[
            (
                "single, any of",
                "Insufficient scope, expected any of: create:client_grants",
                Some("insufficient_scope"),
                vec!["create:client_grants"],
            ),
            (
                "several, any of",
                "Insufficient scope, expected any of: read:clients, read:client_summary",
                Some("insufficient_scope"),
                vec!["read:clients", "read:client_summary"],
            ),
            (
                "semicolon variant",
                "Insufficient scope; expected any of: update:clients, update:client_keys",
                None,
                vec!["update:clients", "update:client_keys"],
            ),
            (
                "all of",
                "Insufficient scope, expected all of: read:users, read:roles, read:role_members.",
                Some("insufficient_scope"),
                vec!["read:users", "read:roles", "read:role_members"],
            ),
            (
                "other 403",
                "User to be acted on does not match subject in bearer token.",
                None,
                vec![],
            ),
        ];
        for (name, message, code, want) in cases {
            let err = forbidden(message, *code);
            assert_eq!(err.missing_scopes(), *want, "case {name}");
        }
        assert!(matches!(
            forbidden("Insufficient scope, expected all of: a, b", None).scope_requirement(),
            Some(ScopeRequirement::AllOf(_))
        ));
        assert!(!forbidden("User to be acted on does not match", None).is_insufficient_scope());
        assert!(forbidden("whatever", Some("insufficient_scope")).is_insufficient_scope());
    }

    #[test]
    fn missing_scopes_only_on_403() {
        let err = Auth0Error::Api {
            status: 400,
            error: "Bad Request".into(),
            message: "Insufficient scope, expected any of: read:users".into(),
            error_code: None,
            request_id: None,
        };
        assert!(err.missing_scopes().is_empty());
    }

    #[test]
    fn messages_say_what_to_do() {
        let err = Auth0Error::OutcomeUnknown {
            method: "POST".into(),
            path: "/api/v2/users".into(),
        };
        let text = err.to_string();
        assert!(text.contains("unknown") && text.contains("check the resource before retrying"));
        let err = Auth0Error::RateLimited {
            retry_at: None,
            retry_after: Some(Duration::from_millis(2500)),
        };
        assert_eq!(err.to_string(), "rate limited by Auth0; retry in 3 s");
    }
}
