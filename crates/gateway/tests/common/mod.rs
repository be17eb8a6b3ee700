//! End-to-end harness: a fake Auth0 tenant on 127.0.0.1:0 in the test process, and the real
//! `mcp-gateway stdio` binary as a child process, driven by rmcp's client.
#![allow(dead_code, unreachable_pub)]

pub mod connect;
pub mod http;
pub mod portal;
pub mod postgres;
pub mod serve;
pub mod sse;

use std::time::Duration;

use fake_auth0::{FakeAuth0, FakeConfig, RegisteredClient, RunningFake, Seed};
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "e2e-gateway";
pub const CLIENT_SECRET: &str = "e2e-secret-value-0123456789";

/// How to set up one end-to-end run.
pub struct Setup {
    /// What the fake grants the gateway's machine token (Auth0 scope names).
    pub management_scopes: Vec<String>,
    /// The `scopes` line of the tenant's configuration.
    pub tenant_scopes: Vec<&'static str>,
    pub access_token_ttl: Duration,
    pub extra_tenant_lines: &'static str,
    /// `RUST_LOG` for the gateway; its stderr goes to [`Gateway::stderr`].
    pub rust_log: &'static str,
    /// More environment for the gateway.
    pub env: Vec<(&'static str, &'static str)>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            management_scopes: fake_auth0::all_management_scopes(),
            tenant_scopes: gw_oauth::Scope::ALL.iter().map(|s| s.as_str()).collect(),
            access_token_ttl: Duration::from_secs(86_400),
            extra_tenant_lines: "",
            rust_log: "warn",
            env: Vec::new(),
        }
    }
}

pub struct Gateway {
    pub fake: RunningFake,
    pub client: RunningService<RoleClient, ()>,
    _dir: tempfile::TempDir,
}

/// The seeded fake tenant, with the gateway's application ([`CLIENT_ID`], [`CLIENT_SECRET`]).
pub async fn fake_tenant(
    management_scopes: Vec<String>,
    access_token_ttl: Duration,
) -> RunningFake {
    let config = FakeConfig {
        seed: Seed::Demo,
        access_token_ttl,
        clients: vec![RegisteredClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            name: "e2e gateway".into(),
            callbacks: fake_auth0::default_callbacks(),
            management_scopes,
        }],
        ..FakeConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    FakeAuth0::new(config).serve(listener).await.unwrap()
}

pub async fn start(setup: Setup) -> Gateway {
    let fake = fake_tenant(setup.management_scopes, setup.access_token_ttl).await;
    let domain = fake.fake.domain().to_owned();

    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("gateway.toml");
    let scopes = setup
        .tenant_scopes
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        &config_path,
        format!(
            r#"
[[tenants]]
name = "e2e"
domain = "{domain}"
base_url = "{base}"
client_id = "{CLIENT_ID}"
client_secret_env = "E2E_CLIENT_SECRET"
scopes = [{scopes}]
{extra}
"#,
            base = fake.base_url,
            extra = setup.extra_tenant_lines
        ),
    )
    .unwrap();

    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_mcp-gateway"));
    command
        .arg("stdio")
        .arg("--config")
        .arg(&config_path)
        .arg("--tenant")
        .arg("e2e")
        .env("E2E_CLIENT_SECRET", CLIENT_SECRET)
        .env("RUST_LOG", setup.rust_log)
        .envs(setup.env);
    let (transport, _) = TokioChildProcess::builder(command)
        .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
        .spawn()
        .unwrap();
    let client = ().serve(transport).await.expect("the gateway completes the MCP handshake");
    Gateway {
        fake,
        client,
        _dir: dir,
    }
}

impl Gateway {
    /// What the gateway has logged so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("stderr.log")).unwrap_or_default()
    }

    pub async fn tools(&self) -> Vec<Tool> {
        self.client.list_all_tools().await.unwrap()
    }

    pub async fn tool_names(&self) -> Vec<String> {
        self.tools()
            .await
            .into_iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    /// Calls a tool and returns its raw result.
    pub async fn call(&self, name: &str, arguments: Value) -> CallToolResult {
        let Value::Object(arguments) = arguments else {
            panic!("arguments must be an object")
        };
        self.client
            .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(arguments))
            .await
            .unwrap_or_else(|e| panic!("{name} failed at the protocol level: {e}"))
    }

    /// Calls a tool that must succeed and returns its structured content.
    pub async fn ok(&self, name: &str, arguments: Value) -> Value {
        let result = self.call(name, arguments).await;
        assert_ne!(
            result.is_error,
            Some(true),
            "{name} failed: {}",
            text(&result)
        );
        let structured = result
            .structured_content
            .clone()
            .unwrap_or_else(|| panic!("{name} returned no structuredContent"));
        assert!(
            text(&result).contains('\n') || !text(&result).is_empty(),
            "{name} returned no text rendering"
        );
        structured
    }

    /// Calls a tool that must fail and returns the message the model sees.
    pub async fn err(&self, name: &str, arguments: Value) -> String {
        let result = self.call(name, arguments).await;
        assert_eq!(
            result.is_error,
            Some(true),
            "{name} unexpectedly succeeded: {}",
            text(&result)
        );
        text(&result)
    }

    pub async fn stop(self) {
        let _ = self.client.cancel().await;
        self.fake.shutdown().await;
    }
}

pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn ids(list: &Value, key: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap().to_owned())
        .collect()
}

pub fn no_args() -> Value {
    json!({})
}

/// Waits (the audit writer batches for 100 ms) until `store`'s audit log holds a record with
/// `outcome`, and returns it.
pub async fn audited(store: &gw_store::Store, outcome: &str) -> gw_mcp::AuditRecord {
    for _ in 0..50 {
        if let Some(record) = store
            .audit_since(0, None, 1_000)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.outcome == outcome)
        {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {outcome} in the audit log");
}

/// Serves the gateway's app for `state` on `listener` (sessions on, no extra hosts) until
/// `shutdown` is cancelled, as `serve` does.
pub fn serve_app(
    listener: tokio::net::TcpListener,
    state: mcp_gateway::http::AppState,
    shutdown: &tokio_util::sync::CancellationToken,
) {
    let app = mcp_gateway::http::app(
        state,
        mcp_gateway::http::McpSettings {
            stateless: false,
            allowed_hosts: vec![],
            shutdown: shutdown.clone(),
        },
    );
    let stop = shutdown.clone();
    tokio::spawn(async move {
        mcp_gateway::http::listener::serve(
            listener,
            app,
            mcp_gateway::http::listener::Limits::default(),
            stop.cancelled_owned(),
        )
        .await
        .unwrap();
    });
}
