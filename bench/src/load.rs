//! The load generator, written once for every target: N connections, a fixed request count,
//! either closed-loop (each connection sends its next request as soon as the previous answer
//! arrives: throughput at saturation) or open-loop at a fixed offered rate (request i is due at
//! start + i/rate; when its connection is still busy at that time, its latency is measured from
//! the due time, so a stalled server is charged for the queue it causes instead of hiding it: no
//! coordinated omission. When the connection is idle the clock starts when the request leaves, so
//! the timer's own lateness is not charged to the server).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Result;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::stats::{RunStats, summarize};
use crate::target::{Conn, Target};

#[derive(Clone, Copy, Debug)]
pub(crate) struct LoadSpec {
    pub connections: usize,
    pub requests: u64,
    /// `None`: closed loop. `Some(r)`: open loop at r requests per second.
    pub rate: Option<f64>,
    /// Requests each connection sends, unmeasured, before the run starts.
    pub warmup_per_connection: u32,
}

pub(crate) async fn run(target: &Target, spec: LoadSpec) -> Result<RunStats> {
    // Open every connection (and session) and warm it up before the clock starts.
    let mut opening = JoinSet::new();
    for _ in 0..spec.connections {
        let target = target.clone();
        opening.spawn(async move {
            let mut conn = Conn::open(&target).await?;
            for _ in 0..spec.warmup_per_connection {
                conn.call(&target).await?;
            }
            anyhow::Ok(conn)
        });
    }
    let mut conns = Vec::with_capacity(spec.connections);
    while let Some(conn) = opening.join_next().await {
        conns.push(conn??);
    }

    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut workers = JoinSet::new();
    for mut conn in conns {
        let target = target.clone();
        let next = next.clone();
        workers.spawn(async move {
            let mut latencies =
                Vec::with_capacity((spec.requests as usize / spec.connections) + 16);
            let mut sent = 0u64;
            let mut ok = 0u64;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= spec.requests {
                    break;
                }
                let t0 = match spec.rate {
                    Some(rate) => {
                        let due = start + Duration::from_secs_f64(i as f64 / rate);
                        let now = Instant::now();
                        if now >= due {
                            // Late because this connection was still busy: the wait is real
                            // queueing, charged to the server.
                            due
                        } else {
                            // Early: sleep, and start the clock when the request really leaves
                            // (tokio's timer wakes up to a millisecond late; that is ours).
                            tokio::time::sleep_until(due).await;
                            Instant::now()
                        }
                    }
                    None => Instant::now(),
                };
                let success = conn.call(&target).await.unwrap_or(false);
                latencies.push(t0.elapsed().as_nanos() as u64);
                sent += 1;
                ok += u64::from(success);
            }
            let end = Instant::now();
            conn.close(&target).await;
            (latencies, sent, ok, end)
        });
    }
    let mut all = Vec::with_capacity(spec.requests as usize);
    let (mut sent, mut ok, mut last) = (0, 0, start);
    while let Some(joined) = workers.join_next().await {
        let (latencies, s, o, end) = joined?;
        all.extend(latencies);
        sent += s;
        ok += o;
        last = last.max(end);
    }
    Ok(summarize(
        all,
        sent,
        ok,
        (last - start).as_secs_f64(),
        spec.rate,
    ))
}
