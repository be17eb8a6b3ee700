//! The store's state as `/readyz` reports it. An orchestrator's probe gives up after about a
//! second (Kubernetes' default), so the ping has its own deadline, shorter than the store's
//! acquire timeout; and during an outage probes must not pile up on a store that does not answer,
//! so at most one ping is in flight: a probe arriving meanwhile waits for that ping's answer (at
//! most [`DEADLINE`]) instead of starting another, and an answer younger than [`FRESH`] is
//! reused.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gw_store::Store;
use tokio::sync::Mutex;

/// How long a ping may take before the store counts as not answering.
pub(crate) const DEADLINE: Duration = Duration::from_millis(800);
/// How long an answer is reused. Short, so `/readyz` flips within a probe period of the store
/// going or coming back.
const FRESH: Duration = Duration::from_millis(250);

#[derive(Clone, Default)]
pub struct StoreProbe {
    /// The last answer; held locked while a ping is in flight.
    last: Arc<Mutex<Option<Probed>>>,
}

struct Probed {
    at: Instant,
    answer: Result<(), String>,
}

impl StoreProbe {
    /// Whether the store answers, or why it does not (never the store's URL or password).
    pub(crate) async fn check(&self, store: &Store) -> Result<(), String> {
        let mut last = self.last.lock().await;
        if let Some(probed) = last.as_ref()
            && probed.at.elapsed() < FRESH
        {
            return probed.answer.clone();
        }
        let answer = match tokio::time::timeout(DEADLINE, store.ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!(
                "the store did not answer within {} ms",
                DEADLINE.as_millis()
            )),
        };
        *last = Some(Probed {
            at: Instant::now(),
            answer: answer.clone(),
        });
        answer
    }
}
