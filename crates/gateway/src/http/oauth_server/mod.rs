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

pub(crate) use authorize::complete;
