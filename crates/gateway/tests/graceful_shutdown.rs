//! `serve` on SIGTERM: stops accepting, finishes the tool call in flight, exits cleanly.

mod common;

use std::process::Stdio;
use std::time::Duration;

use fake_auth0::{FakeAuth0, FakeConfig, Fault, FaultKind, RegisteredClient};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn sigterm_lets_the_call_in_flight_finish() {
    let fake = FakeAuth0::new(FakeConfig {
        clients: vec![RegisteredClient {
            client_id: "serve-test".into(),
            client_secret: "serve-secret".into(),
            name: "serve".into(),
            callbacks: vec![],
            management_scopes: fake_auth0::all_management_scopes(),
        }],
        ..FakeConfig::default()
    })
    .serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[server]
listen = "127.0.0.1:0"
[store]
url = "sqlite://{db}"
[[tenants]]
name = "t"
domain = "{domain}"
base_url = "{base}"
client_id = "serve-test"
client_secret_env = "SERVE_SECRET"
scopes = ["openid", "read:users"]
"#,
            db = dir.path().join("gateway.db").display(),
            domain = fake.fake.domain(),
            base = fake.base_url
        ),
    )
    .unwrap();
    let key_output = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
        .args([
            "keys",
            "create",
            "--tenant",
            "t",
            "--scopes",
            "openid,read:users",
            "--config",
        ])
        .arg(&config)
        .env("SERVE_SECRET", "serve-secret")
        .output()
        .await
        .unwrap();
    let key = String::from_utf8_lossy(&key_output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Access key: ").map(str::to_owned))
        .unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
        .args(["serve", "--config"])
        .arg(&config)
        .env("SERVE_SECRET", "serve-secret")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let endpoint = loop {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Some(url) = line.strip_prefix("Listening on ") {
            break url.to_owned();
        }
    };

    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let post = |body: Value, session: Option<String>| {
        let mut request = http
            .post(&endpoint)
            .header("accept", "application/json, text/event-stream")
            .bearer_auth(&key)
            .json(&body);
        if let Some(session) = session {
            request = request
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", "2025-06-18");
        }
        request.send()
    };
    let opened = post(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}), None).await.unwrap();
    let session = opened.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    opened.text().await.unwrap();
    post(
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        Some(session.clone()),
    )
    .await
    .unwrap();

    fake.fake.add_fault(Fault {
        method: Some("GET".into()),
        path_prefix: "/api/v2/users".into(),
        kind: FaultKind::Latency(Duration::from_millis(1500)),
        times: Some(1),
    });
    let call = post(
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"auth0_get_user","arguments":{"user_id":"auth0|admin"}}}),
        Some(session),
    );
    let in_flight = tokio::spawn(async move { call.await.unwrap().text().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );

    let body = in_flight.await.unwrap();
    assert!(
        body.contains("admin@example.com"),
        "the call in flight did not finish: {body}"
    );
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the gateway exits after draining")
        .unwrap();
    assert!(status.success());
    fake.shutdown().await;
}
