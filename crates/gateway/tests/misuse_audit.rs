//! Misuse is refused and the refusal lands in the audit log, where an operator looks: unknown and
//! revoked keys, a session id presented by another credential, a forged `Host`, a foreign
//! `Origin`. (Forged or replayed sign-in states and codes: `connect_flow.rs`, `oauth_server.rs`.)

mod common;

use std::time::Duration;

use mcp_gateway::store::Store;
use serde_json::json;

async fn post(
    base: &str,
    key: &str,
    headers: &[(&str, &str)],
    body: serde_json::Value,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn initialize() -> serde_json::Value {
    json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}})
}

/// The audit rows with these outcomes, waiting for the writer (it batches for 100 ms).
async fn audited(store: &Store, outcomes: &[&str]) -> Vec<gw_mcp::AuditRecord> {
    for _ in 0..50 {
        let rows: Vec<_> = store
            .audit_since(0, None, 1_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| outcomes.contains(&r.outcome.as_str()))
            .collect();
        if outcomes
            .iter()
            .all(|o| rows.iter().any(|r| r.outcome == *o))
        {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not audited: {outcomes:?}");
}

#[tokio::test]
async fn refused_credentials_sessions_hosts_and_origins_are_audited() {
    let gateway = common::http::start_http(false).await;
    let key = gateway.key("openid,read:users").await;
    let other = gateway.key("openid,read:users").await;

    // A key nobody issued, and a revoked one.
    let unknown = post(
        &gateway.base,
        "mcpgw_madeupmadeupmadeupmadeup",
        &[],
        initialize(),
    )
    .await;
    assert_eq!(unknown.status(), 401);
    let revoked = gateway.key("openid").await;
    let id = gateway
        .store
        .list_keys(None)
        .await
        .unwrap()
        .into_iter()
        .find(|k| revoked.expose_secret().starts_with(&k.prefix))
        .unwrap()
        .id;
    gateway.store.revoke_key(&id).await.unwrap();
    assert_eq!(
        post(&gateway.base, revoked.expose_secret(), &[], initialize())
            .await
            .status(),
        401
    );

    // A session opened by one key, presented by another.
    let opened = post(&gateway.base, key.expose_secret(), &[], initialize()).await;
    let session = opened.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let stolen = post(
        &gateway.base,
        other.expose_secret(),
        &[("mcp-session-id", &session)],
        json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}),
    )
    .await;
    assert_eq!(stolen.status(), 403);

    // DNS rebinding: a foreign Host, and a page from a foreign origin.
    let host = post(
        &gateway.base,
        key.expose_secret(),
        &[("host", "evil.example")],
        initialize(),
    )
    .await;
    assert_eq!(host.status(), 403);
    let origin = post(
        &gateway.base,
        key.expose_secret(),
        &[("origin", "https://evil.example")],
        initialize(),
    )
    .await;
    assert_eq!(origin.status(), 403);

    let rows = audited(
        &gateway.store,
        &[
            "refused_credential",
            "refused_session",
            "refused_host",
            "refused_origin",
        ],
    )
    .await;
    let credential: Vec<_> = rows
        .iter()
        .filter(|r| r.outcome == "refused_credential")
        .collect();
    assert_eq!(credential.len(), 2, "{rows:?}");
    assert!(
        credential
            .iter()
            .any(|r| r.principal == "credential mcpgw_made…"),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .all(|r| !r.principal.contains(revoked.expose_secret())),
        "a whole key reached the audit log"
    );
    let session_row = rows
        .iter()
        .find(|r| r.outcome == "refused_session")
        .unwrap();
    assert_eq!(session_row.tenant, "acme");
    assert!(
        session_row.principal.contains("access key"),
        "{session_row:?}"
    );
    let host_row = rows.iter().find(|r| r.outcome == "refused_host").unwrap();
    assert_eq!(
        (host_row.principal.as_str(), host_row.tool.as_str()),
        ("Host evil.example", "/mcp")
    );
    let origin_row = rows.iter().find(|r| r.outcome == "refused_origin").unwrap();
    assert_eq!(origin_row.principal, "Origin https://evil.example");
    gateway.stop().await;
}
