//! The connect flow from the command line and across processes: `connect` with its temporary
//! callback listener, `stdio --connection`, `connections list|revoke`, `gen-key`, and a gateway
//! killed (SIGKILL) in the middle of a refresh, a sign-in's callback and a write: after restart
//! the store passes SQLite's integrity check and nothing it held is lost or half-written.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::connect::{browser, get_json};
use fake_auth0::{FakeAuth0, FakeConfig, RegisteredClient, RunningFake};
use gw_oauth::TokenCipher;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-gateway");

struct Env {
    fake: RunningFake,
    dir: tempfile::TempDir,
    config: PathBuf,
    key: String,
    port: u16,
}

async fn env() -> Env {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fake = FakeAuth0::new(FakeConfig {
        clients: vec![RegisteredClient {
            client_id: "cli-e2e".into(),
            client_secret: "cli-e2e-secret".into(),
            name: "MCP Gateway".into(),
            callbacks: fake_auth0::default_callbacks(),
            management_scopes: fake_auth0::all_management_scopes(),
        }],
        // Users' own tokens carry what they ask for here, unlike on real Auth0.
        user_grants: fake_auth0::UserGrants::AllRequestedUnlikeAuth0,
        ..FakeConfig::default()
    })
    .serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
    .await
    .unwrap();
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[server]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"

[store]
url = "sqlite://{db}"
encryption_key_env = "CLI_STORE_KEY"

[[tenants]]
name = "acme"
domain = "demo-tenant.us.auth0.com"
base_url = "{base}"
client_id = "cli-e2e"
client_secret_env = "CLI_SECRET"
grant = "authorization_code"
scopes = ["openid", "email", "offline_access", "read:users", "read:roles", "create:roles"]
"#,
            db = dir.path().join("gateway.db").display(),
            base = fake.base_url,
        ),
    )
    .unwrap();
    Env {
        fake,
        dir,
        config,
        key: TokenCipher::generate_key(),
        port,
    }
}

impl Env {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .env("CLI_SECRET", "cli-e2e-secret")
            .env("CLI_STORE_KEY", &self.key)
            .env("RUST_LOG", "warn")
            .kill_on_drop(true);
        command
    }

    async fn run(&self, args: &[&str]) -> (bool, String, String) {
        let output = self.command(args).output().await.unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `serve`, once it says it is listening.
    async fn serve(&self) -> Child {
        let mut child = self
            .command(&["serve"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("serve did not start")
            .unwrap()
            .unwrap_or_default();
        assert!(line.starts_with("Listening on"), "{line}");
        child
    }
}

fn db_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        all.extend(std::fs::read(entry.unwrap().path()).unwrap_or_default());
    }
    all
}

#[tokio::test]
async fn connect_from_the_terminal_then_serve_that_user_over_stdio_then_revoke() {
    let env = env().await;
    let mut connect = env
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
    let mut stdio = Command::new(BIN);
    stdio
        .args(["stdio", "--connection", &connection, "--config"])
        .arg(&env.config)
        .env("CLI_SECRET", "cli-e2e-secret")
        .env("CLI_STORE_KEY", &env.key)
        .env("RUST_LOG", "warn");
    let client = ().serve(TokioChildProcess::new(stdio).unwrap()).await.unwrap();
    let mut tools: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    tools.sort();
    let mut expected: Vec<String> = gw_oauth::tools_unlocked_by(
        gw_oauth::ScopeSet::parse_list(
            "openid,email,offline_access,read:users,read:roles,create:roles",
        )
        .unwrap(),
    )
    .map(str::to_owned)
    .collect();
    expected.sort();
    assert_eq!(tools, expected);
    let roles = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(roles.is_error, Some(true));
    client.cancel().await.unwrap();

    let (ok, listed, _) = env.run(&["connections", "list"]).await;
    assert!(ok);
    assert!(
        listed.contains(&connection) && listed.contains("active"),
        "{listed}"
    );

    // Revoking also revokes the refresh token at Auth0: read it (the test knows the key) first.
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        env.dir.path().join("gateway.db").display()
    ))
    .await
    .unwrap();
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT refresh_token FROM connections")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    let refresh = TokenCipher::from_base64(&env.key)
        .unwrap()
        .open_string(&sealed, &format!("connections:{connection}:refresh_token"))
        .unwrap();
    let (ok, out, err) = env.run(&["connections", "revoke", &connection]).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("Revoked its refresh token at Auth0"), "{out}");
    let refused = reqwest::Client::new()
        .post(env.fake.url("/oauth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "cli-e2e"),
            ("client_secret", "cli-e2e-secret"),
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
        !db_bytes(env.dir.path())
            .windows(refresh.len())
            .any(|w| w == refresh.as_bytes())
    );

    let (ok, _, err) = env.run(&["stdio", "--connection", &connection]).await;
    assert!(!ok);
    assert!(err.contains("revoked"), "{err}");
}

#[tokio::test]
async fn a_gateway_killed_during_a_refresh_restarts_into_a_usable_or_clearly_broken_connection() {
    let env = env().await;
    let mut gateway = env.serve().await;
    env.fake.fake.set_access_token_ttl(Duration::from_secs(1));
    let (status, connected) = get_json(&browser(), &format!("{}/connect/acme", env.base())).await;
    assert_eq!(status, 200, "{connected}");
    env.fake
        .fake
        .set_access_token_ttl(Duration::from_secs(3600));
    let key = connected["key"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(2100)).await;

    // The refresh will hang at Auth0 long enough to kill the gateway while it waits.
    hang_next(&env, "POST", "/oauth/token");
    let in_flight = tokio::spawn(call(
        env.base(),
        key.clone(),
        "auth0_list_roles",
        serde_json::json!({}),
    ));
    kill_during(&mut gateway, in_flight).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let gateway = env.serve().await;
    let result = call_over_http(&env, &key, "auth0_list_roles", serde_json::json!({})).await;
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
        let (_, listed, _) = env.run(&["connections", "list"]).await;
        assert!(listed.contains("needs reconnect"), "{listed}");
        eprintln!("after the kill: the connection needs reconnecting, and says so");
    } else {
        eprintln!("after the kill: the connection is still usable");
    }
    drop(gateway);
}

#[tokio::test]
async fn gen_key_prints_a_usable_key_and_check_names_a_missing_one() {
    let env = env().await;
    let (ok, out, _) = env.run(&["check"]).await;
    assert!(ok, "{out}");
    let generated = std::process::Command::new(BIN)
        .arg("gen-key")
        .output()
        .unwrap();
    let key = String::from_utf8(generated.stdout).unwrap();
    assert!(TokenCipher::from_base64(&key).is_ok());

    let output = std::process::Command::new(BIN)
        .args(["check", "--config"])
        .arg(&env.config)
        .env("CLI_SECRET", "cli-e2e-secret")
        .env_remove("CLI_STORE_KEY")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("store.encryption_key_env"), "{err}");
}

#[tokio::test]
async fn every_tool_call_is_in_the_audit_log_and_no_secret_is() {
    let env = env().await;
    let mut gateway = env.serve().await;
    let (status, connected) = get_json(&browser(), &format!("{}/connect/acme", env.base())).await;
    assert_eq!(status, 200, "{connected}");
    let key = connected["key"].as_str().unwrap().to_owned();
    let config =
        rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
            format!("{}/mcp", env.base()),
        )
        .auth_header(key.clone());
    let transport =
        rmcp::transport::StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
    let client = ().serve(transport).await.unwrap();
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
    let pid = gateway.id().unwrap();
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    gateway.wait().await.unwrap();

    let (ok, out, err) = env.run(&["audit", "--since", "1h", "--json"]).await;
    assert!(ok, "{err}");
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
    let env = env().await;
    let log_path = env.dir.path().join("gateway.log");
    let mut command = env.command(&["serve"]);
    command
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap());
    let mut gateway = command.spawn().unwrap();
    let mut lines = BufReader::new(gateway.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(line.starts_with("Listening on"), "{line}");

    // Connect with a token that expires at once, so the session includes a refresh.
    env.fake.fake.set_access_token_ttl(Duration::from_secs(1));
    let (status, connected) = get_json(&browser(), &format!("{}/connect/acme", env.base())).await;
    assert_eq!(status, 200, "{connected}");
    env.fake
        .fake
        .set_access_token_ttl(Duration::from_secs(3600));
    let key = connected["key"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let config =
        rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
            format!("{}/mcp", env.base()),
        )
        .auth_header(key.clone());
    let transport =
        rmcp::transport::StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
    let client = ().serve(transport).await.unwrap();
    for tool in ["auth0_list_roles", "auth0_list_users"] {
        let result = client
            .call_tool(CallToolRequestParams::new(tool))
            .await
            .unwrap();
        assert_ne!(result.is_error, Some(true), "{tool}");
    }
    client.cancel().await.unwrap();
    assert_eq!(env.fake.fake.stats().token_requests_for("refresh_token"), 1);

    // The user's current Auth0 tokens, read (the test knows the store key) before stopping.
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        env.dir.path().join("gateway.db").display()
    ))
    .await
    .unwrap();
    let (id, access, refresh): (String, Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT id, access_token, refresh_token FROM connections")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    let cipher = TokenCipher::from_base64(&env.key).unwrap();
    let access = cipher
        .open_string(&access, &format!("connections:{id}:access_token"))
        .unwrap();
    let refresh = cipher
        .open_string(&refresh, &format!("connections:{id}:refresh_token"))
        .unwrap();

    let pid = gateway.id().unwrap();
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    gateway.wait().await.unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.lines().count() > 100,
        "trace logging was not on: {} lines",
        log.lines().count()
    );
    for (what, secret) in [
        ("client secret", "cli-e2e-secret"),
        ("store encryption key", env.key.as_str()),
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
    let config =
        rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
            format!("{base}/mcp"),
        )
        .auth_header(key);
    let transport =
        rmcp::transport::StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
    let client = ().serve(transport).await?;
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
    env: &Env,
    key: &str,
    tool: &'static str,
    arguments: serde_json::Value,
) -> rmcp::model::CallToolResult {
    tokio::time::timeout(
        Duration::from_secs(30),
        call(env.base(), key.to_owned(), tool, arguments),
    )
    .await
    .expect("the gateway did not answer")
    .unwrap()
}

/// Makes the next `method` request to `path` at Auth0 hang for 2 s.
fn hang_next(env: &Env, method: &str, path: &str) {
    env.fake.fake.add_fault(fake_auth0::Fault {
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
async fn store_is_intact(env: &Env) {
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        env.dir.path().join("gateway.db").display()
    ))
    .await
    .unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    pool.close().await;
}

#[tokio::test]
async fn a_gateway_killed_during_a_callback_keeps_its_connections_keys_and_registrations() {
    let env = env().await;
    let mut gateway = env.serve().await;
    let (status, first) = get_json(&browser(), &format!("{}/connect/acme", env.base())).await;
    assert_eq!(status, 200, "{first}");
    let first_key = first["key"].as_str().unwrap().to_owned();
    let registered: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/register", env.base()))
        .json(&serde_json::json!({"redirect_uris": ["http://127.0.0.1:9/cb"], "client_name": "kept", "token_endpoint_auth_method": "none"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = registered["client_id"].as_str().unwrap().to_owned();

    // The second sign-in's code exchange hangs at Auth0; the gateway dies while it waits.
    hang_next(&env, "POST", "/oauth/token");
    let url = format!("{}/connect/acme", env.base());
    let signing_in = tokio::spawn(async move { get_json(&browser(), &url).await });
    kill_during(&mut gateway, signing_in).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    store_is_intact(&env).await;
    let store = gw_store::Store::open(&format!(
        "sqlite://{}",
        env.dir.path().join("gateway.db").display()
    ))
    .await
    .unwrap();
    let kept = store.oauth_client(&client_id).await.unwrap();
    assert_eq!(
        kept.and_then(|c| c.client_name).as_deref(),
        Some("kept"),
        "the registration was lost"
    );
    drop(store);
    let gateway = env.serve().await;
    let (_, listed, _) = env.run(&["connections", "list"]).await;
    assert_eq!(listed.matches("active").count(), 1, "{listed}");
    assert!(!listed.contains("needs reconnect"), "{listed}");
    let result = call_over_http(&env, &first_key, "auth0_list_roles", serde_json::json!({})).await;
    assert_ne!(
        result.is_error,
        Some(true),
        "the earlier key broke: {result:?}"
    );

    let (status, again) = get_json(&browser(), &format!("{}/connect/acme", env.base())).await;
    assert_eq!(status, 200, "connecting again after the crash: {again}");
    let result = call_over_http(
        &env,
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
    let env = env().await;
    let mut gateway = env.serve().await;
    let (status, connected) = get_json(&browser(), &format!("{}/connect/acme", env.base())).await;
    assert_eq!(status, 200, "{connected}");
    let key = connected["key"].as_str().unwrap().to_owned();
    let roles_before = env.fake.fake.counts().roles;

    hang_next(&env, "POST", "/api/v2/roles");
    let writing = tokio::spawn(call(
        env.base(),
        key.clone(),
        "auth0_create_role",
        serde_json::json!({"name": "crash-test"}),
    ));
    kill_during(&mut gateway, writing).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    store_is_intact(&env).await;
    assert_eq!(
        env.fake
            .fake
            .stats()
            .management_requests_for("POST /api/v2/roles"),
        1,
        "the write was sent once"
    );
    let roles_after = env.fake.fake.counts().roles;
    assert!(
        roles_after == roles_before || roles_after == roles_before + 1,
        "{roles_before} → {roles_after}"
    );
    let gateway = env.serve().await;
    let result = call_over_http(&env, &key, "auth0_list_roles", serde_json::json!({})).await;
    assert_ne!(result.is_error, Some(true), "the key broke: {result:?}");
    drop(gateway);
}
