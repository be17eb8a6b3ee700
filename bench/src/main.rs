//! `mcp-bench`: the benchmark harness behind `bench/run.sh`.
//!
//! `mcp-bench all …` runs every measurement against processes `run.sh` started (a fake tenant,
//! a stateless gateway, a session gateway, and a gateway on a short-token fake for the refresh
//! storm), writes one JSON file and prints a summary table. `mcp-bench load …` runs the load
//! generator once against one target, for poking by hand.

mod journal;
mod load;
mod masking;
mod official;
mod policy;
mod scale;
mod stats;
mod stdio;
mod target;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::load::LoadSpec;
use crate::stats::{Medians, median, medians};
use crate::target::{McpCall, Target};

const DEFAULT_AUDIENCE: &str = "https://demo-tenant.us.auth0.com/api/v2/";
const TOOL_COUNT: usize = 37;

#[derive(Parser)]
#[command(
    name = "mcp-bench",
    about = "Benchmarks for mcp-gateway (see BENCHMARKS.md)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Every measurement, medians of several runs, JSON out and a summary table.
    All(Box<AllArgs>),
    /// One load-generator run against one target; prints its figures as JSON.
    Load(LoadArgs),
    /// Only the in-process cost of judging a call by a tenant's policy; prints JSON.
    Policy {
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Only what masking a 100-user page costs (data protection); prints JSON.
    Masking {
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Only what keeping a call's audit intent on disk costs the call; prints JSON.
    Journal {
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

#[derive(Args)]
struct AllArgs {
    #[arg(long)]
    fake_url: String,
    #[arg(long)]
    client_id: String,
    #[arg(long)]
    client_secret: String,
    #[arg(long, default_value = DEFAULT_AUDIENCE)]
    audience: String,
    /// `/mcp` of the gateway with `[server] stateless = true`.
    #[arg(long)]
    stateless_url: String,
    #[arg(long)]
    stateless_key: String,
    #[arg(long)]
    stateless_pid: u32,
    /// `/mcp` of the gateway with sessions (the default).
    #[arg(long)]
    session_url: String,
    #[arg(long)]
    session_key: String,
    #[arg(long)]
    session_pid: u32,
    /// The main fake tenant's process id (for CPU per request).
    #[arg(long)]
    fake_pid: u32,
    /// Clock ticks per second of /proc/PID/stat (`getconf CLK_TCK`).
    #[arg(long, default_value_t = 100)]
    clk_tck: u64,
    /// `/mcp` of a stateless gateway whose fake tenant issues short-lived tokens.
    #[arg(long)]
    storm_url: String,
    #[arg(long)]
    storm_key: String,
    #[arg(long)]
    storm_fake_url: String,
    /// The storm fake's `--access-token-ttl`, seconds.
    #[arg(long)]
    storm_ttl: u64,
    #[arg(long)]
    quick: bool,
    /// Runs per measurement (default: 3 quick, 5 full).
    #[arg(long)]
    runs: Option<usize>,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Requests per saturation run (default: 4000 quick, 20000 full).
    #[arg(long)]
    requests: Option<u64>,
    /// Offered rate of the latency runs, requests per second.
    #[arg(long, default_value_t = 500.0)]
    rate: f64,
    /// Requests per fixed-rate run (default: 1500 quick, 5000 full).
    #[arg(long)]
    rate_requests: Option<u64>,
    /// Idle sessions to open (default: 1000 quick, 10000 full).
    #[arg(long)]
    sessions: Option<usize>,
    #[arg(long, default_value_t = 1000)]
    storm_calls: usize,
    /// The https fake tenant for the comparison with Auth0's official MCP server over stdio; the
    /// comparison is skipped without it.
    #[arg(long, requires_all = ["tls_cert", "gateway_bin", "gateway_stdio_config", "official_script"])]
    tls_fake_url: Option<String>,
    /// Its self-signed certificate (PEM).
    #[arg(long)]
    tls_cert: Option<String>,
    /// The `mcp-gateway` binary to run over stdio.
    #[arg(long)]
    gateway_bin: Option<String>,
    /// A `gateway.toml` whose tenant `demo` points at the https fake.
    #[arg(long)]
    gateway_stdio_config: Option<String>,
    /// `dist/index.js` of the installed `@auth0/auth0-mcp-server`.
    #[arg(long)]
    official_script: Option<String>,
    /// A directory holding `libsecret-1.so.0` when the system has none.
    #[arg(long)]
    official_library_path: Option<String>,
    /// Passes of the four-call sequence per stdio run (default: 25 quick, 100 full).
    #[arg(long)]
    stdio_iterations: Option<usize>,
    /// Calls in flight in the pipelined stdio phase.
    #[arg(long, default_value_t = 8)]
    stdio_outstanding: usize,
    #[arg(long)]
    out: PathBuf,
    /// `rustc --version` of the toolchain that built the binaries.
    #[arg(long, default_value = "unknown")]
    rustc: String,
    #[arg(long, default_value = "unknown")]
    date: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Direct,
    Stateless,
    Session,
    ToolsList,
}

#[derive(Args)]
struct LoadArgs {
    #[arg(long, value_enum)]
    kind: Kind,
    /// The fake's base URL (direct) or the gateway's `/mcp` URL.
    #[arg(long)]
    url: String,
    /// Access key (gateway kinds).
    #[arg(long, default_value = "")]
    key: String,
    /// Direct kind: the fake's client credentials.
    #[arg(long, default_value = "gateway-client")]
    client_id: String,
    #[arg(long, default_value = "gateway-secret")]
    client_secret: String,
    #[arg(long, default_value = DEFAULT_AUDIENCE)]
    audience: String,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    #[arg(long, default_value_t = 5000)]
    requests: u64,
    #[arg(long)]
    rate: Option<f64>,
}

#[tokio::main]
async fn main() -> Result<()> {
    rustls::crypto::ring::default_provider()
        .install_default()
        .map_err(|_| anyhow::anyhow!("a rustls provider was already installed"))?;
    match Cli::parse().command {
        Command::All(args) => all(*args).await,
        Command::Policy { runs } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&policy::measure(runs.max(1)))?
            );
            Ok(())
        }
        Command::Masking { runs } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&masking::measure(runs.max(1)))?
            );
            Ok(())
        }
        Command::Journal { runs } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&journal::measure(runs.max(1)).await)?
            );
            Ok(())
        }
        Command::Load(args) => {
            let target = match args.kind {
                Kind::Direct => Target::Direct {
                    token: target::machine_token(
                        &args.url,
                        &args.client_id,
                        &args.client_secret,
                        &args.audience,
                    )
                    .await?,
                    base: args.url,
                },
                Kind::Stateless | Kind::Session => Target::Mcp {
                    url: args.url,
                    key: args.key,
                    session: matches!(args.kind, Kind::Session),
                    call: McpCall::GetUser,
                },
                Kind::ToolsList => Target::Mcp {
                    url: args.url,
                    key: args.key,
                    session: false,
                    call: McpCall::ToolsList {
                        expect_tools: TOOL_COUNT,
                    },
                },
            };
            let spec = LoadSpec {
                connections: args.connections,
                requests: args.requests,
                rate: args.rate,
                warmup_per_connection: 5,
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&load::run(&target, spec).await?)?
            );
            Ok(())
        }
    }
}

async fn all(a: AllArgs) -> Result<()> {
    let runs = a.runs.unwrap_or(if a.quick { 3 } else { 5 });
    let requests = a.requests.unwrap_or(if a.quick { 4_000 } else { 20_000 });
    let rate_requests = a
        .rate_requests
        .unwrap_or(if a.quick { 1_500 } else { 5_000 });
    let sessions = a.sessions.unwrap_or(if a.quick { 1_000 } else { 10_000 });
    let tools_rate = 200.0;
    let tools_requests: u64 = if a.quick { 600 } else { 2_000 };
    let tools_sat_requests: u64 = if a.quick { 1_000 } else { 5_000 };
    let started = std::time::Instant::now();

    // Memory of both gateways before they have served anything.
    let baseline_stateless = scale::memory(a.stateless_pid)?;
    let baseline_session = scale::memory(a.session_pid)?;

    let token =
        target::machine_token(&a.fake_url, &a.client_id, &a.client_secret, &a.audience).await?;
    let targets = [
        (
            "direct",
            Target::Direct {
                base: a.fake_url.clone(),
                token,
            },
        ),
        (
            "stateless",
            Target::Mcp {
                url: a.stateless_url.clone(),
                key: a.stateless_key.clone(),
                session: false,
                call: McpCall::GetUser,
            },
        ),
        (
            "session",
            Target::Mcp {
                url: a.session_url.clone(),
                key: a.session_key.clone(),
                session: true,
                call: McpCall::GetUser,
            },
        ),
    ];
    let gateway_pids = [None, Some(a.stateless_pid), Some(a.session_pid)];
    let (fake_pid, tck) = (a.fake_pid, a.clk_tck as f64);
    // One load run, with the CPU time each process spent on it.
    let measured =
        async |target: &Target, gateway: Option<u32>, spec: LoadSpec| -> Result<stats::RunStats> {
            let before = (
                scale::cpu_ticks(None)?,
                scale::cpu_ticks(Some(fake_pid))?,
                gateway.map(|p| scale::cpu_ticks(Some(p))).transpose()?,
            );
            let mut run = load::run(target, spec).await?;
            let after = (
                scale::cpu_ticks(None)?,
                scale::cpu_ticks(Some(fake_pid))?,
                gateway.map(|p| scale::cpu_ticks(Some(p))).transpose()?,
            );
            let per = |b: u64, a: u64| (a - b) as f64 / tck * 1e6 / run.requests as f64;
            run.cpu_us_per_request = Some(stats::CpuPerRequest {
                bench: per(before.0, after.0),
                fake: per(before.1, after.1),
                gateway: before.2.zip(after.2).map(|(b, a)| per(b, a)),
            });
            Ok(run)
        };

    // Scale 1: idle sessions, first, on a session gateway that has not yet carried load.
    eprintln!("[mcp-bench] idle sessions: {runs} × {sessions}");
    // Warm-up: the first sessions pay one-time costs (runtime threads, store pages, catalogue).
    scale::idle_sessions(&a.session_url, &a.session_key, a.session_pid, 64)
        .await
        .context("idle-session warm-up")?;
    let mut idle = Vec::new();
    for _ in 0..runs {
        idle.push(
            scale::idle_sessions(&a.session_url, &a.session_key, a.session_pid, sessions).await?,
        );
    }
    let peak_after_sessions = scale::memory(a.session_pid)?;

    // Overhead: every target in every run, the order rotated from run to run.
    let saturation = LoadSpec {
        connections: a.connections,
        requests,
        rate: None,
        warmup_per_connection: 10,
    };
    let fixed = LoadSpec {
        connections: a.connections,
        requests: rate_requests,
        rate: Some(a.rate),
        warmup_per_connection: 10,
    };
    let mut sat_runs: Vec<Vec<stats::RunStats>> = vec![Vec::new(); targets.len()];
    let mut rate_runs: Vec<Vec<stats::RunStats>> = vec![Vec::new(); targets.len()];
    let tools = Target::Mcp {
        url: a.stateless_url.clone(),
        key: a.stateless_key.clone(),
        session: false,
        call: McpCall::ToolsList {
            expect_tools: TOOL_COUNT,
        },
    };
    let mut tools_sat = Vec::new();
    let mut tools_fixed = Vec::new();
    for run in 0..runs {
        eprintln!("[mcp-bench] overhead run {}/{runs}", run + 1);
        for step in 0..targets.len() {
            let i = (step + run) % targets.len();
            sat_runs[i].push(
                measured(&targets[i].1, gateway_pids[i], saturation)
                    .await
                    .with_context(|| format!("saturation, {}", targets[i].0))?,
            );
        }
        for step in 0..targets.len() {
            let i = (step + run) % targets.len();
            rate_runs[i].push(
                measured(&targets[i].1, gateway_pids[i], fixed)
                    .await
                    .with_context(|| format!("fixed rate, {}", targets[i].0))?,
            );
        }
        tools_sat.push(
            measured(
                &tools,
                Some(a.stateless_pid),
                LoadSpec {
                    requests: tools_sat_requests,
                    ..saturation
                },
            )
            .await
            .context("tools/list saturation")?,
        );
        tools_fixed.push(
            load::run(
                &tools,
                LoadSpec {
                    connections: 8,
                    requests: tools_requests,
                    rate: Some(tools_rate),
                    warmup_per_connection: 10,
                },
            )
            .await
            .context("tools/list fixed rate")?,
        );
    }

    // Scale 3: the refresh storm.
    let wait = Duration::from_secs(a.storm_ttl) + Duration::from_millis(1_000);
    let mut storms = Vec::new();
    for run in 0..runs {
        eprintln!(
            "[mcp-bench] refresh storm {}/{runs} (waits {:.0} s for the token to expire)",
            run + 1,
            wait.as_secs_f64()
        );
        storms.push(
            scale::storm(
                &a.storm_url,
                &a.storm_key,
                &a.storm_fake_url,
                a.storm_calls,
                wait,
            )
            .await?,
        );
    }

    // Part 2: against Auth0's official MCP server, over stdio.
    let stdio_iterations = a.stdio_iterations.unwrap_or(if a.quick { 25 } else { 100 });
    let comparison = match &a.tls_fake_url {
        None => None,
        Some(fake_url) => Some(
            official::compare(
                &official::Setup {
                    fake_url: fake_url.clone(),
                    cert_path: a.tls_cert.clone().unwrap_or_default(),
                    client_id: a.client_id.clone(),
                    client_secret: a.client_secret.clone(),
                    audience: a.audience.clone(),
                    gateway_bin: a.gateway_bin.clone().unwrap_or_default(),
                    gateway_config: a.gateway_stdio_config.clone().unwrap_or_default(),
                    gateway_tenant: "demo".into(),
                    official_script: a.official_script.clone().unwrap_or_default(),
                    official_library_path: a.official_library_path.clone(),
                },
                runs,
                stdio_iterations,
                a.stdio_outstanding,
                a.clk_tck,
            )
            .await?,
        ),
    };

    let end_stateless = scale::memory(a.stateless_pid)?;
    let end_session = scale::memory(a.session_pid)?;

    let sat: Vec<Medians> = sat_runs.into_iter().map(medians).collect();
    let fix: Vec<Medians> = rate_runs.into_iter().map(medians).collect();
    let tools_sat = medians(tools_sat);
    let tools_fixed = medians(tools_fixed);
    let names: Vec<&str> = targets.iter().map(|t| t.0).collect();
    let by_name = |m: &[Medians]| -> Value {
        names
            .iter()
            .zip(m)
            .map(|(n, v)| ((*n).to_owned(), json!(v)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let ratio = |i: usize| sat[i].throughput_rps / sat[0].throughput_rps;
    let added = |i: usize, f: fn(&Medians) -> f64| f(&fix[i]) - f(&fix[0]);
    let per_session = median(&idle.iter().map(|r| r.bytes_per_session).collect::<Vec<_>>());
    let storm_tokens: Vec<u64> = storms.iter().map(|s| s.token_requests).collect();
    let storm_p99 = median(&storms.iter().map(|s| s.latency.p99_us).collect::<Vec<_>>());
    let storm_max = median(&storms.iter().map(|s| s.latency.max_us).collect::<Vec<_>>());
    let storm_errors: u64 = storms.iter().map(|s| s.latency.errors).sum();

    let policy = policy::measure(runs);
    let audit_journal = journal::measure(runs).await;
    let masking = masking::measure(runs);
    let report = json!({
        "mode": if a.quick { "quick" } else { "full" },
        "date": a.date,
        "machine": machine(&a.rustc),
        "settings": {
            "runs": runs, "connections": a.connections, "saturation_requests": requests,
            "offered_rate_rps": a.rate, "fixed_rate_requests": rate_requests,
            "tools_list": {"offered_rate_rps": tools_rate, "fixed_rate_requests": tools_requests, "fixed_rate_connections": 8, "saturation_requests": tools_sat_requests},
            "idle_sessions": sessions, "storm_calls": a.storm_calls, "storm_token_ttl_s": a.storm_ttl,
            "protocol_version": target::PROTOCOL_VERSION, "user_id": target::USER_ID,
            "latency_unit": "microseconds", "memory_unit": "KiB",
        },
        "overhead": {
            "saturation": by_name(&sat),
            "fixed_rate": by_name(&fix),
            "ratios": {
                "throughput_stateless_over_direct": ratio(1),
                "throughput_session_over_direct": ratio(2),
                "added_p50_us_stateless": added(1, |m| m.p50_us),
                "added_p99_us_stateless": added(1, |m| m.p99_us),
                "added_p50_us_session": added(2, |m| m.p50_us),
                "added_p99_us_session": added(2, |m| m.p99_us),
            },
        },
        "scale": {
            "baseline_memory": {"stateless_gateway": baseline_stateless, "session_gateway": baseline_session},
            "idle_sessions": {
                "sessions": sessions,
                "median_bytes_per_session": per_session,
                "first_run_bytes_per_session": idle[0].bytes_per_session,
                "first_run_rss_open_kib": idle[0].open.rss_kib,
                "peak_hwm_kib_session_gateway": peak_after_sessions.hwm_kib,
                "each_run": idle,
            },
            "tools_list": {"tools": TOOL_COUNT, "fixed_rate": tools_fixed, "saturation": tools_sat},
            "refresh_storm": {
                "calls": a.storm_calls,
                "token_requests_each_run": storm_tokens,
                "median_p99_us": storm_p99,
                "median_max_us": storm_max,
                "errors_total": storm_errors,
                "each_run": storms,
            },
            "end_memory": {"stateless_gateway": end_stateless, "session_gateway": end_session},
        },
        "official_server": comparison.as_ref().map(|c| json!({
            "package": "@auth0/auth0-mcp-server@0.1.0-beta.19",
            "transport": "stdio, newline-delimited JSON-RPC; both servers reach the same fake tenant over https",
            "iterations_per_run": stdio_iterations,
            "calls_per_run": stdio_iterations * 4,
            "servers": c,
        })),
        "policy_evaluation": policy,
        "audit_journal": audit_journal,
        "masking": masking,
        "bench_seconds": started.elapsed().as_secs_f64(),
    });
    if let Some(dir) = a.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&a.out, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", a.out.display()))?;

    // The summary table.
    let mode = if a.quick { "quick" } else { "full" };
    println!();
    println!(
        "mcp-bench ({mode}: medians of {runs} runs; {} connections; latency in µs)",
        a.connections
    );
    println!();
    println!(
        "| target | saturation req/s | ×direct | p50 @{:.0}/s | p99 @{:.0}/s | max @{:.0}/s | added p99 | CPU µs/req gateway / fake / bench | errors |",
        a.rate, a.rate, a.rate
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for i in 0..names.len() {
        let cpu = sat[i].cpu_us_per_request.map_or("?".to_owned(), |c| {
            format!(
                "{} / {:.0} / {:.0}",
                c.gateway.map_or("—".to_owned(), |g| format!("{g:.0}")),
                c.fake,
                c.bench
            )
        });
        println!(
            "| {} | {:.0} | {:.2} | {:.0} | {:.0} | {:.0} | {} | {cpu} | {} |",
            names[i],
            sat[i].throughput_rps,
            ratio(i),
            fix[i].p50_us,
            fix[i].p99_us,
            fix[i].max_us,
            if i == 0 {
                "—".to_owned()
            } else {
                format!("{:+.0}", added(i, |m| m.p99_us))
            },
            sat[i].errors_total + fix[i].errors_total,
        );
    }
    println!();
    println!(
        "Policy per call (ns): none {:.0}; 20 rules, none matching {:.0}; 20 rules, last matching {:.0}; tools/list of 37 tools {:.0}",
        policy["no_policy"].as_f64().unwrap_or(0.0),
        policy["twenty_rules_none_matching"].as_f64().unwrap_or(0.0),
        policy["twenty_rules_last_matching_on_an_argument"]
            .as_f64()
            .unwrap_or(0.0),
        policy["tools_list_of_37_tools_with_twenty_rules"]
            .as_f64()
            .unwrap_or(0.0),
    );
    println!(
        "Audit intent kept on disk, wait per call (µs): one caller {:.0}; 32 callers {:.0}",
        audit_journal["one_caller_us_per_call"]
            .as_f64()
            .unwrap_or(0.0),
        audit_journal["thirty_two_callers_us_per_call"]
            .as_f64()
            .unwrap_or(0.0),
    );
    println!(
        "Masking a {}-byte page of 100 users (µs per call / per KB): no rules {:.3}; all detectors, redact {:.0} / {:.1}; pseudonym {:.0} / {:.1}",
        masking["page"]["bytes"],
        masking["no_rules_ns_per_call"].as_f64().unwrap_or(0.0) / 1000.0,
        masking["all_detectors_redact"]["us_per_call"]
            .as_f64()
            .unwrap_or(0.0),
        masking["all_detectors_redact"]["us_per_kb"]
            .as_f64()
            .unwrap_or(0.0),
        masking["all_detectors_pseudonym"]["us_per_call"]
            .as_f64()
            .unwrap_or(0.0),
        masking["all_detectors_pseudonym"]["us_per_kb"]
            .as_f64()
            .unwrap_or(0.0),
    );
    println!();
    println!("| scale | figure |");
    println!("|---|---|");
    println!(
        "| gateway RSS at start (stateless / session) | {} / {} KiB |",
        baseline_stateless.rss_kib, baseline_session.rss_kib
    );
    for (n, run) in idle.iter().enumerate() {
        println!(
            "| {sessions} idle sessions, run {} | RSS {} → {} KiB ({:.0} bytes/session), after DELETE {} KiB |",
            n + 1,
            run.before.rss_kib,
            run.open.rss_kib,
            run.bytes_per_session,
            run.after_close.rss_kib
        );
    }
    println!(
        "| session gateway peak (VmHWM) | {} KiB |",
        end_session.hwm_kib
    );
    println!(
        "| stateless gateway peak (VmHWM) | {} KiB |",
        end_stateless.hwm_kib
    );
    println!(
        "| tools/list ({TOOL_COUNT} tools) @{tools_rate:.0}/s p50 / p99 | {:.0} / {:.0} µs |",
        tools_fixed.p50_us, tools_fixed.p99_us
    );
    println!(
        "| tools/list saturation | {:.0} req/s |",
        tools_sat.throughput_rps
    );
    println!(
        "| refresh storm: {} calls on an expired token | token requests per run {:?}; p99 {:.0} µs, max {:.0} µs; {} errors |",
        a.storm_calls, storm_tokens, storm_p99, storm_max, storm_errors
    );
    if let Some(c) = &comparison {
        print_comparison(c, stdio_iterations * 4);
    }
    println!();
    println!(
        "written to {} ({:.0} s)",
        a.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn print_comparison(servers: &[official::Comparison], calls: usize) {
    println!();
    println!(
        "Against Auth0's official MCP server, over stdio ({calls} calls per run: list/get applications, list/get log events)"
    );
    println!();
    println!(
        "| server | first tools/list after start | tools | sequential p50 / p99 µs | calls/s, {} in flight | server CPU µs/call | peak RSS |",
        servers.first().map_or(0, |s| s.outstanding)
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for s in servers {
        println!(
            "| {} | {:.0} ms | {} | {:.0} / {:.0} | {:.0} | {:.0} | {:.1} MiB |",
            s.server,
            s.start_to_tools_list_ms,
            s.tools_listed,
            s.sequential.p50_us,
            s.sequential.p99_us,
            s.pipelined.throughput_rps,
            s.cpu_us_per_call,
            s.peak_rss_kib / 1024.0
        );
    }
    if let [gateway, official] = servers {
        println!(
            "| gateway / official | {:.2}× | | {:.2}× / {:.2}× | **{:.1}×** | **{:.2}×** | **{:.2}×** |",
            gateway.start_to_tools_list_ms / official.start_to_tools_list_ms,
            gateway.sequential.p50_us / official.sequential.p50_us,
            gateway.sequential.p99_us / official.sequential.p99_us,
            gateway.pipelined.throughput_rps / official.pipelined.throughput_rps,
            gateway.cpu_us_per_call / official.cpu_us_per_call,
            gateway.peak_rss_kib / official.peak_rss_kib
        );
    }
}

fn machine(rustc: &str) -> Value {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown", |(_, v)| v.trim());
    let meminfo = read("/proc/meminfo");
    let mem_kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let os = read("/etc/os-release");
    let os = os
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map_or("unknown", |v| v.trim_matches('"'));
    json!({
        "cpu_model": cpu,
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "memory_kib": mem_kib,
        "kernel": read("/proc/sys/kernel/osrelease").trim(),
        "os": os,
        "rustc": rustc,
    })
}
