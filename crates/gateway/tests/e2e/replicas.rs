//! Two `mcp-gateway serve` processes on one PostgreSQL store and one fake tenant behave as one
//! gateway: connect through A, call through B; revoke, refused on both at once; a hundred calls
//! split over both on an expired token make one refresh; A killed mid-load, B keeps serving.
//! Runs when `GATEWAY_TEST_POSTGRES` names a server (`.ci/run` sets it); reported ignored otherwise.

use std::process::Stdio;
use std::time::Duration;

use crate::harness::connect::{browser, get_json};
use fake_auth0::{FakeAuth0, FakeConfig, RegisteredClient};
use gw_oauth::TokenCipher;
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-gateway");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Replica {
    child: Child,
    base: String,
}

async fn replica(config: &std::path::Path, key: &str) -> Replica {
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(config)
        .env("REPLICA_SECRET", "replica-secret")
        .env("REPLICA_STORE_KEY", key)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("serve did not start")
        .unwrap()
        .unwrap_or_default();
    let base = line
        .strip_prefix("Listening on ")
        .unwrap_or_else(|| panic!("{line}"))
        .trim_end_matches("/mcp")
        .to_owned();
    Replica { child, base }
}

async fn client(base: &str, key: &str) -> RunningService<RoleClient, ()> {
    let config =
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp")).auth_header(key);
    let transport = StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
    ().serve(transport).await.expect("MCP handshake")
}

#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL only: set GATEWAY_TEST_POSTGRES (.ci/run does)"
)]
async fn two_replicas_on_one_postgres_store_act_as_one_gateway() {
    let base = crate::harness::postgres::required();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fake = FakeAuth0::new(FakeConfig {
        clients: vec![RegisteredClient {
            client_id: "replicas".into(),
            client_secret: "replica-secret".into(),
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
    let store = crate::harness::postgres::fresh_schema(&base).await;
    let dir = tempfile::tempdir().unwrap();
    let key = TokenCipher::generate_key();
    let mut replicas = Vec::new();
    for name in ["a", "b"] {
        let port = free_port();
        let config = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                r#"
[server]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
stateless = true

[store]
url = "{store}"
encryption_key_env = "REPLICA_STORE_KEY"

[[tenants]]
name = "acme"
domain = "demo-tenant.us.auth0.com"
base_url = "{fake}"
client_id = "replicas"
client_secret_env = "REPLICA_SECRET"
grant = "authorization_code"
scopes = ["openid", "email", "offline_access", "read:users", "read:roles"]
"#,
                fake = fake.base_url
            ),
        )
        .unwrap();
        replicas.push(replica(&config, &key).await);
    }
    let (a, b) = (&replicas[0].base.clone(), &replicas[1].base.clone());

    // Connect through A with a token that expires at once; call through B.
    fake.fake.set_access_token_ttl(Duration::from_secs(1));
    let (status, connected) = get_json(&browser(), &format!("{a}/connect/acme")).await;
    assert_eq!(status, 200, "{connected}");
    fake.fake.set_access_token_ttl(Duration::from_secs(3600));
    let user_key = connected["key"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(2100)).await;

    // A hundred calls split over both replicas on the expired token: one refresh between them.
    let (on_a, on_b) = (client(a, &user_key).await, client(b, &user_key).await);
    let calls = (0..100).map(|i| {
        let client = if i % 2 == 0 { &on_a } else { &on_b };
        client.call_tool(CallToolRequestParams::new("auth0_list_roles"))
    });
    for result in futures::future::join_all(calls).await {
        let result = result.unwrap();
        assert_ne!(result.is_error, Some(true), "{:?}", result.content);
    }
    assert_eq!(fake.fake.stats().token_requests_for("refresh_token"), 1);

    // A killed in the middle of a load: B keeps answering.
    let load = (0..40).map(|_| on_b.call_tool(CallToolRequestParams::new("auth0_list_roles")));
    let load = futures::future::join_all(load);
    let kill = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        replicas[0].child.start_kill().unwrap();
    };
    let (results, ()) = tokio::join!(load, kill);
    for result in results {
        assert_ne!(result.unwrap().is_error, Some(true));
    }
    let after = on_b
        .call_tool(CallToolRequestParams::new("auth0_list_users"))
        .await
        .unwrap();
    assert_ne!(after.is_error, Some(true));

    // Revoked (through the store A and B share): refused by B within one second (B trusts a
    // resolved key for at most 500 ms without asking the store).
    let output = Command::new(BIN)
        .args([
            "connections",
            "revoke",
            connected["connection_id"].as_str().unwrap(),
            "--config",
        ])
        .arg(dir.path().join("a.toml"))
        .env("REPLICA_SECRET", "replica-secret")
        .env("REPLICA_STORE_KEY", &key)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let revoked_at = std::time::Instant::now();
    loop {
        let status = reqwest::Client::new()
            .post(format!("{b}/mcp"))
            .bearer_auth(&user_key)
            .header("accept", "application/json, text/event-stream")
            .json(&serde_json::json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
            .send()
            .await
            .unwrap()
            .status();
        if status == 401 {
            break;
        }
        assert!(
            revoked_at.elapsed() < Duration::from_secs(1),
            "B still accepts the revoked connection's key after one second ({status})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
