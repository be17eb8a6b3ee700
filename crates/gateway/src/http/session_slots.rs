//! How many MCP sessions may be open at once. Each one — an `/mcp` session or a legacy `/sse`
//! stream — holds an rmcp service, its channels and buffers in memory (about 50 KB), so without a
//! bound any key holder could open them until the process ran out of memory (a key with only
//! `openid` opened 5,000 in 12 s). A credential may hold [`SessionLimits::per_credential`] of
//! them, so that one agent cannot take every place, and the gateway [`SessionLimits::total`].
//!
//! A session holds a [`Slot`] for as long as it lives; the slot is given back when it is dropped,
//! so the count cannot drift from the sessions that exist; `/metrics` reports it as
//! `mcp_sessions_active`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `[server] max_sessions`, `max_sessions_per_credential` and `session_idle_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Sessions open at once in this process.
    pub total: usize,
    /// Sessions open at once for one credential (an access key, or an OAuth grant).
    pub per_credential: usize,
    /// An `/mcp` session that has had no traffic for this long is ended (rmcp's keep-alive).
    pub idle: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            total: 1000,
            per_credential: 64,
            idle: Duration::from_secs(300),
        }
    }
}

/// Why a session could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OverLimit {
    #[error(
        "this credential already has {0} open MCP sessions, its limit: end one (DELETE /mcp with its Mcp-Session-Id, or close an /sse stream) or wait for an idle one to expire"
    )]
    Credential(usize),
    #[error("the gateway holds its limit of {0} open MCP sessions; try again shortly")]
    Total(usize),
}

impl OverLimit {
    /// 429 when the caller can fix it by ending its own sessions; 503 when the gateway is full.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            OverLimit::Credential(_) => StatusCode::TOO_MANY_REQUESTS,
            OverLimit::Total(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The refusal as a JSON-RPC error (what MCP clients show), with the status above.
    pub(crate) fn response(self) -> Response {
        let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": self.to_string()}});
        (self.status(), axum::Json(body)).into_response()
    }
}

/// The open sessions, counted per credential.
#[derive(Clone, Default)]
pub(crate) struct SessionSlots {
    limits: SessionLimits,
    open: Arc<Mutex<Open>>,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_credential: HashMap<String, usize>,
}

impl SessionSlots {
    pub(crate) fn limits(&self) -> SessionLimits {
        self.limits
    }

    pub(crate) fn new(limits: SessionLimits) -> SessionSlots {
        SessionSlots {
            limits,
            open: Arc::default(),
        }
    }

    /// A place for one more session of `credential`, or why there is none.
    pub(crate) fn take(&self, credential: &str) -> Result<Slot, OverLimit> {
        let mut open = self.open.lock().expect("the slot count is never poisoned");
        let held = open.by_credential.get(credential).copied().unwrap_or(0);
        if held >= self.limits.per_credential {
            return Err(OverLimit::Credential(self.limits.per_credential));
        }
        if open.total >= self.limits.total {
            return Err(OverLimit::Total(self.limits.total));
        }
        open.total += 1;
        open.by_credential.insert(credential.to_owned(), held + 1);
        Ok(Slot {
            slots: self.clone(),
            credential: credential.to_owned(),
        })
    }

    /// Sessions open now (all credentials).
    pub(crate) fn open(&self) -> usize {
        self.open
            .lock()
            .expect("the slot count is never poisoned")
            .total
    }
}

/// One open session's place; given back when dropped.
pub(crate) struct Slot {
    slots: SessionSlots,
    credential: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .expect("the slot count is never poisoned");
        open.total = open.total.saturating_sub(1);
        if let Some(held) = open.by_credential.get_mut(&self.credential) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                open.by_credential.remove(&self.credential);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_per_credential_and_in_total_and_given_back() {
        let slots = SessionSlots::new(SessionLimits {
            total: 3,
            per_credential: 2,
            ..SessionLimits::default()
        });
        let a1 = slots.take("a").unwrap();
        let _a2 = slots.take("a").unwrap();
        assert_eq!(slots.take("a").err(), Some(OverLimit::Credential(2)));
        let _b1 = slots.take("b").unwrap();
        assert_eq!(slots.take("c").err(), Some(OverLimit::Total(3)));
        drop(a1);
        assert_eq!(slots.open(), 2);
        let _c1 = slots.take("c").unwrap();
        assert_eq!(slots.take("a").err(), Some(OverLimit::Total(3)));
    }
}
