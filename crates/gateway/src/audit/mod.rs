//! The audit sink. Every record goes first to the local [`journal`] (appended and `fsync`ed, on
//! the journal's own thread), then to the store (by a task that retries until the store takes
//! it), and leaves the journal only once the store has it. A call that will reach Auth0 waits
//! for its intent to be on disk before it goes (one `fsync` shared by every call arriving
//! meanwhile); its final record is written behind it. So a store outage delays records but
//! loses none, and a crash (even SIGKILL) leaves every call that may have reached Auth0 in the
//! journal, replayed into the store at the next start. What can still be lost is said in
//! SECURITY.md: the journal's disk itself, and records that find the journal full or failing —
//! then calls are refused, and the gateway says so in its logs, metrics and `/readyz`.

pub mod journal;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use gw_mcp::{AuditRecord, AuditSink};
use gw_store::Store;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

pub use journal::{Journal, JournalError};

/// Commands waiting for the journal's thread; a full queue makes callers wait, never drops.
const QUEUE: usize = 10_000;
/// Most records appended with one `fsync`, or handed to the store in one transaction.
const BATCH: usize = 512;
/// The store writer waits this long after a first record for others, to write them together.
const LINGER: Duration = Duration::from_millis(50);
/// The longest a call waits for its intent to reach the disk before it is refused.
const BEGIN_TIMEOUT: Duration = Duration::from_secs(5);
/// Retry delays while the store refuses records: from the first to the longest.
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_LONGEST: Duration = Duration::from_secs(5);
/// How long a stopping gateway keeps trying to hand the store what it owes (the journal keeps
/// the rest for the next start).
const DRAIN: Duration = Duration::from_secs(5);

/// Where the journal lives, and how large it may grow (`[audit] journal_dir`, `journal_max_mb`).
#[derive(Debug, Clone)]
pub struct JournalSettings {
    pub dir: std::path::PathBuf,
    pub max_bytes: u64,
}

/// Whether records can be kept now, for `/readyz`.
#[derive(Debug, Default)]
pub struct AuditHealth {
    failing: AtomicBool,
}

impl AuditHealth {
    /// `true` while the journal refuses records (full, or its disk failing).
    pub fn journal_failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }
}

enum Command {
    /// A call's intent; answered once it is on disk.
    Begin(AuditRecord, oneshot::Sender<Result<(), String>>),
    Record(AuditRecord),
    /// The store has these records now.
    Stored(Vec<String>),
    Stop,
}

pub struct StoreAudit {
    commands: mpsc::Sender<Command>,
    health: Arc<AuditHealth>,
}

impl StoreAudit {
    /// A sink keeping records in the journal at `journal` and writing them to `store`, and the
    /// task that ends when, after `stop` is cancelled, what was queued is on disk and the store
    /// has been given what it will take within a few seconds. What an earlier process left in
    /// the journal is handed to the store first.
    pub fn start(
        store: Store,
        journal: &JournalSettings,
        stop: CancellationToken,
    ) -> Result<(Arc<StoreAudit>, tokio::task::JoinHandle<()>), JournalError> {
        let (journal, left) = Journal::open(&journal.dir, journal.max_bytes)?;
        if !left.is_empty() {
            tracing::info!(
                records = left.len(),
                "the audit journal holds records an earlier run did not hand to the store; handing them over"
            );
        }
        let (commands, incoming) = mpsc::channel::<Command>(QUEUE);
        let (to_store, for_store) = mpsc::unbounded_channel::<AuditRecord>();
        for record in left {
            let _ = to_store.send(record);
        }
        let health = Arc::new(AuditHealth::default());
        let thread_health = health.clone();
        let journal_thread = std::thread::Builder::new()
            .name("audit-journal".to_owned())
            .spawn(move || keep(journal, incoming, to_store, &thread_health))
            .map_err(|source| JournalError::Io {
                path: "audit-journal thread".into(),
                source,
            })?;
        let stored = commands.clone();
        let stopper = commands.clone();
        let task = tokio::spawn(async move {
            hand_over(store, for_store, stored, stop.clone()).await;
            // Everything queued before the stop is in the journal once the thread ends.
            let _ = stopper.send(Command::Stop).await;
            let _ = tokio::task::spawn_blocking(move || journal_thread.join()).await;
        });
        Ok((Arc::new(StoreAudit { commands, health }), task))
    }

    pub fn health(&self) -> Arc<AuditHealth> {
        self.health.clone()
    }
}

/// The journal's thread: appends what arrives, a batch per `fsync`, answers intents, passes
/// final records on to the store writer, and forgets what the store has.
fn keep(
    mut journal: Journal,
    mut incoming: mpsc::Receiver<Command>,
    to_store: mpsc::UnboundedSender<AuditRecord>,
    health: &AuditHealth,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        batch.clear();
        let Some(first) = incoming.blocking_recv() else {
            return;
        };
        batch.push(first);
        while batch.len() < BATCH {
            match incoming.try_recv() {
                Ok(command) => batch.push(command),
                Err(_) => break,
            }
        }
        let mut stop = false;
        let mut records: Vec<&AuditRecord> = Vec::new();
        for command in &batch {
            match command {
                Command::Begin(record, _) | Command::Record(record) => records.push(record),
                Command::Stored(ids) => journal.stored(ids.iter().map(String::as_str)),
                Command::Stop => stop = true,
            }
        }
        let kept = if records.is_empty() {
            Ok(())
        } else {
            journal.append(&records).map_err(|error| error.to_string())
        };
        match &kept {
            Ok(()) => {
                if health.failing.swap(false, Ordering::Relaxed) {
                    tracing::warn!("the audit journal takes records again");
                }
            }
            Err(error) => {
                health.failing.store(true, Ordering::Relaxed);
                metrics::counter!("audit_records_unkept_total").increment(records.len() as u64);
                tracing::error!(%error, records = records.len(), "AUDIT RECORDS CANNOT BE KEPT: calls are refused until the audit journal takes records again");
            }
        }
        for command in batch.drain(..) {
            match command {
                Command::Begin(_, answer) => {
                    let _ = answer.send(kept.clone());
                }
                Command::Record(record) if kept.is_ok() => {
                    let _ = to_store.send(record);
                }
                _ => {}
            }
        }
        metrics::gauge!("audit_journal_bytes").set(journal.bytes() as f64);
        metrics::gauge!("audit_records_owed").set(journal.owed() as f64);
        if stop {
            return;
        }
    }
}

/// The store writer: hands records to the store in batches, retrying (with growing pauses)
/// until it takes them, and tells the journal which it has. After `stop`, it keeps at it for
/// [`DRAIN`] at most.
async fn hand_over(
    store: Store,
    mut records: mpsc::UnboundedReceiver<AuditRecord>,
    stored: mpsc::Sender<Command>,
    stop: CancellationToken,
) {
    let mut batch = Vec::with_capacity(BATCH);
    let deadline = async {
        stop.cancelled().await;
        tokio::time::sleep(DRAIN).await;
    };
    tokio::pin!(deadline);
    loop {
        if batch.is_empty() {
            let received = tokio::select! {
                received = records.recv_many(&mut batch, BATCH) => received,
                () = stop.cancelled() => {
                    // Take what is queued now, then finish.
                    while batch.len() < BATCH {
                        match records.try_recv() {
                            Ok(record) => batch.push(record),
                            Err(_) => break,
                        }
                    }
                    if batch.is_empty() {
                        return;
                    }
                    batch.len()
                }
            };
            if received == 0 {
                return;
            }
            if batch.len() < BATCH && !stop.is_cancelled() {
                tokio::time::sleep(LINGER).await;
                while batch.len() < BATCH {
                    match records.try_recv() {
                        Ok(record) => batch.push(record),
                        Err(_) => break,
                    }
                }
            }
        }
        let mut pause = RETRY_FIRST;
        loop {
            match store.append_audit(&batch).await {
                Ok(()) => break,
                Err(error) => {
                    tracing::warn!(%error, records = batch.len(), "the store does not take audit records now; they stay in the journal and are tried again");
                    tokio::select! {
                        () = tokio::time::sleep(pause) => {}
                        () = &mut deadline => return,
                    }
                    pause = (pause * 2).min(RETRY_LONGEST);
                }
            }
        }
        let ids = batch.drain(..).map(|record| record.id).collect();
        if stored.send(Command::Stored(ids)).await.is_err() {
            return;
        }
    }
}

#[async_trait::async_trait]
impl AuditSink for StoreAudit {
    fn record(&self, record: AuditRecord) {
        match self.commands.try_send(Command::Record(record)) {
            Ok(()) => {}
            // The journal is behind: wait for room off the call's path rather than drop it.
            Err(mpsc::error::TrySendError::Full(command)) => {
                let commands = self.commands.clone();
                tokio::spawn(async move {
                    let _ = commands.send(command).await;
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::error!("an audit record arrived after the audit journal stopped");
            }
        }
    }

    async fn begin(&self, intent: &AuditRecord) -> Result<(), String> {
        let (answer, answered) = oneshot::channel();
        let asked = async {
            self.commands
                .send(Command::Begin(intent.clone(), answer))
                .await
                .map_err(|_| "the audit journal has stopped".to_owned())?;
            answered
                .await
                .map_err(|_| "the audit journal has stopped".to_owned())?
        };
        tokio::time::timeout(BEGIN_TIMEOUT, asked)
            .await
            .unwrap_or_else(|_| Err("the audit journal did not answer in time".to_owned()))
    }
}
