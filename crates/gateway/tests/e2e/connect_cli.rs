//! The connect flow from the command line and across processes: `connect` with its temporary
//! callback listener, `stdio --connection`, `connections list|revoke`, `gen-key`, and a gateway
//! killed (SIGKILL) in the middle of a refresh, a sign-in's callback and a write: after restart
//! the store passes SQLite's integrity check and nothing it held is lost or half-written.

use std::process::Stdio;
use std::time::Duration;

use gw_oauth::GrantMode::AuthorizationCode;
use gw_oauth::TokenCipher;
use rmcp::model::CallToolRequestParams;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

use crate::harness::browser::connect;
use crate::harness::mcp::{tool_names, tools_for};
use crate::harness::process::BIN;
use crate::harness::{
    Builder, CLIENT_ID, CLIENT_SECRET, STORE_KEY_ENV, World, browser, get_json, world,
};

/// A users'-token tenant, as an operator sets one up to connect users from the terminal.
fn users_tokens() -> Builder {
    world()
        .grant(AuthorizationCode)
        .scopes("openid,email,offline_access,read:users,read:roles,create:roles")
}

#[tokio::test]
async fn connect_from_the_terminal_then_serve_that_user_over_stdio_then_revoke() {
    let world = users_tokens().build().await;
    let mut connect = world
        .command(&["connect", "--tenant", "acme"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(connect.stdout.take().unwrap()).lines();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("connect printed no URL")
            .unwrap()
            .expect("connect ended before printing a URL");
        if let Some(url) = line.trim().strip_prefix("http") {
            break format!("http{url}");
        }
    };
    assert!(url.contains("/authorize?"), "{url}");
    // The browser signs in at the fake tenant and is sent back to the command's listener.
    let page = browser().get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200, "{}", page.text().await.unwrap());
    let mut rest = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        rest.push_str(&line);
        rest.push('\n');
    }
    assert!(connect.wait().await.unwrap().success(), "{rest}");
    let connection = rest
        .split_whitespace()
        .find(|w| w.starts_with("con_"))
        .unwrap_or_else(|| panic!("no connection id in {rest}"))
        .trim_end_matches(['.', ')'])
        .to_owned();
    assert!(rest.contains("--connection"), "{rest}");

    // stdio as that user.
    let client = world.stdio_as(&connection).await.client;
    let expected = gw_oauth::ScopeSet::parse_list(
        "openid,email,offline_access,read:users,read:roles,create:roles",
    )
    .unwrap();
    assert_eq!(tool_names(&client).await, tools_for(expected));
    let roles = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(roles.is_error, Some(true));
    client.cancel().await.unwrap();

    let (status, listed, _) = world.run(&["connections", "list"]).await;
    assert!(status.success());
    assert!(
        listed.contains(&connection) && listed.contains("active"),
        "{listed}"
    );

    // Revoking also revokes the refresh token at Auth0: read it (the test knows the key) first.
    let pool = world.sqlite().await;
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT refresh_token FROM connections")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    let refresh = TokenCipher::from_base64(&world.key)
        .unwrap()
        .open_string(&sealed, &format!("connections:{connection}:refresh_token"))
        .unwrap();
    let (status, out, err) = world.run(&["connections", "revoke", &connection]).await;
    assert!(status.success(), "{out}{err}");
    assert!(out.contains("Revoked its refresh token at Auth0"), "{out}");
    let refused = reqwest::Client::new()
        .post(world.fake.url("/oauth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", refresh.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        refused.status().is_client_error(),
        "the refresh token still works at Auth0"
    );
    assert!(
        !world
            .store_bytes()
            .windows(refresh.len())
            .any(|w| w == refresh.as_bytes())
    );

    let (status, _, err) = world.run(&["stdio", "--connection", &connection]).await;
    assert!(!status.success());
    assert!(err.contains("revoked"), "{err}");
}

#[tokio::test]
async fn a_gateway_killed_during_a_refresh_restarts_into_a_usable_or_clearly_broken_connection() {
    let world = users_tokens().build().await;
    let mut gateway = world.serve().await;
    let connected = world
        .connect_with_expired_token(&format!("{}/connect/acme", world.base()))
        .await;
    let key = connected["key"].as_str().unwrap().to_owned();

    // The refresh will hang at Auth0 long enough to kill the gateway while it waits.
    hang_next(&world, "POST", "/oauth/token");
    let in_flight = tokio::spawn(call(
        world.base(),
        key.clone(),
        "auth0_list_roles",
        serde_json::json!({}),
    ));
    kill_during(&mut gateway.child, in_flight).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let gateway = world.serve().await;
    let result = call_over_http(&world, &key, "auth0_list_roles", serde_json::json!({})).await;
    if result.is_error == Some(true) {
        let message: String = result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect();
        assert!(
            message.contains("must be renewed") && message.contains("/connect/acme"),
            "neither usable nor clearly in need of reconnecting: {message}"
        );
        let (_, listed, _) = world.run(&["connections", "list"]).await;
        assert!(listed.contains("needs reconnect"), "{listed}");
        eprintln!("after the kill: the connection needs reconnecting, and says so");
    } else {
        eprintln!("after the kill: the connection is still usable");
    }
    drop(gateway);
}

#[tokio::test]
async fn gen_key_prints_a_usable_key_and_check_names_a_missing_one() {
    let world = users_tokens().build().await;
    let (status, out, _) = world.run(&["check"]).await;
    assert!(status.success(), "{out}");
    let generated = std::process::Command::new(BIN)
        .arg("gen-key")
        .output()
        .unwrap();
    let key = String::from_utf8(generated.stdout).unwrap();
    assert!(TokenCipher::from_base64(&key).is_ok());

    let output = world
        .command(&["check"])
        .env_remove(STORE_KEY_ENV)
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("store.encryption_key_env"), "{err}");
}

#[tokio::test]
async fn every_tool_call_is_in_the_audit_log_and_no_secret_is() {
    let world = users_tokens().build().await;
    let gateway = world.serve().await;
    let connected = connect(&format!("{}/connect/acme", world.base())).await;
    let key = connected["key"].as_str().unwrap().to_owned();
    let client = crate::harness::mcp::client(&world.base(), &key).await;
    let ok = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(ok.is_error, Some(true));
    let missing = client
        .call_tool(
            CallToolRequestParams::new("auth0_get_user").with_arguments(
                serde_json::json!({"user_id": "auth0|nobody"})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(missing.is_error, Some(true));
    let refused = client
        .call_tool(CallToolRequestParams::new("auth0_list_logs"))
        .await
        .unwrap();
    assert_eq!(
        refused.is_error,
        Some(true),
        "read:logs is not among the tenant's scopes"
    );
    client.cancel().await.unwrap();
    // A graceful stop flushes the audit queue.
    gateway.stop().await;

    let (status, out, err) = world.run(&["audit", "--since", "1h", "--json"]).await;
    assert!(status.success(), "{err}");
    let records: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(String, String, Option<u64>)> = records
        .iter()
        .map(|r| {
            (
                r["tool"].as_str().unwrap().to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
                r["upstream_status"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("auth0_list_roles".into(), "ok".into(), None),
            ("auth0_get_user".into(), "upstream".into(), Some(404)),
            ("auth0_list_logs".into(), "missing_scopes".into(), None),
        ]
    );
    assert!(
        records[1]["upstream_request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "the audit keeps Auth0's request id of an error: {:?}",
        records[1]
    );
    let connection = connected["connection_id"].as_str().unwrap();
    assert!(records.iter().all(|r| r["tenant"] == "acme" && r["principal"].as_str().unwrap().contains(connection)));
    assert!(!out.contains(&key), "the access key is in the audit log");
    assert!(
        !out.contains("eyJ"),
        "something like a token is in the audit log"
    );
}

#[tokio::test]
async fn trace_logs_of_a_whole_session_hold_no_secret() {
    let world = users_tokens().rust_log("trace").build().await;
    let log_path = world.serve_log();
    let gateway = world.serve().await;

    // Connect with a token that expires at once, so the session includes a refresh.
    let connected = world
        .connect_with_expired_token(&format!("{}/connect/acme", world.base()))
        .await;
    let key = connected["key"].as_str().unwrap().to_owned();
    let client = crate::harness::mcp::client(&world.base(), &key).await;
    for tool in ["auth0_list_roles", "auth0_list_users"] {
        let result = client
            .call_tool(CallToolRequestParams::new(tool))
            .await
            .unwrap();
        assert_ne!(result.is_error, Some(true), "{tool}");
    }
    client.cancel().await.unwrap();
    assert_eq!(world.stats().token_requests_for("refresh_token"), 1);

    // The user's current Auth0 tokens, read (the test knows the store key) before stopping.
    let pool = world.sqlite().await;
    let (id, access, refresh): (String, Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT id, access_token, refresh_token FROM connections")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    let cipher = TokenCipher::from_base64(&world.key).unwrap();
    let access = cipher
        .open_string(&access, &format!("connections:{id}:access_token"))
        .unwrap();
    let refresh = cipher
        .open_string(&refresh, &format!("connections:{id}:refresh_token"))
        .unwrap();

    gateway.stop().await;
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.lines().count() > 100,
        "trace logging was not on: {} lines",
        log.lines().count()
    );
    for (what, secret) in [
        ("client secret", CLIENT_SECRET),
        ("store encryption key", world.key.as_str()),
        ("access key", key.as_str()),
        ("user's Auth0 access token", access.as_str()),
        ("user's Auth0 refresh token", refresh.as_str()),
    ] {
        assert!(!log.contains(secret), "the {what} is in the trace log");
    }
    assert!(
        !log.contains("eyJ"),
        "something like a JWT is in the trace log"
    );
    assert!(
        !log.contains("code="),
        "an authorization code (a query string) is in the trace log"
    );
}

/// One tool call through `serve` at `base` over HTTP with `key`; owned arguments, so it can run
/// in a task that outlives the gateway it calls.
async fn call(
    base: String,
    key: String,
    tool: &'static str,
    arguments: serde_json::Value,
) -> anyhow::Result<rmcp::model::CallToolResult> {
    let client = crate::harness::mcp::try_client(&base, &key).await?;
    let result = client
        .call_tool(
            CallToolRequestParams::new(tool).with_arguments(
                arguments
                    .as_object()
                    .cloned()
                    .expect("arguments are an object"),
            ),
        )
        .await?;
    client.cancel().await.ok();
    Ok(result)
}

/// One tool call that must get an answer within 30 s.
async fn call_over_http(
    world: &World,
    key: &str,
    tool: &'static str,
    arguments: serde_json::Value,
) -> rmcp::model::CallToolResult {
    tokio::time::timeout(
        Duration::from_secs(30),
        call(world.base(), key.to_owned(), tool, arguments),
    )
    .await
    .expect("the gateway did not answer")
    .unwrap()
}

/// Makes the next `method` request to `path` at Auth0 hang for 2 s.
fn hang_next(world: &World, method: &str, path: &str) {
    world.fake.fake.add_fault(fake_auth0::Fault {
        method: Some(method.into()),
        path_prefix: path.into(),
        kind: fake_auth0::FaultKind::Latency(Duration::from_secs(2)),
        times: Some(1),
    });
}

/// SIGKILLs the gateway 800 ms into `in_flight` (while Auth0 hangs), then drops the client side,
/// which died with the gateway and is not what the crash tests watch.
async fn kill_during<T>(gateway: &mut Child, in_flight: tokio::task::JoinHandle<T>) {
    tokio::time::sleep(Duration::from_millis(800)).await;
    gateway.start_kill().unwrap();
    gateway.wait().await.unwrap();
    in_flight.abort();
}

/// SQLite's own check of the store file after a crash.
async fn store_is_intact(world: &World) {
    let pool = world.sqlite().await;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    pool.close().await;
}

#[tokio::test]
async fn a_gateway_killed_during_a_callback_keeps_its_connections_keys_and_registrations() {
    let world = users_tokens().build().await;
    let mut gateway = world.serve().await;
    let first = connect(&format!("{}/connect/acme", world.base())).await;
    let first_key = first["key"].as_str().unwrap().to_owned();
    let registered: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/register", world.base()))
        .json(&serde_json::json!({"redirect_uris": ["http://127.0.0.1:9/cb"], "client_name": "kept", "token_endpoint_auth_method": "none"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = registered["client_id"].as_str().unwrap().to_owned();

    // The second sign-in's code exchange hangs at Auth0; the gateway dies while it waits.
    hang_next(&world, "POST", "/oauth/token");
    let url = format!("{}/connect/acme", world.base());
    let signing_in = tokio::spawn(async move { get_json(&browser(), &url).await });
    kill_during(&mut gateway.child, signing_in).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    store_is_intact(&world).await;
    let store = gw_store::Store::open(world.store_url()).await.unwrap();
    let kept = store.oauth_client(&client_id).await.unwrap();
    assert_eq!(
        kept.and_then(|c| c.client_name).as_deref(),
        Some("kept"),
        "the registration was lost"
    );
    drop(store);
    let gateway = world.serve().await;
    let (_, listed, _) = world.run(&["connections", "list"]).await;
    assert_eq!(listed.matches("active").count(), 1, "{listed}");
    assert!(!listed.contains("needs reconnect"), "{listed}");
    let result = call_over_http(
        &world,
        &first_key,
        "auth0_list_roles",
        serde_json::json!({}),
    )
    .await;
    assert_ne!(
        result.is_error,
        Some(true),
        "the earlier key broke: {result:?}"
    );

    let (status, again) = get_json(&browser(), &format!("{}/connect/acme", world.base())).await;
    assert_eq!(status, 200, "connecting again after the crash: {again}");
    let result = call_over_http(
        &world,
        again["key"].as_str().unwrap(),
        "auth0_list_roles",
        serde_json::json!({}),
    )
    .await;
    assert_ne!(result.is_error, Some(true), "{result:?}");
    drop(gateway);
}

#[tokio::test]
async fn a_gateway_killed_during_a_write_keeps_its_store_and_sent_the_write_once() {
    let world = users_tokens().build().await;
    let mut gateway = world.serve().await;
    let connected = connect(&format!("{}/connect/acme", world.base())).await;
    let key = connected["key"].as_str().unwrap().to_owned();
    let roles_before = world.fake.fake.counts().roles;

    hang_next(&world, "POST", "/api/v2/roles");
    let writing = tokio::spawn(call(
        world.base(),
        key.clone(),
        "auth0_create_role",
        serde_json::json!({"name": "crash-test"}),
    ));
    kill_during(&mut gateway.child, writing).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    store_is_intact(&world).await;
    assert_eq!(
        world.stats().management_requests_for("POST /api/v2/roles"),
        1,
        "the write was sent once"
    );
    let roles_after = world.fake.fake.counts().roles;
    assert!(
        roles_after == roles_before || roles_after == roles_before + 1,
        "{roles_before} → {roles_after}"
    );
    let gateway = world.serve().await;
    let result = call_over_http(&world, &key, "auth0_list_roles", serde_json::json!({})).await;
    assert_ne!(result.is_error, Some(true), "the key broke: {result:?}");
    drop(gateway);
}
