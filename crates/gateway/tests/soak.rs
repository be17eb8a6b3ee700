//! Load and soak: 200 MCP sessions on the real `serve` binary call a mix of tools for a bounded
//! time while the fake tenant injects random faults into 5 % of Management API requests. Every
//! answer is checked: right, or a tool error that names an Auth0 failure — never a wrong answer,
//! a protocol error or a crash; the gateway's memory after warm-up is reported and must stay
//! flat. `SOAK_SECONDS` (default 15, so a local `cargo test` stays quick; `.ci/run` asks for 120)
//! and `SOAK_SESSIONS` (default 200) make the run longer or wider.

#[path = "e2e/harness/mod.rs"]
#[allow(dead_code, unused_imports)]
mod harness;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fake_auth0::{Chaos, FaultKind};
use mcp_gateway::http::SessionLimits;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `VmRSS` of a process, KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// The tools the sessions call, and how a right answer looks.
fn call(i: usize) -> (&'static str, Value, fn(&Value) -> bool) {
    match i % 5 {
        0 => ("auth0_get_user", json!({"user_id": "auth0|admin"}), |v| {
            v["user_id"] == "auth0|admin" && v["email"] == "admin@example.com"
        }),
        1 => ("auth0_list_roles", json!({}), |v| v["total"] == 4),
        2 => ("auth0_list_users", json!({"per_page": 5}), |v| {
            v["items"].as_array().is_some_and(|u| u.len() == 5) && v["total"] == 40
        }),
        3 => ("auth0_list_logs", json!({"per_page": 3}), |v| {
            v["items"].as_array().is_some_and(|l| l.len() == 3)
        }),
        _ => ("auth0_whoami", json!({}), |v| v["tenant"] == "acme"),
    }
}

/// A tool error that reports an Auth0 failure (what injected faults cause once retries are spent).
fn names_an_auth0_failure(text: &str) -> bool {
    text.starts_with("Auth0 answered 5")
        || text.starts_with("The call to Auth0 failed")
        || text.starts_with("Auth0's rate limit")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_sessions_under_five_percent_faults_get_only_right_answers_or_clear_errors() {
    let seconds = setting("SOAK_SECONDS", 15);
    let sessions = setting("SOAK_SESSIONS", 200) as usize;
    // One key holds every session here, more than the default per-credential limit allows.
    let world = harness::world()
        .sessions(SessionLimits {
            total: sessions.max(1000),
            per_credential: sessions.max(1000),
            ..SessionLimits::default()
        })
        .build()
        .await;
    let key = world.create_key().await;
    let mut gateway = world.serve().await;
    let endpoint = gateway.url("/mcp");
    let pid = gateway.child.id().unwrap();
    world.fake.fake.set_chaos(Some(Chaos {
        rate: 0.05,
        kinds: vec![
            FaultKind::Status(500),
            FaultKind::Status(503),
            FaultKind::DropConnection,
            FaultKind::MalformedBody,
            FaultKind::Latency(Duration::from_millis(50)),
        ],
    }));

    let http = reqwest::Client::new();
    let mut clients = Vec::new();
    for _ in 0..sessions {
        let transport = StreamableHttpClientTransport::with_client(
            http.clone(),
            StreamableHttpClientTransportConfig::with_uri(endpoint.clone())
                .auth_header(key.clone()),
        );
        clients.push(().serve(transport).await.expect("MCP handshake"));
    }

    let tally: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let warm = Arc::new(Mutex::new(None::<u64>));
    let mut workers = Vec::new();
    for (n, client) in clients.into_iter().enumerate() {
        let tally = tally.clone();
        let warm = warm.clone();
        workers.push(tokio::spawn(async move {
            let mut i = n;
            while Instant::now() < deadline {
                if n == 0
                    && warm.lock().unwrap().is_none()
                    && started.elapsed() > Duration::from_secs(seconds / 3)
                {
                    *warm.lock().unwrap() = Some(rss_kib(pid));
                }
                let (tool, arguments, right) = call(i);
                i += 1;
                let outcome = match client
                    .call_tool(
                        CallToolRequestParams::new(tool)
                            .with_arguments(arguments.as_object().unwrap().clone()),
                    )
                    .await
                {
                    Err(error) => format!("PROTOCOL ERROR {tool}: {error}"),
                    Ok(result) if result.is_error == Some(true) => {
                        let text = result.content[0]
                            .as_text()
                            .map(|t| t.text.clone())
                            .unwrap_or_default();
                        if names_an_auth0_failure(&text) {
                            "auth0 failure reported".to_owned()
                        } else {
                            format!("UNEXPECTED TOOL ERROR {tool}: {text}")
                        }
                    }
                    Ok(result) => match result.structured_content {
                        Some(value) if right(&value) => "right".to_owned(),
                        other => format!(
                            "WRONG ANSWER {tool}: {}",
                            other.map_or_else(String::new, |v| format!(
                                "items {:?}, total {:?}",
                                v["items"].as_array().map(Vec::len),
                                v.get("total")
                            ))
                        ),
                    },
                };
                *tally.lock().unwrap().entry(outcome).or_default() += 1;
            }
            client.cancel().await.ok();
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let end_rss = rss_kib(pid);
    let warm_rss = warm.lock().unwrap().expect("sampled after warm-up");
    let injected = world.fake.fake.chaos_injected();
    let tally = tally.lock().unwrap().clone();
    let calls: u64 = tally.values().sum();
    eprintln!(
        "soak: {sessions} sessions, {seconds} s, {calls} calls ({:.0}/s), {injected} faults injected; outcomes {tally:?}; gateway RSS {warm_rss} KiB after warm-up → {end_rss} KiB at the end ({:+.1} %)",
        calls as f64 / seconds as f64,
        (end_rss as f64 - warm_rss as f64) / warm_rss as f64 * 100.0
    );

    assert!(
        gateway.child.try_wait().unwrap().is_none(),
        "the gateway crashed"
    );
    let unexplained: Vec<_> = tally
        .iter()
        .filter(|(outcome, _)| *outcome != "right" && *outcome != "auth0 failure reported")
        .collect();
    assert!(
        unexplained.is_empty(),
        "unexplained outcomes: {unexplained:?}"
    );
    assert!(
        tally.get("right").copied().unwrap_or(0) > calls * 9 / 10,
        "{tally:?}"
    );
    assert!(
        injected > 0,
        "no fault was injected: the soak proved nothing"
    );
    let reported = tally.get("auth0 failure reported").copied().unwrap_or(0);
    assert!(
        reported <= injected,
        "{reported} failures reported but only {injected} faults injected"
    );
    assert!(
        end_rss <= warm_rss + warm_rss / 4 + 8 * 1024,
        "memory grew from {warm_rss} to {end_rss} KiB after warm-up"
    );

    let status = gateway.stop().await;
    assert!(status.success(), "{status}");
}
