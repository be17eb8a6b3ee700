//! An MCP session belongs to the credential that opened it: another credential presenting its
//! session id is refused, so a leaked session id is useless without the key behind it. And a
//! credential may hold only so many sessions at once (`session_slots.rs`): an `initialize` over
//! the limit is refused before rmcp builds a session for it.
//!
//! Bindings live in memory and follow rmcp's sessions exactly: rmcp tells the gateway when a
//! session ends — closed by the client, idle past rmcp's keep-alive (`session_idle_seconds`), or stopped at
//! shutdown — through [`TrackedSessions`](super::tracked_sessions::TrackedSessions), and its
//! binding and slot go at once. (Pruning bindings by age instead left ended sessions counted for up
//! to 15 minutes, which the `mcp_sessions_active` gauge reported.) A session id this map does not
//! know is answered 404, the MCP way of saying "initialize again".

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gw_mcp::{Principal, RefusalKind};

use super::AppState;
use super::auth::CredentialId;
use super::session_slots::{OverLimit, SessionLimits, SessionSlots, Slot};

const SESSION_HEADER: &str = "mcp-session-id";

struct Binding {
    credential: String,
    /// Given back when the binding goes.
    _slot: Slot,
}

#[derive(Default)]
struct Sessions {
    /// Sessions rmcp holds (created and not yet closed).
    live: HashSet<String>,
    /// The live sessions that answered `initialize`, and who opened them.
    bound: HashMap<String, Binding>,
}

/// Session id → the credential that opened it, and the count of open sessions (`/mcp` and
/// legacy `/sse` alike) per credential.
#[derive(Clone, Default)]
pub struct SessionBindings {
    sessions: Arc<Mutex<Sessions>>,
    slots: SessionSlots,
}

impl SessionBindings {
    /// Bindings whose sessions are bounded by `limits`.
    pub fn new(limits: SessionLimits) -> SessionBindings {
        SessionBindings {
            sessions: Arc::default(),
            slots: SessionSlots::new(limits),
        }
    }

    /// `/mcp` sessions open now.
    pub fn len(&self) -> usize {
        self.lock().bound.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sessions open now on both transports (what `mcp_sessions_active` reports).
    pub fn open(&self) -> usize {
        self.slots.open()
    }

    pub(crate) fn limits(&self) -> SessionLimits {
        self.slots.limits()
    }

    /// A place for one more session (either transport) of `credential`.
    pub(crate) fn take_slot(&self, credential: &str) -> Result<Slot, OverLimit> {
        self.slots.take(credential)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sessions> {
        self.sessions
            .lock()
            .expect("the session map is never poisoned")
    }

    /// rmcp created a session.
    pub(crate) fn started(&self, session: &str) {
        self.lock().live.insert(session.to_owned());
    }

    /// rmcp's session ended: its binding and slot go.
    pub(crate) fn ended(&self, session: &str) {
        let mut sessions = self.lock();
        sessions.live.remove(session);
        sessions.bound.remove(session);
    }

    /// Binds a session that answered `initialize` to its credential, unless it already ended.
    fn bind(&self, session: &str, credential: String, slot: Slot) {
        let mut sessions = self.lock();
        if sessions.live.contains(session) {
            sessions.bound.insert(
                session.to_owned(),
                Binding {
                    credential,
                    _slot: slot,
                },
            );
        }
    }
}

enum Check {
    Owner,
    Stranger,
    Unknown,
}

/// What `bind_sessions` needs: the app's state, and whether `/mcp` keeps sessions at all.
#[derive(Clone)]
pub(crate) struct SessionLayer {
    pub state: AppState,
    pub stateless: bool,
}

pub(crate) async fn bind_sessions(
    State(layer): State<SessionLayer>,
    request: Request,
    next: Next,
) -> Response {
    let state = &layer.state;
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
    let principal = request.extensions().get::<Arc<Principal>>().cloned();
    let audit = |why: RefusalKind| {
        if let Some(principal) = &principal {
            state.audit_refusal_of(principal, request.uri().path(), why);
        }
    };
    // A POST without a session id is an `initialize` in session mode: it needs a place.
    let mut slot = None;
    match &presented {
        Some(session) => {
            let check = match state.sessions.lock().bound.get(session) {
                None => Check::Unknown,
                Some(binding) if binding.credential != credential.0 => Check::Stranger,
                Some(_) => Check::Owner,
            };
            match check {
                Check::Owner => {}
                Check::Stranger => {
                    tracing::warn!("refused a session id presented by another credential");
                    audit(RefusalKind::Session);
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
        None if !layer.stateless && request.method() == Method::POST => {
            match state.sessions.take_slot(&credential.0) {
                Ok(taken) => slot = Some(taken),
                Err(over) => {
                    tracing::warn!(%over, "refused a session over the limit");
                    audit(RefusalKind::SessionLimit);
                    return over.response();
                }
            }
        }
        None => {}
    }
    let closing = request.method() == Method::DELETE;
    let mut response = next.run(request).await;
    // rmcp answers a session's DELETE with 202; clients expect 200 or 204 (the Python SDK logs
    // "Session termination failed: 202" otherwise). The session is gone either way.
    if closing && response.status() == StatusCode::ACCEPTED {
        response = StatusCode::NO_CONTENT.into_response();
    }
    let opened = response
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok());
    match (&presented, opened, slot) {
        (None, Some(opened), Some(slot)) if response.status().is_success() => {
            state.sessions.bind(opened, credential.0, slot);
        }
        // A session rmcp no longer knows (an ended one goes through `TrackedSessions`, a DELETE
        // included; this is the safety net) is forgotten here too.
        (Some(session), _, _) if response.status() == StatusCode::NOT_FOUND => {
            state.sessions.lock().bound.remove(session);
        }
        _ => {}
    }
    response
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": message}});
    (status, axum::Json(body)).into_response()
}
