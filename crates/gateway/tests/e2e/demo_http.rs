//! `mcp-gateway demo` over HTTP: prints the endpoint and a working key; a user connects at
//! `/connect/demo` and their key sees exactly the granted tools; refuses `--insecure-no-auth`
//! off loopback.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::harness::browser::connect;
use crate::harness::mcp::{client, tool_names, tools_for};
use crate::harness::process::BIN;

#[tokio::test]
async fn the_demo_prints_an_endpoint_and_a_key_that_work() {
    let (mut child, lines, _stdout) = demo(&[], "Press Ctrl-C").await;
    let endpoint = value(&lines, "MCP endpoint: ");
    let key = value(&lines, "Access key: ");
    assert!(value(&lines, "Demo tenant: ").starts_with("http://127.0.0.1:"));

    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let initialize = crate::harness::mcp::initialize_request();
    let post = |authorization: Option<String>| {
        let mut request = http
            .post(endpoint)
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

type Lines = tokio::io::Lines<BufReader<tokio::process::ChildStdout>>;

/// Starts the demo with `args` and returns it with what it printed up to a line starting with
/// `until`, and its stdout (kept open: the demo must not write into a closed pipe).
async fn demo(args: &[&str], until: &str) -> (tokio::process::Child, Vec<String>, Lines) {
    let mut child = Command::new(BIN)
        .args(["demo", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let done = line.starts_with(until);
        seen.push(line);
        if done {
            return (child, seen, lines);
        }
    }
}

fn value<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line in {lines:#?}"))
}

#[tokio::test]
async fn a_new_user_connects_to_the_demo_and_their_key_sees_what_real_auth0_would_allow() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // With users' own tokens the demo tenant, like Auth0, grants only current-user scopes of the
    // Management API: read:users is dropped, so the user's key offers no user tool.
    for (grant, scopes, granted) in [
        (
            "client_credentials",
            "read:users,read:roles",
            "read:users,read:roles",
        ),
        (
            "authorization_code",
            "read:users,offline_access",
            "offline_access",
        ),
    ] {
        let (mut child, lines, _stdout) =
            demo(&["--grant", grant, "--scopes", scopes], "Press Ctrl-C").await;
        let connected = connect(value(&lines, "Connect a user: ")).await;
        let key = connected["key"].as_str().unwrap();
        let endpoint = value(&lines, "MCP endpoint: ");
        let client = client(endpoint.trim_end_matches("/mcp"), key).await;
        let tools = tool_names(&client).await;
        let mut granted = gw_oauth::ScopeSet::parse_list(granted).unwrap();
        granted.insert(gw_oauth::Scope::Openid);
        assert_eq!(tools, tools_for(granted), "{grant}");
        client.cancel().await.unwrap();
        child.kill().await.unwrap();
    }
}

#[tokio::test]
async fn insecure_no_auth_is_refused_off_loopback() {
    let output = Command::new(BIN)
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

#[tokio::test]
async fn a_demo_with_a_data_dir_keeps_its_key_file_private_and_its_connections_across_restarts() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let (mut child, lines, _stdout) = demo(&["--data-dir", data_dir], "Press Ctrl-C").await;
    let connected = connect(value(&lines, "Connect a user: ")).await;
    let key = connected["key"].as_str().unwrap().to_owned();
    child.kill().await.unwrap();

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("store.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the key file must be readable by its owner only"
        );
    }

    // The demo tenant is new on every run (fresh tokens, fresh secret), but the gateway's store
    // and its key survive: the user's key still resolves to their connection.
    let (mut child, lines, _stdout) = demo(&["--data-dir", data_dir], "Press Ctrl-C").await;
    let endpoint = value(&lines, "MCP endpoint: ");
    let client = client(endpoint.trim_end_matches("/mcp"), &key).await;
    assert_eq!(
        tool_names(&client).await,
        tools_for(gw_oauth::ScopeSet::all())
    );
    client.cancel().await.unwrap();
    child.kill().await.unwrap();
}
