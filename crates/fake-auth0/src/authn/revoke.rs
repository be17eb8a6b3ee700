//! `POST /oauth/revoke`: revokes a refresh token and every token rotated from it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::client_auth::{authenticate, presented};
use super::params::{parse_params, require};
use crate::state::Shared;

pub(crate) async fn revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let outcome = (|| {
        let params = parse_params(&headers, &body)?;
        let creds = presented(&headers, &params)?;
        let client = authenticate(&shared.tenant(), &creds)?;
        let token = require(&params, "token")?;
        shared.grants().revoke(token, client.client_id());
        Ok::<_, super::oauth_error::OAuthError>(())
    })();
    match outcome {
        // Auth0 answers 200 with an empty body, whether or not the token was known.
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    }
}
