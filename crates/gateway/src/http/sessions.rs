//! An MCP session belongs to the credential that opened it: another credential presenting its
//! session id is refused, so a leaked session id is useless without the key behind it.
//!
//! Bindings live in memory. A session id this map does not know is answered 404 (the MCP way of
//! saying "initialize again"), which also makes forgetting a binding always safe: bindings idle
//! far longer than rmcp keeps an idle session (5 minutes) are pruned, so sessions that rmcp
//! ends on its own do not pile up here.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dashmap::DashMap;
use gw_mcp::Principal;

use super::AppState;
use super::auth::CredentialId;

const SESSION_HEADER: &str = "mcp-session-id";

/// Three times rmcp's idle timeout for a session.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

/// How often (in sessions opened) idle bindings are pruned.
const PRUNE_EVERY: u64 = 256;

struct Binding {
    credential: String,
    last_seen: Instant,
}

/// Session id → the credential that opened it.
#[derive(Clone, Default)]
pub struct SessionBindings {
    bindings: Arc<DashMap<String, Binding>>,
    opened: Arc<AtomicU64>,
}

impl SessionBindings {
    pub fn len(&self) -> usize {
        self.bindings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }

    fn bind(&self, session: String, credential: String) {
        self.bindings.insert(
            session,
            Binding {
                credential,
                last_seen: Instant::now(),
            },
        );
        if self.opened.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.bindings
                .retain(|_, binding| binding.last_seen.elapsed() < FORGET_AFTER);
        }
        metrics::gauge!("mcp_sessions_active").set(self.bindings.len() as f64);
    }
}

enum Check {
    Owner,
    Stranger,
    Unknown,
}

pub(crate) async fn bind_sessions(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let credential = request
        .extensions()
        .get::<CredentialId>()
        .cloned()
        .expect("authenticate runs before bind_sessions");
    let presented = request
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(session) = &presented {
        let check = match state.sessions.bindings.get_mut(session) {
            None => Check::Unknown,
            Some(binding) if binding.credential != credential.0 => Check::Stranger,
            Some(mut binding) => {
                binding.last_seen = Instant::now();
                Check::Owner
            }
        };
        match check {
            Check::Owner => {}
            Check::Stranger => {
                tracing::warn!("refused a session id presented by another credential");
                if let Some(principal) = request.extensions().get::<Arc<Principal>>() {
                    state.audit_refusal(
                        &principal.tenant,
                        &principal.subject,
                        request.uri().path(),
                        "refused_session",
                    );
                }
                return refuse(
                    StatusCode::FORBIDDEN,
                    "This session belongs to another credential; initialize a new session.",
                );
            }
            Check::Unknown => {
                return refuse(
                    StatusCode::NOT_FOUND,
                    "Session not found; initialize a new session.",
                );
            }
        }
    }
    let closing = request.method() == Method::DELETE;
    let response = next.run(request).await;
    match (
        &presented,
        response
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok()),
    ) {
        (None, Some(opened)) if response.status().is_success() => {
            state.sessions.bind(opened.to_owned(), credential.0)
        }
        (Some(session), _)
            if (closing && response.status().is_success())
                || response.status() == StatusCode::NOT_FOUND =>
        {
            state.sessions.bindings.remove(session);
            metrics::gauge!("mcp_sessions_active").set(state.sessions.bindings.len() as f64);
        }
        _ => {}
    }
    response
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": message}});
    (status, axum::Json(body)).into_response()
}
