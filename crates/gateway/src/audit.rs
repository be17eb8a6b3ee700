//! The audit sink: tool calls queue their records here and a background task writes them to the
//! store in batches, so a call never waits for the audit write. The writer lingers [`LINGER`]
//! after a first record to gather the others arriving meanwhile: under load that is one
//! transaction (one fsync on SQLite) per batch instead of per call, and a crash can lose at most
//! that much more. A full queue (the store far behind) drops records with a warning rather than
//! slowing every call; the graceful shutdown flushes what is queued.

use std::sync::Arc;
use std::time::Duration;

use gw_mcp::{AuditRecord, AuditSink};
use gw_store::Store;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const QUEUE: usize = 10_000;
const BATCH: usize = 512;
const LINGER: Duration = Duration::from_millis(100);

pub struct StoreAudit {
    queue: mpsc::Sender<AuditRecord>,
}

impl StoreAudit {
    /// A sink writing to `store`, and the task that does it. After `stop` is cancelled the task
    /// refuses new records, writes what is queued, and ends.
    pub fn start(
        store: Store,
        stop: CancellationToken,
    ) -> (Arc<StoreAudit>, tokio::task::JoinHandle<()>) {
        let (queue, mut incoming) = mpsc::channel::<AuditRecord>(QUEUE);
        let writer = tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            loop {
                let received = tokio::select! {
                    received = incoming.recv_many(&mut batch, BATCH) => received,
                    () = stop.cancelled(), if !incoming.is_closed() => {
                        incoming.close();
                        continue;
                    }
                };
                if received == 0 {
                    break;
                }
                if batch.len() < BATCH && !incoming.is_closed() {
                    tokio::select! {
                        () = tokio::time::sleep(LINGER) => {}
                        () = stop.cancelled() => {}
                    }
                    while batch.len() < BATCH {
                        match incoming.try_recv() {
                            Ok(record) => batch.push(record),
                            Err(_) => break,
                        }
                    }
                }
                let mut attempts = 0;
                while let Err(error) = store.append_audit(&batch).await {
                    attempts += 1;
                    if attempts == 3 {
                        tracing::error!(%error, records = batch.len(), "cannot write audit records; they are lost");
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200 * attempts)).await;
                }
                batch.clear();
            }
        });
        (Arc::new(StoreAudit { queue }), writer)
    }
}

impl AuditSink for StoreAudit {
    fn record(&self, record: AuditRecord) {
        if self.queue.try_send(record).is_err() {
            tracing::warn!("the audit queue is full; a record was dropped");
        }
    }
}
