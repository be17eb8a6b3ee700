//! The legacy HTTP+SSE transport (protocol 2024-11-05) for older MCP clients: `GET /sse` opens
//! an event stream whose first event names the URL to POST messages to (`/message?sessionId=…`);
//! answers come back as `message` events. rmcp no longer ships this transport, so it is built
//! here on rmcp's generic sink/stream transport: one MCP service per SSE connection, acting for
//! the principal that opened it. Every POST is authenticated again (a revoked key stops at once)
//! and must come from the credential that opened the stream.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Extension, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use dashmap::DashMap;
use futures::Stream;
use gw_mcp::{GatewayServer, Principal};
use rand::distr::{Alphanumeric, SampleString};
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;

use super::AppState;
use super::auth::CredentialId;

/// Open legacy SSE sessions: session id → where its messages go, and who opened it.
#[derive(Clone, Default)]
pub struct SseSessions(Arc<DashMap<String, SseSession>>);

struct SseSession {
    to_server: mpsc::Sender<ClientJsonRpcMessage>,
    credential: String,
}

/// Removes the session when its event stream is dropped (the client went away).
struct SessionGuard {
    sessions: SseSessions,
    id: String,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.sessions.0.remove(&self.id);
    }
}

pub(crate) async fn open(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    Extension(credential): Extension<CredentialId>,
) -> Response {
    let Some(tenant) = state.tenants.get(&principal.tenant) else {
        return (
            StatusCode::FORBIDDEN,
            "the credential's tenant is not served here",
        )
            .into_response();
    };
    let id = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let (to_server, from_client) = mpsc::channel::<ClientJsonRpcMessage>(64);
    let (to_client, from_server) = mpsc::channel::<ServerJsonRpcMessage>(64);
    state.sse.0.insert(
        id.clone(),
        SseSession {
            to_server,
            credential: credential.0,
        },
    );

    let incoming = futures::stream::unfold(from_client, |mut rx| async move {
        rx.recv().await.map(|message| (message, rx))
    });
    let mut server = GatewayServer::new(tenant, (*principal).clone());
    if let Some(audit) = &state.audit {
        server = server.with_audit(audit.clone());
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

    let guard = SessionGuard {
        sessions: state.sse.clone(),
        id: id.clone(),
    };
    let endpoint = Event::default()
        .event("endpoint")
        .data(format!("/message?sessionId={id}"));
    Sse::new(events(endpoint, from_server, guard))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
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
            return (
                StatusCode::FORBIDDEN,
                "this session belongs to another credential",
            )
                .into_response();
        }
        Some(session) => session.to_server.clone(),
    };
    let message = match crate::jsonrpc::parse_client_message(&body) {
        Ok(message) => message,
        Err(response) => return (StatusCode::BAD_REQUEST, Json(response)).into_response(),
    };
    match to_server.send(message).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(_) => (
            StatusCode::GONE,
            "the session has ended; open a new one with GET /sse",
        )
            .into_response(),
    }
}
