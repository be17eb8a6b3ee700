//! Before an operator's Auth0 application is saved: does it work? Three round trips, each
//! answering one question an operator can act on —
//! 1. discovery: does an Auth0 tenant answer at this domain?
//! 2. `/authorize` with `prompt=none`: does the tenant know this client ID, and does it allow
//!    the gateway's callback URL? (No login page is shown and no session is needed: a known
//!    client with an allowed callback is sent back to it, even if only with `login_required`.)
//! 3. client credentials for the Management API: is the secret right, and — when calls will
//!    use the machine token — is the application authorized for the Management API, with which
//!    scopes?

use serde::Deserialize;
use url::Url;

use crate::http_client::OAuthHttp;
use crate::scopes::ScopeSet;
use crate::secret::ClientSecret;
use crate::tenant::GrantMode;

/// The application to check.
pub struct Application<'a> {
    pub domain: &'a str,
    /// Where the tenant's APIs are reached (`https://{domain}/` outside tests and the demo).
    pub base_url: &'a Url,
    pub client_id: &'a str,
    pub client_secret: &'a ClientSecret,
    pub grant: GrantMode,
    /// The scopes the operator selected.
    pub scopes: ScopeSet,
    /// The gateway's `/integration-callback`.
    pub callback: &'a Url,
}

/// The application works. `missing` lists selected scopes the machine token was not granted
/// (`client_credentials` only): tools needing them would fail until the grant is widened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub missing: ScopeSet,
}

/// What is wrong, in words for the operator; each says where in Auth0 to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationProblem {
    #[error(
        "No Auth0 tenant answers at {domain} ({detail}). Check the domain: it is shown under Applications → your application → Settings → Domain."
    )]
    Unreachable { domain: String, detail: String },
    #[error(
        "{domain} answered, but not as an Auth0 tenant (its OpenID configuration {detail}). Check the domain: it is shown under Applications → your application → Settings → Domain."
    )]
    NotAuth0 { domain: String, detail: String },
    #[error(
        "The tenant {domain} has no application with client ID {client_id}. Copy the Client ID again from Applications → your application → Settings."
    )]
    UnknownClient { domain: String, client_id: String },
    #[error(
        "The application does not allow the gateway's callback URL. In Auth0, open Applications → your application → Settings, add {callback} to Allowed Callback URLs, and save."
    )]
    CallbackNotAllowed { callback: String },
    #[error(
        "Auth0 did not accept the client secret. Copy the Client Secret again from Applications → your application → Settings (use the copy button; it is long)."
    )]
    WrongSecret,
    #[error(
        "The application may not use the Client Credentials grant, which the gateway's machine token needs. In Auth0, open Applications → your application → Settings → Advanced Settings → Grant Types, tick Client Credentials, and save."
    )]
    ClientCredentialsNotEnabled,
    #[error(
        "The application is not authorized to call the Auth0 Management API. In Auth0, open Applications → APIs → Auth0 Management API → Machine To Machine Applications, authorize this application, tick the scopes you selected here, and save."
    )]
    ManagementApiNotAuthorized,
    #[error(
        "Auth0 is limiting requests from this application right now. Wait a minute and save again."
    )]
    RateLimited,
    #[error(
        "Auth0 answered in a way the gateway did not expect ({detail}). Try again; if it persists, check the tenant's logs in Auth0 (Monitoring → Logs)."
    )]
    Unexpected { detail: String },
}

/// Runs the three checks in order and stops at the first problem.
pub async fn check_application(
    http: &OAuthHttp,
    app: &Application<'_>,
) -> Result<Checked, ApplicationProblem> {
    discovery(http, app).await?;
    authorize(http, app).await?;
    client_credentials(http, app).await
}

fn endpoint(app: &Application<'_>, path: &str) -> Url {
    let mut base = app.base_url.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(path)
        .expect("a relative path joins onto an http(s) URL")
}

async fn discovery(http: &OAuthHttp, app: &Application<'_>) -> Result<(), ApplicationProblem> {
    #[derive(Deserialize)]
    struct Discovery {
        issuer: String,
    }
    let not_auth0 = |detail: String| ApplicationProblem::NotAuth0 {
        domain: app.domain.to_owned(),
        detail,
    };
    let response = http
        .reqwest()
        .get(endpoint(app, ".well-known/openid-configuration"))
        .send()
        .await
        .map_err(unreachable(app))?;
    if !response.status().is_success() {
        return Err(not_auth0(format!(
            "answered HTTP {}",
            response.status().as_u16()
        )));
    }
    let document: Discovery = response
        .json()
        .await
        .map_err(|_| not_auth0("is not a JSON document".to_owned()))?;
    let expected = format!("https://{}/", app.domain);
    if document.issuer != expected {
        return Err(not_auth0(format!(
            "names the issuer {}, not {expected}",
            document.issuer
        )));
    }
    Ok(())
}

async fn authorize(http: &OAuthHttp, app: &Application<'_>) -> Result<(), ApplicationProblem> {
    let mut url = endpoint(app, "authorize");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", app.client_id)
        .append_pair("redirect_uri", app.callback.as_str())
        .append_pair("scope", "openid")
        .append_pair("prompt", "none")
        .append_pair("state", "mcp-gateway-application-check");
    let response = http
        .reqwest()
        .get(url)
        .send()
        .await
        .map_err(unreachable(app))?;
    let status = response.status();
    if status.is_redirection() {
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        // Sent back to the callback (with a code or `login_required`): the callback is allowed.
        // Sent to the tenant's own login or error pages: read what they say.
        if location.starts_with(app.callback.as_str()) {
            return Ok(());
        }
        let decoded: String = url::form_urlencoded::parse(location.as_bytes())
            .map(|(k, v)| format!("{k}={v} "))
            .collect();
        return refusal_in(&decoded, app).map_or(Ok(()), Err);
    }
    if status.as_u16() == 429 {
        return Err(ApplicationProblem::RateLimited);
    }
    let body = response.text().await.unwrap_or_default();
    match refusal_in(&body, app) {
        Some(problem) => Err(problem),
        None if status.is_success() => Ok(()),
        None => Err(ApplicationProblem::Unexpected {
            detail: format!(
                "the authorization endpoint answered HTTP {}",
                status.as_u16()
            ),
        }),
    }
}

/// The problem an Auth0 error page or error redirect describes, if it is one of ours.
fn refusal_in(text: &str, app: &Application<'_>) -> Option<ApplicationProblem> {
    let lower = text.to_ascii_lowercase();
    if lower.contains("callback url mismatch") {
        Some(ApplicationProblem::CallbackNotAllowed {
            callback: app.callback.to_string(),
        })
    } else if lower.contains("unknown client") || lower.contains("invalid client") {
        Some(ApplicationProblem::UnknownClient {
            domain: app.domain.to_owned(),
            client_id: app.client_id.to_owned(),
        })
    } else {
        None
    }
}

async fn client_credentials(
    http: &OAuthHttp,
    app: &Application<'_>,
) -> Result<Checked, ApplicationProblem> {
    #[derive(Deserialize)]
    struct Granted {
        #[serde(default)]
        scope: Option<String>,
    }
    #[derive(Deserialize, Default)]
    struct Refused {
        #[serde(default)]
        error: String,
        #[serde(default)]
        error_description: String,
    }
    let audience = format!("https://{}/api/v2/", app.domain);
    let response = http
        .reqwest()
        .post(endpoint(app, "oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app.client_id),
            ("client_secret", app.client_secret.expose_secret()),
            ("audience", &audience),
        ])
        .send()
        .await
        .map_err(unreachable(app))?;
    let status = response.status().as_u16();
    if status == 200 {
        // The token itself is dropped: the tenant's runtime asks for its own when it needs one.
        let granted: Granted =
            response
                .json()
                .await
                .map_err(|_| ApplicationProblem::Unexpected {
                    detail: "the token endpoint's answer is not a token response".to_owned(),
                })?;
        let missing = match app.grant {
            GrantMode::ClientCredentials => {
                let granted = ScopeSet::from_auth0_grant(granted.scope.as_deref().unwrap_or(""));
                // Identity scopes belong to users' logins, never to a machine token.
                app.scopes
                    .difference(ScopeSet::IDENTITY)
                    .difference(granted)
            }
            GrantMode::AuthorizationCode => ScopeSet::EMPTY,
        };
        return Ok(Checked { missing });
    }
    let refused: Refused = response.json().await.unwrap_or_default();
    let described = refused.error_description.to_ascii_lowercase();
    match (status, refused.error.as_str()) {
        (401, _) | (_, "invalid_client") => Err(ApplicationProblem::WrongSecret),
        (429, _) => Err(ApplicationProblem::RateLimited),
        // The client authenticated (Auth0 checks the secret first); what it may not do matters
        // only when calls will use the machine token.
        (403, "unauthorized_client") => match app.grant {
            GrantMode::ClientCredentials => Err(ApplicationProblem::ClientCredentialsNotEnabled),
            GrantMode::AuthorizationCode => Ok(Checked {
                missing: ScopeSet::EMPTY,
            }),
        },
        (403, "access_denied")
            if described.contains("not authorized to access")
                || described.contains("service not enabled") =>
        {
            match app.grant {
                GrantMode::ClientCredentials => Err(ApplicationProblem::ManagementApiNotAuthorized),
                GrantMode::AuthorizationCode => Ok(Checked {
                    missing: ScopeSet::EMPTY,
                }),
            }
        }
        _ => Err(ApplicationProblem::Unexpected {
            detail: format!(
                "the token endpoint answered HTTP {status} {} {}",
                refused.error, refused.error_description
            )
            .trim_end()
            .to_owned(),
        }),
    }
}

/// A request that got no answer: the tenant is not there (or not reachable from here).
fn unreachable(app: &Application<'_>) -> impl Fn(reqwest::Error) -> ApplicationProblem {
    let domain = app.domain.to_owned();
    move |error| ApplicationProblem::Unreachable {
        domain: domain.clone(),
        detail: if error.is_timeout() {
            "the request timed out".to_owned()
        } else if error.is_connect() {
            "the name does not resolve or nothing accepts the connection".to_owned()
        } else {
            "the request failed".to_owned()
        },
    }
}
