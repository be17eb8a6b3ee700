//! Who is calling: the bearer access key resolved to a principal, or a 401 that tells the client
//! where to learn how to authenticate (RFC 9728).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gw_mcp::{Principal, PrincipalKind};

use super::{AppState, Inbound};
use crate::store::{AccessKey, ConnectionStatus};

/// Identifies the credential behind a principal, to bind MCP sessions to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CredentialId(pub String);

pub(crate) async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let (principal, credential) = match &state.inbound {
        Inbound::InsecureNoAuth(principal) => {
            (principal.clone(), CredentialId("insecure-no-auth".into()))
        }
        Inbound::AccessKeys => {
            let Some(presented) = bearer(&request) else {
                return unauthorized(&state, None);
            };
            let record = match state
                .store
                .find_active_key(&AccessKey::from_presented(presented))
                .await
            {
                Ok(Some(record)) if state.tenants.contains_key(&record.tenant) => record,
                Ok(_) => {
                    return unauthorized(
                        &state,
                        Some("the access key is unknown, revoked or expired"),
                    );
                }
                Err(error) => return store_unavailable(&error),
            };
            let principal = match &record.connection_id {
                None => Principal {
                    tenant: record.tenant.clone(),
                    subject: format!("access key `{}` ({})", record.name, record.id),
                    kind: PrincipalKind::AgentKey,
                    scopes: record.scopes,
                    connection: None,
                },
                Some(connection) => match state.store.connection(connection).await {
                    Ok(Some(connection)) if connection.status != ConnectionStatus::Revoked => {
                        let tenant = &state.tenants[&record.tenant].settings;
                        crate::runtime::connection_principal(tenant, &connection)
                    }
                    Ok(_) => {
                        return unauthorized(
                            &state,
                            Some("the connection this access key acts for was revoked"),
                        );
                    }
                    Err(error) => return store_unavailable(&error),
                },
            };
            (Arc::new(principal), CredentialId(record.id))
        }
    };
    request.extensions_mut().insert(principal);
    request.extensions_mut().insert(credential);
    next.run(request).await
}

fn store_unavailable(error: &crate::store::StoreError) -> Response {
    tracing::error!(%error, "the store failed while checking an access key");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "the gateway's store is unavailable; try again shortly",
    )
        .into_response()
}

fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// 401 with the `WWW-Authenticate` challenge MCP clients follow (RFC 6750 + RFC 9728).
fn unauthorized(state: &AppState, problem: Option<&str>) -> Response {
    let metadata = format!(
        "{}/.well-known/oauth-protected-resource",
        state.public_url.as_str().trim_end_matches('/')
    );
    let challenge = match problem {
        None => format!("Bearer resource_metadata=\"{metadata}\""),
        Some(problem) => format!(
            "Bearer error=\"invalid_token\", error_description=\"{problem}\", resource_metadata=\"{metadata}\""
        ),
    };
    let body = serde_json::json!({
        "error": if problem.is_some() { "invalid_token" } else { "unauthorized" },
        "error_description": problem.unwrap_or("an access key is required: send `Authorization: Bearer <key>` (create one with `mcp-gateway keys create`)"),
    });
    let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}
