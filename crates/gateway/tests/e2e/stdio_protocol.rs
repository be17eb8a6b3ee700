//! The stdio transport as a raw client sees it: protocol on stdout only, immediate answers to
//! unknown methods (also before initialize) and to malformed lines.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::harness::process::BIN;

async fn start_demo(
    extra: &[&str],
) -> (
    tokio::process::Child,
    tokio::process::ChildStdin,
    tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
) {
    let mut child = Command::new(BIN)
        .args(["demo", "--stdio"])
        .args(extra)
        .env("RUST_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, stdin, stdout)
}

async fn send(stdin: &mut tokio::process::ChildStdin, line: &str) {
    stdin
        .write_all(format!("{line}\n").as_bytes())
        .await
        .unwrap();
    stdin.flush().await.unwrap();
}

async fn reply(stdout: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> Value {
    let line = tokio::time::timeout(Duration::from_secs(10), stdout.next_line())
        .await
        .expect("an answer within 10 s")
        .unwrap()
        .unwrap();
    serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("stdout carried a non-JSON line ({e}): {line}"))
}

#[tokio::test]
async fn unknown_methods_and_garbage_are_answered_at_once_before_and_after_initialize() {
    let (mut child, mut stdin, mut stdout) = start_demo(&[]).await;

    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":1,"method":"server/frobnicate"}"#,
    )
    .await;
    let answer = reply(&mut stdout).await;
    assert_eq!(answer["id"], 1);
    assert_eq!(answer["error"]["code"], -32601);

    send(&mut stdin, "this is not json").await;
    let answer = reply(&mut stdout).await;
    assert_eq!(answer["error"]["code"], -32700);

    let initialize = json!({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}});
    send(&mut stdin, &initialize.to_string()).await;
    let answer = reply(&mut stdout).await;
    assert_eq!(answer["id"], 2);
    assert_eq!(answer["result"]["serverInfo"]["name"], "mcp-gateway-auth0");
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    )
    .await;

    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":3,"method":"server/frobnicate"}"#,
    )
    .await;
    let answer = reply(&mut stdout).await;
    assert_eq!(answer["id"], 3);
    assert_eq!(answer["error"]["code"], -32601);

    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#,
    )
    .await;
    let answer = reply(&mut stdout).await;
    assert_eq!(answer["result"]["tools"].as_array().unwrap().len(), 37);

    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        status.success(),
        "the gateway exits cleanly when the client closes stdin"
    );
}

#[tokio::test]
async fn demo_scopes_narrow_the_tool_list() {
    let (_child, mut stdin, mut stdout) = start_demo(&["--scopes", "read:logs"]).await;
    let initialize = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}});
    send(&mut stdin, &initialize.to_string()).await;
    reply(&mut stdout).await;
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    )
    .await;
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    )
    .await;
    let answer = reply(&mut stdout).await;
    let names: Vec<_> = answer["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "auth0_whoami",
            "auth0_list_user_logs",
            "auth0_list_logs",
            "auth0_get_log"
        ]
    );
}
