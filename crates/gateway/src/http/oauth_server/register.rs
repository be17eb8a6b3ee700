//! `POST /register`: dynamic client registration (RFC 7591). Open to anyone who can reach the
//! gateway, so everything is bounded: registrations per source address and hour
//! (`rate_limit.rs`), body size (at the router), redirect URIs (count, length, scheme), name
//! length, and the number of registrations kept — of which those never used expire
//! (`gw-store`'s `retention.rs`).

use std::net::SocketAddr;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gw_mcp::RefusalKind;
use gw_store::NewClient;
use serde::Deserialize;
use serde_json::json;

use super::error::OAuthError;
use super::{client_name, redirect_uri_allowed};
use crate::http::AppState;

const MAX_REDIRECT_URIS: usize = 10;
const MAX_URI_LEN: usize = 2000;
const MAX_NAME_LEN: usize = 200;

#[derive(Debug, Deserialize)]
struct Registration {
    redirect_uris: Option<Vec<String>>,
    client_name: Option<String>,
    token_endpoint_auth_method: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
}

pub(crate) async fn register(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    // Served without the gateway's listener (which says who is calling), every caller counts as
    // one source.
    let peer = peer.map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |p| p.0.0.ip());
    let source = state.registrations.source(peer, &headers);
    if let Err(refused) = state.registrations.check(source) {
        // A flood is recorded once per source, not once per request.
        if refused.first {
            tracing::warn!(%source, "refusing client registrations: too many from this address");
            state.audit_refusal(
                "-",
                &format!("source {source}"),
                "/register",
                RefusalKind::RateLimit,
            );
        }
        return Err(OAuthError::TooManyRegistrations {
            retry_after: refused.retry_after,
        });
    }
    let registration: Registration = serde_json::from_slice(&body).map_err(|e| {
        OAuthError::InvalidClientMetadata(
            format!("the body is not a registration request: {e}").into(),
        )
    })?;
    let redirect_uris = registration.redirect_uris.unwrap_or_default();
    if redirect_uris.is_empty() || redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(OAuthError::InvalidRedirectUri(format!(
            "give 1 to {MAX_REDIRECT_URIS} redirect_uris"
        )));
    }
    if let Some(bad) = redirect_uris
        .iter()
        .find(|uri| uri.len() > MAX_URI_LEN || !redirect_uri_allowed(uri))
    {
        return Err(OAuthError::InvalidRedirectUri(format!(
            "`{}` is not allowed: redirect URIs must be https, or http on a loopback address, without a fragment",
            truncate(bad)
        )));
    }
    let auth_method = registration
        .token_endpoint_auth_method
        .unwrap_or_else(|| "none".to_owned());
    if !matches!(
        auth_method.as_str(),
        "none" | "client_secret_post" | "client_secret_basic"
    ) {
        return Err(OAuthError::InvalidClientMetadata(
            "token_endpoint_auth_method must be none, client_secret_post or client_secret_basic"
                .into(),
        ));
    }
    if let Some(grants) = &registration.grant_types
        && grants
            .iter()
            .any(|g| g != "authorization_code" && g != "refresh_token")
    {
        return Err(OAuthError::InvalidClientMetadata(
            "grant_types may hold only authorization_code and refresh_token".into(),
        ));
    }
    if let Some(types) = &registration.response_types
        && types.iter().any(|t| t != "code")
    {
        return Err(OAuthError::InvalidClientMetadata(
            "response_types may hold only code".into(),
        ));
    }
    // Characters that hide or reorder the rest are dropped: the name is shown on consent pages.
    let client_name = registration
        .client_name
        .as_deref()
        .and_then(client_name::clean);
    if client_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NAME_LEN)
    {
        return Err(OAuthError::InvalidClientMetadata(
            format!("client_name is longer than {MAX_NAME_LEN} characters").into(),
        ));
    }
    let registered = state
        .store
        .register_client(
            NewClient {
                auth_method,
                client_name,
                redirect_uris,
            },
            state.retention.unused_client_secs,
        )
        .await?;
    let Some((client, secret)) = registered else {
        return Err(OAuthError::RegistrationsFull);
    };
    tracing::info!(client_id = %client.client_id, name = ?client.client_name, "registered an MCP client");
    let mut body = json!({
        "client_id": client.client_id,
        "client_id_issued_at": client.created_at,
        "redirect_uris": client.redirect_uris,
        "token_endpoint_auth_method": client.auth_method,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    if let Some(name) = &client.client_name {
        body["client_name"] = json!(name);
    }
    if let Some(secret) = secret {
        body["client_secret"] = json!(secret);
        body["client_secret_expires_at"] = json!(0);
    }
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response())
}

fn truncate(text: &str) -> String {
    text.chars().take(100).collect()
}
