//! Scale figures: memory with many idle sessions, and the token-refresh storm.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use tokio::sync::{Barrier, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::stats::{RunStats, summarize};
use crate::target::{self, Conn, McpCall, Target};

/// `VmRSS` and `VmHWM` of a process, in KiB.
#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

pub(crate) fn memory(pid: u32) -> Result<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> Result<u64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .with_context(|| format!("no {name} in /proc/{pid}/status"))?;
        Ok(line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()?)
    };
    Ok(Memory {
        rss_kib: field("VmRSS:")?,
        hwm_kib: field("VmHWM:")?,
    })
}

/// CPU time (user + system) a process has used so far, in clock ticks; `pid` `None` is this process.
pub(crate) fn cpu_ticks(pid: Option<u32>) -> Result<u64> {
    let path = pid.map_or_else(
        || "/proc/self/stat".to_owned(),
        |p| format!("/proc/{p}/stat"),
    );
    let stat = std::fs::read_to_string(&path).with_context(|| path.clone())?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')').context("malformed stat")? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 of `rest` (0-based 11, 12).
    Ok(fields[11].parse::<u64>()? + fields[12].parse::<u64>()?)
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct IdleSessionsRun {
    pub sessions: usize,
    pub before: Memory,
    /// With every session open and idle (no event stream, no request in flight).
    pub open: Memory,
    /// After every session was ended with DELETE.
    pub after_close: Memory,
    /// (open.rss − before.rss) / sessions.
    pub bytes_per_session: f64,
    /// Seconds to open them all (initialize + notifications/initialized each).
    pub open_s: f64,
}

/// Opens `n` sessions (64 at a time, over a pooled client), reads the gateway's memory,
/// then ends them all.
pub(crate) async fn idle_sessions(
    url: &str,
    key: &str,
    pid: u32,
    n: usize,
) -> Result<IdleSessionsRun> {
    let client = target::shared_client()?;
    // Let the allocator settle after earlier work.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = memory(pid)?;
    let started = Instant::now();
    let limit = Arc::new(Semaphore::new(64));
    let mut opening = JoinSet::new();
    for _ in 0..n {
        let (client, url, key, limit) = (
            client.clone(),
            url.to_owned(),
            key.to_owned(),
            limit.clone(),
        );
        opening.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            target::open_session(&client, &url, &key).await
        });
    }
    let mut sessions = Vec::with_capacity(n);
    while let Some(s) = opening.join_next().await {
        sessions.push(s??);
    }
    let open_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let open = memory(pid)?;
    let mut closing = JoinSet::new();
    for session in sessions {
        let (client, url, key, limit) = (
            client.clone(),
            url.to_owned(),
            key.to_owned(),
            limit.clone(),
        );
        closing.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            target::close_session(&client, &url, &key, &session).await
        });
    }
    while let Some(closed) = closing.join_next().await {
        closed??;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after_close = memory(pid)?;
    let bytes_per_session = (open.rss_kib as f64 - before.rss_kib as f64) * 1024.0 / n as f64;
    Ok(IdleSessionsRun {
        sessions: n,
        before,
        open,
        after_close,
        bytes_per_session,
        open_s,
    })
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct StormRun {
    pub calls: usize,
    /// client_credentials requests the fake served between just before and just after the storm.
    pub token_requests: u64,
    /// Seconds between the gateway's last token fetch (the warm-up call) and the storm.
    pub waited_s: f64,
    pub latency: RunStats,
}

/// The gateway's cached token is made to expire (a warm-up call, then a wait longer than the
/// fake's token lifetime), then `calls` tool calls are released at once, each on its own
/// connection (opened before the barrier), and the fake's token-request count is compared.
pub(crate) async fn storm(
    url: &str,
    key: &str,
    fake: &str,
    calls: usize,
    wait: Duration,
) -> Result<StormRun> {
    let target = Target::Mcp {
        url: url.to_owned(),
        key: key.to_owned(),
        session: false,
        call: McpCall::GetUser,
    };
    let mut warm = Conn::open(&target).await?;
    if !warm.call(&target).await? {
        bail!("the storm gateway's warm-up call failed");
    }
    let warmed = Instant::now();
    // Open the connections while the token ages (a TCP connection each: a bare GET /healthz).
    let mut conns = Vec::with_capacity(calls);
    let mut opening = JoinSet::new();
    let base = url.trim_end_matches("/mcp").to_owned();
    for _ in 0..calls {
        let (target, base) = (target.clone(), base.clone());
        opening.spawn(async move {
            let conn = Conn::open(&target).await?;
            conn.warm_connection(&format!("{base}/healthz")).await?;
            anyhow::Ok(conn)
        });
    }
    while let Some(c) = opening.join_next().await {
        conns.push(c??);
    }
    tokio::time::sleep_until(warmed + wait).await;
    let before = target::client_credentials_count(fake).await?;
    let waited_s = warmed.elapsed().as_secs_f64();
    let barrier = Arc::new(Barrier::new(calls + 1));
    let mut tasks = JoinSet::new();
    for mut conn in conns {
        let (target, barrier) = (target.clone(), barrier.clone());
        tasks.spawn(async move {
            barrier.wait().await;
            let t0 = Instant::now();
            let ok = conn.call(&target).await.unwrap_or(false);
            (t0.elapsed().as_nanos() as u64, ok, Instant::now())
        });
    }
    barrier.wait().await;
    let start = Instant::now();
    let (mut latencies, mut ok, mut last) = (Vec::with_capacity(calls), 0u64, start);
    while let Some(joined) = tasks.join_next().await {
        let (ns, success, end) = joined?;
        latencies.push(ns);
        ok += u64::from(success);
        last = last.max(end);
    }
    let after = target::client_credentials_count(fake).await?;
    Ok(StormRun {
        calls,
        token_requests: after - before,
        waited_s,
        latency: summarize(
            latencies,
            calls as u64,
            ok,
            (last - start).as_secs_f64(),
            None,
        ),
    })
}
