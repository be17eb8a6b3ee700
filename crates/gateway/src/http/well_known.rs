//! The OAuth protected-resource document (RFC 9728) for `/mcp`.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::AppState;

pub(crate) async fn protected_resource(State(state): State<AppState>) -> Json<Value> {
    let base = state.public_url.as_str().trim_end_matches('/');
    Json(json!({
        "resource": format!("{base}/mcp"),
        // The gateway does not yet act as an authorization server for MCP clients: callers
        // present access keys made with `mcp-gateway keys create`.
        "authorization_servers": [],
        "bearer_methods_supported": ["header"],
        "resource_name": "MCP gateway for Auth0",
    }))
}
