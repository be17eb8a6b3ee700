//! `mcp-gateway demo` over HTTP: prints the endpoint and a working key; refuses
//! `--insecure-no-auth` off loopback.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn the_demo_prints_an_endpoint_and_a_key_that_work() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut endpoint, mut key, mut tenant) = (None, None, None);
    while endpoint.is_none() || key.is_none() || tenant.is_none() {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Some(v) = line.strip_prefix("MCP endpoint: ") {
            endpoint = Some(v.to_owned());
        } else if let Some(v) = line.strip_prefix("Access key: ") {
            key = Some(v.to_owned());
        } else if let Some(v) = line.strip_prefix("Demo tenant: ") {
            tenant = Some(v.to_owned());
        }
    }
    let (endpoint, key) = (endpoint.unwrap(), key.unwrap());
    assert!(tenant.unwrap().starts_with("http://127.0.0.1:"));

    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let initialize = serde_json::json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}});
    let post = |authorization: Option<String>| {
        let mut request = http
            .post(&endpoint)
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send()
    };
    assert_eq!(post(None).await.unwrap().status(), 401);
    assert!(
        post(Some(format!("Bearer {key}")))
            .await
            .unwrap()
            .status()
            .is_success()
    );
    child.kill().await.unwrap();
}

#[tokio::test]
async fn insecure_no_auth_is_refused_off_loopback() {
    let output = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
        .args(["demo", "--listen", "0.0.0.0:0", "--insecure-no-auth"])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("refused unless --listen is a loopback address")
    );
}
