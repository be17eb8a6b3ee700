//! `POST /oauth/token`: authenticates the client and hands the request to its grant.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::client_auth::{authenticate, presented};
use super::oauth_error::OAuthError;
use super::params::{parse_params, require};
use super::{grant_client_credentials, grant_code, grant_refresh};
use crate::state::Shared;

pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&shared, &headers, &body) {
        Ok(issued) => issued.into_response(),
        Err(e) => {
            tracing::debug!(error = %e, "token request refused");
            e.into_response()
        }
    }
}

fn handle(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<super::mint::Issued, OAuthError> {
    let params = parse_params(headers, body)?;
    let grant_type = require(&params, "grant_type")?.to_owned();
    let creds = presented(headers, &params)?;
    let client = authenticate(&shared.tenant(), &creds)?;
    // Auth0 checks the client first, then whether its application may use the grant (the
    // Grant Types under its Advanced Settings).
    if matches!(
        grant_type.as_str(),
        "authorization_code" | "refresh_token" | "client_credentials"
    ) && !client.allows_grant(&grant_type)
    {
        return Err(OAuthError::new(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            format!("Grant type '{grant_type}' not allowed for the client."),
        ));
    }
    match grant_type.as_str() {
        "authorization_code" => grant_code::exchange(shared, &client, &params),
        "refresh_token" => grant_refresh::exchange(shared, &client, &params),
        "client_credentials" => {
            // A public client holds no secret, so it cannot use this grant.
            if creds.client_secret.is_none() {
                return Err(OAuthError::unauthorized());
            }
            grant_client_credentials::exchange(shared, &client, &params)
        }
        other => Err(OAuthError::new(
            StatusCode::FORBIDDEN,
            "unsupported_grant_type",
            format!("Unsupported grant type: {other}"),
        )),
    }
}
