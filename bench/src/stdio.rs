//! The comparison with Auth0's official MCP server: two MCP servers over stdio, each started as a
//! child process and driven with the same JSON-RPC messages (newline-delimited, as both speak),
//! against the same fake tenant over https.
//!
//! One run of one server: start the process, `initialize`, `tools/list` (the time from spawning to
//! that answer is the start-up figure), one warm-up pass of the call sequence, then
//! `iterations` passes one call at a time (latency), then the same number of calls with
//! `outstanding` requests in flight (throughput), then the process's peak RSS.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::stats::{RunStats, summarize};

/// How to start one server, and its name for each operation of the sequence.
#[derive(Clone, Debug)]
pub(crate) struct StdioServer {
    pub name: &'static str,
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// `(tool, arguments)` for: list applications, get one, list logs, get one.
    pub sequence: Vec<(String, Value)>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct StdioRun {
    /// From spawning the process to the `tools/list` answer, milliseconds.
    pub start_to_tools_list_ms: f64,
    pub tools_listed: usize,
    /// One call at a time.
    pub sequential: RunStats,
    /// `outstanding` calls in flight.
    pub pipelined: RunStats,
    pub outstanding: usize,
    /// CPU time (user + system) the server process spent per call over both phases, µs.
    pub cpu_us_per_call: f64,
    /// The process's peak resident set (VmHWM) at the end of the run, KiB.
    pub peak_rss_kib: u64,
}

/// The child and its two pipes.
struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    next_id: u64,
}

impl Session {
    async fn send(&mut self, message: &Value) -> Result<()> {
        let mut line = serde_json::to_vec(message)?;
        line.push(b'\n');
        self.stdin
            .write_all(&line)
            .await
            .context("writing to the server")?;
        self.stdin.flush().await?;
        Ok(())
    }

    fn request(&mut self, method: &str, params: Value) -> (u64, Value) {
        self.next_id += 1;
        let id = self.next_id;
        (
            id,
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        )
    }

    /// The next response (skipping notifications and log lines a server may write).
    async fn response(&mut self) -> Result<(u64, Value)> {
        loop {
            let line = tokio::time::timeout(Duration::from_secs(30), self.stdout.next_line())
                .await
                .context("no answer within 30 s")??
                .context("the server closed its stdout")?;
            let Ok(message) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if let Some(id) = message.get("id").and_then(Value::as_u64) {
                return Ok((id, message));
            }
        }
    }

    async fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        let (id, request) = self.request(method, params);
        self.send(&request).await?;
        let (got, response) = self.response().await?;
        if got != id {
            bail!("answer to {got} while waiting for {id}");
        }
        Ok(response)
    }
}

/// A `tools/call` answer that is a success with some content.
fn call_succeeded(response: &Value) -> bool {
    let result = &response["result"];
    result.is_object()
        && result["isError"] != json!(true)
        && result["content"].as_array().is_some_and(|c| !c.is_empty())
}

pub(crate) async fn run(
    server: &StdioServer,
    iterations: usize,
    outstanding: usize,
    clk_tck: u64,
) -> Result<StdioRun> {
    let started = Instant::now();
    let mut child = Command::new(&server.program)
        .args(&server.args)
        .envs(server.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", server.name))?;
    let mut session = Session {
        stdin: child.stdin.take().context("stdin")?,
        stdout: BufReader::new(child.stdout.take().context("stdout")?).lines(),
        child,
        next_id: 0,
    };
    let initialized = session
        .call(
            "initialize",
            json!({"protocolVersion": crate::target::PROTOCOL_VERSION, "capabilities": {},
                   "clientInfo": {"name": "mcp-bench", "version": "0"}}),
        )
        .await
        .with_context(|| format!("{}: initialize", server.name))?;
    if initialized.get("result").is_none() {
        bail!("{}: initialize failed: {initialized}", server.name);
    }
    session
        .send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await?;
    let listed = session.call("tools/list", json!({})).await?;
    let start_to_tools_list_ms = started.elapsed().as_secs_f64() * 1e3;
    let tools_listed = listed["result"]["tools"].as_array().map_or(0, Vec::len);
    for (tool, _) in &server.sequence {
        if !listed["result"]["tools"]
            .as_array()
            .is_some_and(|tools| tools.iter().any(|t| t["name"] == json!(tool)))
        {
            bail!("{} does not list {tool}", server.name);
        }
    }

    let call_params = |i: usize| {
        let (tool, arguments) = &server.sequence[i % server.sequence.len()];
        json!({"name": tool, "arguments": arguments})
    };
    // Warm-up: one pass, which must succeed entirely.
    for i in 0..server.sequence.len() {
        let response = session.call("tools/call", call_params(i)).await?;
        if !call_succeeded(&response) {
            bail!(
                "{}: warm-up call {} failed: {response}",
                server.name,
                server.sequence[i].0
            );
        }
    }

    let total = iterations * server.sequence.len();
    let pid = session.child.id().context("the server exited")?;
    let cpu_before = crate::scale::cpu_ticks(Some(pid))?;
    let mut latencies = Vec::with_capacity(total);
    let mut ok = 0;
    let sequential_started = Instant::now();
    for i in 0..total {
        let sent = Instant::now();
        let response = session.call("tools/call", call_params(i)).await?;
        latencies.push(sent.elapsed().as_nanos() as u64);
        ok += u64::from(call_succeeded(&response));
    }
    let sequential = summarize(
        latencies,
        total as u64,
        ok,
        sequential_started.elapsed().as_secs_f64(),
        None,
    );

    let pipelined = pipelined(&mut session, &call_params, total, outstanding).await?;
    let cpu_ticks = crate::scale::cpu_ticks(Some(pid))? - cpu_before;
    let cpu_us_per_call = cpu_ticks as f64 / clk_tck as f64 * 1e6 / (2 * total) as f64;
    let peak_rss_kib = crate::scale::memory(pid)?.hwm_kib;
    drop(session.stdin);
    let _ = tokio::time::timeout(Duration::from_secs(5), session.child.wait()).await;
    let _ = session.child.kill().await;
    Ok(StdioRun {
        start_to_tools_list_ms,
        tools_listed,
        sequential,
        pipelined,
        outstanding,
        cpu_us_per_call,
        peak_rss_kib,
    })
}

/// `total` calls with `outstanding` in flight; latency from each request's write to its answer.
async fn pipelined(
    session: &mut Session,
    call_params: &dyn Fn(usize) -> Value,
    total: usize,
    outstanding: usize,
) -> Result<RunStats> {
    let mut in_flight: HashMap<u64, Instant> = HashMap::new();
    let mut latencies = Vec::with_capacity(total);
    let mut ok = 0;
    let mut sent = 0;
    let started = Instant::now();
    while latencies.len() < total {
        while sent < total && in_flight.len() < outstanding {
            let (id, request) = session.request("tools/call", call_params(sent));
            in_flight.insert(id, Instant::now());
            session.send(&request).await?;
            sent += 1;
        }
        let (id, response) = session.response().await?;
        let Some(at) = in_flight.remove(&id) else {
            bail!("an answer to {id}, which is not in flight");
        };
        latencies.push(at.elapsed().as_nanos() as u64);
        ok += u64::from(call_succeeded(&response));
    }
    Ok(summarize(
        latencies,
        total as u64,
        ok,
        started.elapsed().as_secs_f64(),
        None,
    ))
}
