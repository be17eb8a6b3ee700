//! Who is calling the token and revocation endpoints: client_secret_post fields or HTTP
//! Basic, checked against the tenant's applications.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::oauth_error::OAuthError;
use super::params::{FormParams, param};
use crate::model::client::Client;
use crate::tenant::Tenant;

/// What the request claims; a public client sends no secret.
pub(crate) struct Presented {
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<String>,
}

pub(crate) fn presented(headers: &HeaderMap, params: &FormParams) -> Result<Presented, OAuthError> {
    if let Some((id, secret)) = basic_credentials(headers) {
        return Ok(Presented {
            client_id: id,
            client_secret: Some(secret),
        });
    }
    let client_id = param(params, "client_id")
        .ok_or_else(|| OAuthError::invalid_request("Missing required parameter: client_id"))?;
    Ok(Presented {
        client_id: client_id.to_owned(),
        client_secret: param(params, "client_secret").map(str::to_owned),
    })
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    // RFC 6749 §2.3.1: both halves are form-urlencoded before being joined.
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// The application, if the credentials prove it. A confidential client must always send its
/// secret; a public one (`token_endpoint_auth_method: none`) may not need to.
pub(crate) fn authenticate(tenant: &Tenant, p: &Presented) -> Result<Client, OAuthError> {
    let client = tenant
        .clients
        .get(&p.client_id)
        .ok_or_else(OAuthError::unauthorized)?;
    match (&p.client_secret, client.secret()) {
        (Some(given), Some(stored)) if constant_time_eq(given.as_bytes(), stored.as_bytes()) => {
            Ok(client.clone())
        }
        (Some(_), _) => Err(OAuthError::unauthorized()),
        (None, _) if client.is_public() => Ok(client.clone()),
        (None, _) => Err(OAuthError::unauthorized()),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
