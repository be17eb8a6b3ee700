//! The gateway as an OAuth 2.1 authorization server for MCP clients (the MCP authorization spec):
//! clients register themselves (`register.rs`), send the user to `/authorize` (`authorize.rs`),
//! which after a consent page goes through the tenant's Auth0 on the same callback as the connect
//! flow, and trade the code for opaque tokens bound to the connection, the client and the `/mcp`
//! resource (`token.rs`). Their errors, and where each goes, are `error.rs`. Discovery documents
//! are in `../well_known.rs`.

pub(crate) mod authorize;
pub(crate) mod client_name;
mod error;
mod rate_limit;
pub(crate) mod register;
pub(crate) mod token;

pub use rate_limit::{DEFAULT_PER_HOUR as DEFAULT_REGISTRATIONS_PER_HOUR, RegistrationLimiter};

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

/// An OAuth error response (RFC 6749 §5.2): `{error, error_description}`, never cached.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        Json(serde_json::json!({"error": error, "error_description": description})),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Sends the browser back to the client's (already verified) redirect URI with `params` and the
/// issuer (RFC 9207), so the client can tell which server answered.
fn redirect_to_client(redirect_uri: &str, issuer: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the redirect URI is not a URL",
        );
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            query.append_pair(name, value);
        }
        query.append_pair("iss", issuer);
    }
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, url.to_string()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}

/// Whether a client may register this redirect URI: https anywhere, or http on a loopback address
/// (any port, RFC 8252 §7.3). No fragments.
pub(crate) fn redirect_uri_allowed(uri: &str) -> bool {
    let Ok(url) = Url::parse(uri) else {
        return false;
    };
    if url.fragment().is_some() || url.host().is_none() {
        return false;
    }
    match url.scheme() {
        "https" => true,
        "http" => crate::config::is_loopback_host(&url),
        _ => false,
    }
}

/// Whether the redirect URI an authorization request names is one the client registered. Exact,
/// except that a registered `http` URI on a loopback IP literal (`127.0.0.1`, `[::1]`) matches on
/// any port (RFC 8252 §7.3): a native client registers `http://127.0.0.1/callback` and listens on
/// whatever port it gets. Scheme, host, path and query must still be the same.
pub(crate) fn redirect_uri_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(registered), Ok(requested)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    let loopback_literal = |url: &Url| match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    registered.scheme() == "http"
        && requested.scheme() == "http"
        && loopback_literal(&registered)
        && registered.host() == requested.host()
        && registered.path() == requested.path()
        && registered.query() == requested.query()
        && requested.fragment().is_none()
        && requested.username().is_empty()
        && requested.password().is_none()
}

pub(crate) use authorize::complete;

#[cfg(test)]
mod tests {
    use super::redirect_uri_matches;

    #[test]
    fn a_loopback_literal_matches_on_any_port_and_nothing_else_is_loosened() {
        let matches = |registered, requested| redirect_uri_matches(registered, requested);
        assert!(matches(
            "http://127.0.0.1/callback",
            "http://127.0.0.1:51234/callback"
        ));
        assert!(matches(
            "http://127.0.0.1:9/callback",
            "http://127.0.0.1:51234/callback"
        ));
        assert!(matches("http://[::1]/cb?x=1", "http://[::1]:8000/cb?x=1"));
        assert!(matches("https://app.example/cb", "https://app.example/cb"));

        assert!(!matches(
            "http://127.0.0.1/callback",
            "http://127.0.0.1:51234/other"
        ));
        assert!(!matches(
            "http://127.0.0.1/callback",
            "http://127.0.0.2:51234/callback"
        ));
        assert!(!matches(
            "http://127.0.0.1/callback",
            "https://127.0.0.1:51234/callback"
        ));
        assert!(!matches(
            "http://127.0.0.1/cb?x=1",
            "http://127.0.0.1:5/cb?x=2"
        ));
        assert!(!matches(
            "http://127.0.0.1/cb",
            "http://user@127.0.0.1:5/cb"
        ));
        // `localhost` is a name, not a literal: it could resolve elsewhere, so it stays exact.
        assert!(!matches("http://localhost/cb", "http://localhost:5/cb"));
        assert!(!matches(
            "https://app.example/cb",
            "https://app.example:8443/cb"
        ));
    }
}
