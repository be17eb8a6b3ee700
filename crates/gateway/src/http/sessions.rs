//! An MCP session belongs to the credential that opened it: another credential presenting its
//! session id is refused, so a leaked session id is useless without the key behind it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dashmap::DashMap;

use super::AppState;
use super::auth::CredentialId;

const SESSION_HEADER: &str = "mcp-session-id";

/// Session id → the credential that opened it.
#[derive(Clone, Default)]
pub struct SessionBindings(Arc<DashMap<String, String>>);

impl SessionBindings {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub(crate) async fn bind_sessions(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let credential = request.extensions().get::<CredentialId>().cloned().expect("authenticate runs before bind_sessions");
    let presented = request.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let owner = presented.as_ref().and_then(|session| state.sessions.0.get(session).map(|owner| owner.clone()));
    if owner.is_some_and(|owner| owner != credential.0) {
        tracing::warn!(session = ?presented, "refused a session id presented by another credential");
        let body = serde_json::json!({
            "jsonrpc": "2.0", "id": null,
            "error": {"code": -32600, "message": "This session belongs to another credential; initialize a new session."}
        });
        return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    }
    let closing = request.method() == Method::DELETE;
    let response = next.run(request).await;
    match (&presented, response.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok())) {
        (None, Some(opened)) if response.status().is_success() => {
            state.sessions.0.insert(opened.to_owned(), credential.0);
        }
        (Some(session), _) if closing && response.status().is_success() => {
            state.sessions.0.remove(session);
        }
        _ => {}
    }
    response
}
