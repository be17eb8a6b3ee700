//! What keeping the audit trail durable costs a call (issue 22): before a call leaves for Auth0
//! its intent is appended to the local journal and `fsync`ed, and the call waits for that
//! (`AuditSink::begin`). Measured through the gateway's own `StoreAudit` (journal thread, store
//! writer on a SQLite file beside it) in a directory under `target/` — the machine's disk, not a
//! tmpfs, since the `fsync` is the cost. One caller at a time (every call pays a whole `fsync`),
//! and 32 at once (calls arriving during one `fsync` share the next): the mean wait per call,
//! median of runs. The final record (`AuditSink::record`) is queued without waiting and is not
//! on the call's path.

use std::sync::Arc;
use std::time::Instant;

use gw_mcp::{AuditRecord, AuditSink, Outcome, PolicyNote};
use mcp_gateway::audit::{JournalSettings, StoreAudit};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const SEQUENTIAL_CALLS: usize = 500;
const CONCURRENT_CALLERS: usize = 32;
const CALLS_PER_CALLER: usize = 100;

fn intent() -> AuditRecord {
    AuditRecord {
        id: gw_mcp::audit::new_id(),
        at_ms: gw_mcp::audit::now_ms(),
        tenant: "acme".into(),
        principal: "access key `bench` (key_0123456789)".into(),
        connection_id: None,
        oauth_client: None,
        tool: "auth0_get_user".into(),
        outcome: Outcome::Interrupted,
        upstream_status: None,
        upstream_request_id: None,
        latency_ms: 0,
        policy: PolicyNote::default(),
    }
}

/// Mean microseconds a call waits in `begin`: one caller, then 32 at once.
async fn one_run(dir: &std::path::Path) -> (f64, f64) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("the bench can write under target/");
    let store = gw_store::Store::open(&format!("sqlite://{}", dir.join("audit.db").display()))
        .await
        .expect("a SQLite store opens");
    let stop = CancellationToken::new();
    let settings = JournalSettings {
        dir: dir.join("journal"),
        max_bytes: 1 << 30,
    };
    let (sink, writer) =
        StoreAudit::start(store, &settings, stop.clone()).expect("the journal opens");

    let started = Instant::now();
    for _ in 0..SEQUENTIAL_CALLS {
        let record = intent();
        sink.begin(&record).await.expect("the journal keeps it");
        sink.record(AuditRecord {
            outcome: Outcome::Ok,
            ..record
        });
    }
    let sequential = started.elapsed().as_secs_f64() * 1e6 / SEQUENTIAL_CALLS as f64;

    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENT_CALLERS {
        let sink: Arc<StoreAudit> = sink.clone();
        callers.spawn(async move {
            let mut waited = 0.0;
            for _ in 0..CALLS_PER_CALLER {
                let record = intent();
                let asked = Instant::now();
                sink.begin(&record).await.expect("the journal keeps it");
                waited += asked.elapsed().as_secs_f64();
                sink.record(AuditRecord {
                    outcome: Outcome::Ok,
                    ..record
                });
            }
            waited
        });
    }
    let mut waited = 0.0;
    while let Some(each) = callers.join_next().await {
        waited += each.expect("a caller finished");
    }
    let concurrent = waited * 1e6 / (CONCURRENT_CALLERS * CALLS_PER_CALLER) as f64;
    stop.cancel();
    let _ = writer.await;
    (sequential, concurrent)
}

pub(crate) async fn measure(runs: usize) -> Value {
    let dir = std::env::current_dir()
        .expect("a working directory")
        .join("target")
        .join("bench-audit-journal");
    let mut sequential = Vec::new();
    let mut concurrent = Vec::new();
    for _ in 0..runs.max(1) {
        let (s, c) = one_run(&dir).await;
        sequential.push(s);
        concurrent.push(c);
    }
    let _ = std::fs::remove_dir_all(&dir);
    json!({
        "one_caller_us_per_call": crate::stats::median(&sequential),
        "thirty_two_callers_us_per_call": crate::stats::median(&concurrent),
        "runs": runs,
        "filesystem_dir": dir.display().to_string(),
    })
}
