//! Discovery: the protected-resource document for `/mcp` (RFC 9728) and the authorization-server
//! metadata (RFC 8414) MCP clients read to log in by themselves.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::AppState;

pub(crate) async fn protected_resource(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "resource": state.resource(),
        "authorization_servers": [state.issuer()],
        // `offline_access` asks the authorization server for refresh tokens, which no tool
        // needs: clients that want them find it in the server's own metadata (MCP scope
        // selection), so it is never among the resource's scopes nor in a challenge.
        "scopes_supported": without_offline_access(scopes_supported(&state)),
        "bearer_methods_supported": ["header"],
        "resource_name": "MCP gateway for Auth0",
    }))
}

pub(crate) async fn authorization_server(State(state): State<AppState>) -> Json<Value> {
    let issuer = state.issuer();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "registration_endpoint": format!("{issuer}/register"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "scopes_supported": scopes_supported(&state),
        "authorization_response_iss_parameter_supported": true,
        "client_id_metadata_document_supported": state.client_metadata.enabled(),
    }))
}

fn without_offline_access(mut scopes: Vec<&'static str>) -> Vec<&'static str> {
    scopes.retain(|scope| *scope != gw_oauth::Scope::OfflineAccess.as_str());
    scopes
}

/// Every scope some served tenant allows, by name.
fn scopes_supported(state: &AppState) -> Vec<&'static str> {
    state
        .tenants
        .all()
        .iter()
        .fold(gw_oauth::ScopeSet::EMPTY, |all, t| {
            all.union(t.settings.scopes)
        })
        .names()
}
