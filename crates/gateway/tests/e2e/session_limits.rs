//! MCP sessions are bounded: per credential (429) and in total (503), `/mcp` sessions and legacy
//! `/sse` streams counted together; a session's place comes back when it ends — deleted, idle
//! past its deadline, or its stream closed — and `mcp_sessions_active` reports exactly the open
//! ones. The gauge is per process, so the tests here run one at a time.

use std::time::Duration;

use mcp_gateway::http::SessionLimits;
use serde_json::{Value, json};

use crate::harness::world;

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A raw `initialize` on `/mcp`: the status, the session id, and the JSON-RPC error's message.
async fn initialize(base: &str, key: &str) -> (u16, Option<String>, String) {
    let answer = crate::harness::mcp::initialize(base, key).await;
    let status = answer.status().as_u16();
    let session = answer
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = answer.text().await.unwrap();
    let message = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (status, session, message)
}

async fn delete(base: &str, key: &str, session: &str) -> u16 {
    reqwest::Client::new()
        .delete(format!("{base}/mcp"))
        .bearer_auth(key)
        .header("mcp-session-id", session)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn open_sse(base: &str, key: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}/sse"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

/// `mcp_sessions_active` as `/metrics` shows it.
async fn gauge(base: &str) -> f64 {
    let body = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    body.lines()
        .find_map(|l| l.strip_prefix("mcp_sessions_active "))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

/// Polls until `/metrics` reports `want` open sessions (or fails after 20 s).
async fn gauge_reaches(base: &str, want: f64) {
    for _ in 0..200 {
        if gauge(base).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "mcp_sessions_active stayed at {} instead of {want}",
        gauge(base).await
    );
}

#[tokio::test]
async fn any_key_holder_cannot_exhaust_memory_sessions_are_capped() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let (_world, gateway) = world()
        .sessions(SessionLimits {
            total: 3,
            per_credential: 2,
            ..SessionLimits::default()
        })
        .in_process()
        .await;
    // A key with only `openid`, as in the finding.
    let a = gateway.key("openid").await;
    let b = gateway.key("openid").await;
    let (a, b) = (a.expose_secret(), b.expose_secret());

    let (status, first, _) = initialize(&gateway.base, a).await;
    assert_eq!(status, 200);
    let sse = open_sse(&gateway.base, a).await;
    assert_eq!(sse.status(), 200, "an /sse stream counts as a session");
    let (status, _, message) = initialize(&gateway.base, a).await;
    assert_eq!(status, 429, "{message}");
    assert!(message.contains("2 open MCP sessions"), "{message}");
    assert_eq!(open_sse(&gateway.base, a).await.status(), 429);
    crate::harness::audited(&gateway.store, "refused_session_limit").await;

    let (status, _, _) = initialize(&gateway.base, b).await;
    assert_eq!(status, 200);
    let (status, _, message) = initialize(&gateway.base, b).await;
    assert_eq!(status, 503, "the gateway is full: {message}");
    assert!(message.contains("limit of 3"), "{message}");

    // Ending a session gives its place back: deleted, or its stream closed.
    assert!((200..300).contains(&delete(&gateway.base, a, first.as_deref().unwrap()).await));
    let (status, _, _) = initialize(&gateway.base, a).await;
    assert_eq!(status, 200, "the deleted session's place came back");
    drop(sse);
    for _ in 0..100 {
        if gateway.sessions.open() < 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, _, _) = initialize(&gateway.base, a).await;
    assert_eq!(status, 200, "the closed stream's place came back");
    gateway.stop().await;
}

#[tokio::test]
async fn the_active_sessions_gauge_counts_only_open_sessions() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let (_world, gateway) = world()
        .sessions(SessionLimits {
            idle: Duration::from_secs(1),
            ..SessionLimits::default()
        })
        .in_process()
        .await;
    let key = gateway.key("openid,read:users").await;
    let key = key.expose_secret();

    let (_, deleted, _) = initialize(&gateway.base, key).await;
    gauge_reaches(&gateway.base, 1.0).await;
    delete(&gateway.base, key, deleted.as_deref().unwrap()).await;
    gauge_reaches(&gateway.base, 0.0).await;

    // rmcp ends a session idle past its deadline on its own; it stops being counted then.
    let (status, idle, _) = initialize(&gateway.base, key).await;
    assert_eq!(status, 200);
    gauge_reaches(&gateway.base, 1.0).await;
    gauge_reaches(&gateway.base, 0.0).await;
    assert_eq!(gateway.sessions.len(), 0);
    let (_, _, message) = {
        // Its id is now unknown: initialize again.
        let answer = reqwest::Client::new()
            .post(format!("{}/mcp", gateway.base))
            .bearer_auth(key)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-session-id", idle.unwrap())
            .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 404);
        (0, None::<String>, answer.text().await.unwrap())
    };
    assert!(message.contains("initialize"), "{message}");

    let sse = open_sse(&gateway.base, key).await;
    assert_eq!(sse.status(), 200);
    gauge_reaches(&gateway.base, 1.0).await;
    drop(sse);
    gauge_reaches(&gateway.base, 0.0).await;
    gateway.stop().await;
}

/// Clients expect 200 or 204 for a session's DELETE (the official Python SDK logs "Session
/// termination failed: 202" after every session otherwise); the session is then gone.
#[tokio::test]
async fn ending_a_session_answers_204_and_the_session_is_gone() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let (_world, gateway) = world().in_process().await;
    let key = gateway.key("openid").await;
    let key = key.expose_secret();
    let (status, session, _) = initialize(&gateway.base, key).await;
    assert_eq!(status, 200);
    let session = session.unwrap();
    assert_eq!(delete(&gateway.base, key, &session).await, 204);
    assert_eq!(delete(&gateway.base, key, &session).await, 404);
}
