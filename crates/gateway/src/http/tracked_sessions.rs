//! rmcp's in-memory session manager, telling [`SessionBindings`] when a session starts and when
//! it ends. rmcp ends a session when the client deletes it, when it has been idle for
//! `[server] session_idle_seconds` (its worker's keep-alive; rmcp 3.11 defaults to 5 minutes, and
//! the gateway sets it explicitly so that a change of default cannot lengthen it), when it never
//! finishes `initialize` within [`INIT_WITHIN`], and at shutdown; every one of those paths goes through `close_session`, so a
//! binding (and the place it holds under the session limits) lasts exactly as long as its session.

use std::time::Duration;

use futures::Stream;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::WorkerTransport;
use rmcp::transport::streamable_http_server::SessionManager;
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError, LocalSessionWorker,
};
use rmcp::transport::streamable_http_server::session::{ServerSseMessage, SessionId};

use super::SessionBindings;

/// A session that has not answered `initialize` within this is ended (rmcp's default too).
const INIT_WITHIN: Duration = Duration::from_secs(60);

pub(crate) struct TrackedSessions {
    inner: LocalSessionManager,
    bindings: SessionBindings,
}

impl TrackedSessions {
    pub(crate) fn new(bindings: SessionBindings) -> TrackedSessions {
        let mut inner = LocalSessionManager::default();
        inner.session_config.keep_alive = Some(bindings.limits().idle);
        inner.session_config.init_timeout = Some(INIT_WITHIN);
        TrackedSessions { inner, bindings }
    }
}

impl SessionManager for TrackedSessions {
    type Error = LocalSessionManagerError;
    type Transport = WorkerTransport<LocalSessionWorker>;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        let (id, transport) = self.inner.create_session().await?;
        self.bindings.started(&id);
        Ok((id, transport))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        self.inner.initialize_session(id, message).await
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        self.inner.has_session(id).await
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        let closed = self.inner.close_session(id).await;
        self.bindings.ended(id);
        closed
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.inner.create_stream(id, message).await
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.inner.accept_message(id, message).await
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.inner.create_standalone_stream(id).await
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.inner.resume(id, last_event_id).await
    }
}
