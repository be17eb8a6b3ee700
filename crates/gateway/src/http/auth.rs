//! Who is calling: the bearer access key resolved to a principal, or a 401 that tells the client
//! where to learn how to authenticate (RFC 9728).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gw_mcp::access::GrantScopes;
use gw_mcp::{Principal, PrincipalKind, RefusalKind};
use gw_store::{AccessKey, ConnectionRecord, ConnectionStatus};

use super::{AppState, Inbound};

/// Identifies the credential behind a principal, to bind MCP sessions to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CredentialId(pub String);

pub(crate) async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let (principal, credential) = match &state.inbound {
        #[cfg(feature = "demo")]
        Inbound::InsecureNoAuth(principal) => {
            (principal.clone(), CredentialId("insecure-no-auth".into()))
        }
        Inbound::AccessKeys => {
            let Some(presented) = bearer(request.headers()) else {
                return unauthorized(&state, None);
            };
            match principal_for(&state, presented, request.uri().path()).await {
                Ok(resolved) => resolved,
                Err(response) => return response,
            }
        }
    };
    // Policies may name source ranges: the peer (or what a trusted proxy says it was).
    if let Some(peer) = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
    {
        let source = state.registrations.source(peer.0.ip(), request.headers());
        request
            .extensions_mut()
            .insert(gw_mcp::SourceAddress(source));
    }
    request.extensions_mut().insert(principal);
    request.extensions_mut().insert(credential);
    request
        .extensions_mut()
        .insert(gw_mcp::RequestSpan(tracing::Span::current()));
    next.run(request).await
}

/// The principal behind a presented bearer credential, from the short memory of resolved
/// credentials or the store; a refusal is audited as a request for `path`. Also used to check
/// again, now and then, the credential behind a long-lived legacy SSE stream.
pub(crate) async fn principal_for(
    state: &AppState,
    presented: &str,
    path: &str,
) -> Result<(Arc<Principal>, CredentialId), Response> {
    let hash = gw_store::sha256_hex(presented);
    let epoch = state.store.credential_epoch();
    if let Some(remembered) = state.credentials.get(&hash, epoch) {
        return Ok(remembered);
    }
    let started = std::time::Instant::now();
    let resolved = resolve(state, presented).await;
    metrics::histogram!("store_credential_lookup_seconds").record(started.elapsed().as_secs_f64());
    match resolved {
        Ok((principal, credential)) => {
            let principal = Arc::new(principal);
            state
                .credentials
                .put(hash, epoch, principal.clone(), credential.clone());
            Ok((principal, credential))
        }
        Err(response) => {
            state.audit_refusal(
                "-",
                &format!("credential {}…", prefix(presented)),
                path,
                if response.status() == StatusCode::UNAUTHORIZED {
                    RefusalKind::Credential
                } else {
                    RefusalKind::StoreUnavailable
                },
            );
            Err(response)
        }
    }
}

/// The principal behind a bearer credential: an OAuth access token the gateway issued to an MCP
/// client (`mcpat_…`), or an access key (`mcpgw_…`, an agent's or a connection's).
async fn resolve(state: &AppState, presented: &str) -> Result<(Principal, CredentialId), Response> {
    if presented.starts_with("mcpat_") {
        return resolve_oauth_token(state, presented).await;
    }
    let record = match state
        .store
        .find_active_key(&AccessKey::from_presented(presented))
        .await
    {
        Ok(Some(record)) if state.tenants.contains(&record.tenant) => record,
        Ok(_) => {
            return Err(unauthorized(
                state,
                Some("the access key is unknown, revoked or expired"),
            ));
        }
        Err(error) => return Err(store_unavailable(&error)),
    };
    let principal = match &record.connection_id {
        None => Principal {
            tenant: record.tenant.clone(),
            subject: format!("access key `{}` ({})", record.name, record.id),
            kind: PrincipalKind::AgentKey,
            scopes: record.scopes,
            connection: None,
            oauth_client: None,
            user_id: None,
            email: None,
            key_name: Some(record.name.clone()),
            grant: None,
        },
        Some(connection) => connection_principal(state, &record.tenant, connection)
            .await?
            .ok_or_else(|| {
                unauthorized(
                    state,
                    Some("the connection this access key acts for was revoked"),
                )
            })?,
    };
    Ok((principal, CredentialId(record.id)))
}

async fn resolve_oauth_token(
    state: &AppState,
    presented: &str,
) -> Result<(Principal, CredentialId), Response> {
    let grant = match state.store.access_token_grant(presented).await {
        Ok(Some(grant)) => grant,
        Ok(None) => {
            return Err(unauthorized(
                state,
                Some("the access token is unknown, expired or revoked"),
            ));
        }
        Err(error) => return Err(store_unavailable(&error)),
    };
    // RFC 8707: a token is good only at the resource it was issued for.
    if grant.resource.trim_end_matches('/') != state.resource().trim_end_matches('/') {
        return Err(unauthorized(
            state,
            Some("the access token was issued for another resource"),
        ));
    }
    let connection = match state.store.connection(&grant.connection_id).await {
        Ok(Some(connection)) if connection.status != ConnectionStatus::Revoked => connection,
        Ok(_) => {
            return Err(unauthorized(
                state,
                Some("the connection this token acts for was revoked"),
            ));
        }
        Err(error) => return Err(store_unavailable(&error)),
    };
    let Some(runtime) = state.tenants.get(&connection.tenant) else {
        return Err(unauthorized(
            state,
            Some("the token's tenant is not served here"),
        ));
    };
    let connection = usable_connection(state, &runtime, connection).await?;
    let mut principal = crate::runtime::connection_principal(&runtime.settings, &connection);
    // Both sets are kept: a call the connection covers but the grant does not is answered with
    // a scope challenge (`scope_challenge.rs`).
    principal.grant = Some(GrantScopes {
        granted: grant.scopes,
        connection: principal.scopes,
    });
    principal.scopes = principal.scopes.intersection(grant.scopes);
    principal.subject = format!("{} via OAuth client {}", principal.subject, grant.client_id);
    principal.oauth_client = Some(grant.client_id.clone());
    // A session belongs to the client acting for the connection, not to one grant: it survives
    // the client refreshing its token, and a new grant it gets after a scope challenge (MCP
    // clients step up and repeat the refused request in the same session).
    let credential = CredentialId(format!("oauth:{}:{}", grant.client_id, grant.connection_id));
    Ok((principal, credential))
}

/// The principal a connection acts as; `None` when it was revoked.
async fn connection_principal(
    state: &AppState,
    tenant: &str,
    connection: &str,
) -> Result<Option<Principal>, Response> {
    let Some(runtime) = state.tenants.get(tenant) else {
        return Ok(None);
    };
    match state.store.connection(connection).await {
        Ok(Some(connection)) if connection.status != ConnectionStatus::Revoked => {
            let connection = usable_connection(state, &runtime, connection).await?;
            Ok(Some(crate::runtime::connection_principal(
                &runtime.settings,
                &connection,
            )))
        }
        Ok(_) => Ok(None),
        Err(error) => Err(store_unavailable(&error)),
    }
}

/// The connection once its user has been checked at Auth0 (when a check is due, see
/// `user_check.rs`); a 401 carrying the reason when it is suspended.
async fn usable_connection(
    state: &AppState,
    runtime: &gw_mcp::TenantRuntime,
    connection: ConnectionRecord,
) -> Result<ConnectionRecord, Response> {
    let connection = state
        .user_checks
        .checked(&state.store, runtime, connection)
        .await
        .map_err(|error| store_unavailable(&error))?;
    if let ConnectionStatus::Suspended(reason) = &connection.status {
        return Err(unauthorized(
            state,
            Some(&format!(
                "the connection {} is suspended: {reason}",
                connection.id
            )),
        ));
    }
    Ok(connection)
}

/// Enough of a presented credential to recognise it in the audit log (the part `keys list`
/// shows), never enough to use it.
fn prefix(presented: &str) -> String {
    presented.chars().take(10).collect()
}

fn store_unavailable(error: &gw_store::StoreError) -> Response {
    tracing::error!(%error, "the store failed while checking an access key");
    super::store_outage::retry_later(
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "the gateway's store is unavailable; try again shortly",
        )
            .into_response(),
    )
}

/// The credential of an `Authorization: Bearer …` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// 401 with the `WWW-Authenticate` challenge MCP clients follow (RFC 6750 + RFC 9728).
fn unauthorized(state: &AppState, problem: Option<&str>) -> Response {
    let metadata = state.protected_resource_metadata();
    let challenge = match problem {
        None => format!("Bearer resource_metadata=\"{metadata}\""),
        Some(problem) => format!(
            "Bearer error=\"invalid_token\", error_description=\"{problem}\", resource_metadata=\"{metadata}\""
        ),
    };
    let body = serde_json::json!({
        "error": if problem.is_some() { "invalid_token" } else { "unauthorized" },
        "error_description": problem.unwrap_or("a credential is required: log in through the authorization server named in the protected-resource metadata, or send `Authorization: Bearer <access key>`"),
    });
    let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}
