//! The legacy HTTP+SSE transport (protocol 2024-11-05) for older MCP clients: `GET /sse` opens
//! an event stream whose first event names the URL to POST messages to (`/message?sessionId=…`);
//! answers come back as `message` events. rmcp no longer ships this transport, so it is built
//! here on rmcp's generic sink/stream transport: one MCP service per SSE connection.
//!
//! A stream is bound to the credential that opened it, but acts as whatever that credential is
//! now, exactly as `/mcp` does: every POST is authenticated again (a revoked key stops at once),
//! must come from the credential that opened the stream, and carries its freshly resolved
//! principal to the handler, which looks the tenant's settings up per message — so a portal edit
//! (read-only on, scopes narrowed) reaches an open stream with its next message. The stream
//! itself also checks its credential again (at once after any credential change through this
//! process's store, and every [`RECHECK_EVERY`] for changes made elsewhere) and ends when it is
//! refused. Each stream holds a place under the session limits (`session_slots.rs`).

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Extension, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use dashmap::DashMap;
use futures::Stream;
use gw_mcp::{GatewayServer, Principal, RefusalKind};
use rand::distr::{Alphanumeric, SampleString};
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, PollSender};

use super::auth::CredentialId;
use super::session_slots::Slot;
use super::{AppState, Inbound};

/// How often an open stream checks its credential with the store when nothing changed here
/// (a key revoked through another replica or the CLI).
const RECHECK_EVERY: Duration = Duration::from_secs(15);
/// How often it looks whether a credential changed through this process's store.
const EPOCH_POLL: Duration = Duration::from_secs(1);

/// Open legacy SSE sessions: session id → where its messages go, and who opened it.
#[derive(Clone, Default)]
pub struct SseSessions(Arc<DashMap<String, SseSession>>);

impl SseSessions {
    /// Streams open now.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

struct SseSession {
    to_server: mpsc::Sender<ClientJsonRpcMessage>,
    credential: String,
    /// The bearer credential that last spoke for the stream (an OAuth client refreshes its
    /// token; the stream belongs to the grant), for the stream's own re-checks.
    presented: Arc<Mutex<Option<SecretString>>>,
}

/// Ends the session when its event stream is dropped (the client went away): the session is
/// forgotten, which ends its MCP service, the re-checks stop and its slot is given back.
struct SessionGuard {
    sessions: SseSessions,
    id: String,
    stop: CancellationToken,
    _slot: Slot,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.sessions.0.remove(&self.id);
        self.stop.cancel();
    }
}

pub(crate) async fn open(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    Extension(credential): Extension<CredentialId>,
    headers: axum::http::HeaderMap,
) -> Response {
    if !state.tenants.contains(&principal.tenant) {
        return (
            StatusCode::FORBIDDEN,
            "the credential's tenant is not served here",
        )
            .into_response();
    }
    let slot = match state.sessions.take_slot(&credential.0) {
        Ok(slot) => slot,
        Err(over) => {
            tracing::warn!(%over, "refused a legacy SSE stream over the limit");
            state.audit_refusal_of(&principal, "/sse", RefusalKind::SessionLimit);
            return over.response();
        }
    };
    let id = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let (to_server, from_client) = mpsc::channel::<ClientJsonRpcMessage>(64);
    let (to_client, from_server) = mpsc::channel::<ServerJsonRpcMessage>(64);
    let presented = Arc::new(Mutex::new(
        super::auth::bearer(&headers).map(|p| SecretString::from(p.to_owned())),
    ));
    state.sse.0.insert(
        id.clone(),
        SseSession {
            to_server,
            credential: credential.0.clone(),
            presented: presented.clone(),
        },
    );

    let incoming = futures::stream::unfold(from_client, |mut rx| async move {
        rx.recv().await.map(|message| (message, rx))
    });
    // The principal and the tenant come with each message (see `message`), not from here.
    let mut server = GatewayServer::per_request(state.tenants.clone())
        .with_sessions(true)
        .with_limit_counters(state.limit_counters.clone());
    if let Some(audit) = &state.audit {
        server = server.with_audit(audit.clone());
    }
    if let Some(requests) = &state.policy_requests {
        server = server.with_policy_requests(requests.clone());
    }
    tokio::spawn(async move {
        match server
            .serve((PollSender::new(to_client), Box::pin(incoming)))
            .await
        {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(error) => tracing::debug!(%error, "a legacy SSE session ended before initializing"),
        }
    });

    let stop = CancellationToken::new();
    if matches!(state.inbound, Inbound::AccessKeys) {
        tokio::spawn(recheck(
            state.clone(),
            id.clone(),
            credential.0,
            presented,
            stop.clone(),
        ));
    }
    let guard = SessionGuard {
        sessions: state.sse.clone(),
        id: id.clone(),
        stop,
        _slot: slot,
    };
    let endpoint = Event::default()
        .event("endpoint")
        .data(format!("/message?sessionId={id}"));
    Sse::new(events(endpoint, from_server, guard))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// Checks the stream's credential again until the stream ends; when it is refused (revoked,
/// expired, its connection or tenant gone, or now another credential), forgets the session,
/// which ends its MCP service and so its event stream. A store that cannot answer ends nothing.
async fn recheck(
    state: AppState,
    id: String,
    credential: String,
    presented: Arc<Mutex<Option<SecretString>>>,
    stop: CancellationToken,
) {
    let mut epoch = state.store.credential_epoch();
    let mut checked = Instant::now();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(EPOCH_POLL) => {}
        }
        let now_epoch = state.store.credential_epoch();
        if now_epoch == epoch && checked.elapsed() < RECHECK_EVERY {
            continue;
        }
        epoch = now_epoch;
        checked = Instant::now();
        let Some(current) = presented
            .lock()
            .expect("never poisoned")
            .as_ref()
            .map(|p| p.expose_secret().to_owned())
        else {
            return;
        };
        let refused = match super::auth::principal_for(&state, &current, "/sse").await {
            Ok((_, now)) => now.0 != credential,
            Err(response) => response.status() == StatusCode::UNAUTHORIZED,
        };
        if refused {
            tracing::info!("closed a legacy SSE stream whose credential is no longer valid");
            state.sse.0.remove(&id);
            return;
        }
    }
}

fn events(
    endpoint: Event,
    from_server: mpsc::Receiver<ServerJsonRpcMessage>,
    guard: SessionGuard,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let first = futures::stream::once(async move { Ok(endpoint) });
    let rest = futures::stream::unfold((from_server, guard), |(mut rx, guard)| async move {
        let message = rx.recv().await?;
        let data = serde_json::to_string(&message).unwrap_or_else(|e| {
            json!({"jsonrpc": "2.0", "error": {"code": -32603, "message": e.to_string()}})
                .to_string()
        });
        Some((
            Ok(Event::default().event("message").data(data)),
            (rx, guard),
        ))
    });
    futures::StreamExt::chain(first, rest)
}

#[derive(Deserialize)]
pub(crate) struct MessageQuery {
    #[serde(rename = "sessionId")]
    session_id: String,
}

pub(crate) async fn message(
    State(state): State<AppState>,
    Extension(credential): Extension<CredentialId>,
    Query(query): Query<MessageQuery>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Response {
    let to_server = match state.sse.0.get(&query.session_id) {
        None => {
            return (
                StatusCode::NOT_FOUND,
                "no such session; open a new one with GET /sse",
            )
                .into_response();
        }
        Some(session) if session.credential != credential.0 => {
            tracing::warn!("refused a legacy SSE message from another credential");
            if let Some(principal) = parts.extensions.get::<Arc<Principal>>() {
                state.audit_refusal_of(principal, "/message", RefusalKind::Session);
            }
            return (
                StatusCode::FORBIDDEN,
                "this session belongs to another credential",
            )
                .into_response();
        }
        Some(session) => {
            if let Some(presented) = super::auth::bearer(&parts.headers) {
                *session.presented.lock().expect("never poisoned") =
                    Some(SecretString::from(presented.to_owned()));
            }
            session.to_server.clone()
        }
    };
    let mut message = match crate::jsonrpc::parse_client_message(&body) {
        Ok(message) => message,
        Err(response) => return (StatusCode::BAD_REQUEST, Json(response)).into_response(),
    };
    // The handler reads who is calling (resolved for this request) from the request's parts.
    message.insert_extension(parts);
    match to_server.send(message).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(_) => (
            StatusCode::GONE,
            "the session has ended; open a new one with GET /sse",
        )
            .into_response(),
    }
}
