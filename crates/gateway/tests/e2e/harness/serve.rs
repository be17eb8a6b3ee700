//! The real `mcp-gateway serve` as a child process, for what only the binary does: signals,
//! the global logger and span exporter. One client-credentials tenant `t` on a fake Auth0.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fake_auth0::{FakeAuth0, FakeConfig, RegisteredClient, RunningFake};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const CLIENT_ID: &str = "serve-test";
const SECRET_ENV: &str = "SERVE_TEST_SECRET";
pub const CLIENT_SECRET: &str = "serve-test-client-secret-value";

pub struct ServedTenant {
    pub fake: RunningFake,
    pub config: PathBuf,
    _dir: tempfile::TempDir,
}

/// A fake tenant and a `gateway.toml` for it; `extra` is added after `[server]`'s lines (e.g.
/// `stateless = true`) and may open further tables.
pub async fn served_tenant(extra: &str) -> ServedTenant {
    let fake = FakeAuth0::new(FakeConfig {
        clients: vec![RegisteredClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
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
[[tenants]]
name = "t"
domain = "{domain}"
base_url = "{base}"
client_id = "{CLIENT_ID}"
client_secret_env = "{SECRET_ENV}"
scopes = ["openid", "read:users", "read:roles", "read:logs"]

[store]
url = "sqlite://{db}"

[server]
listen = "127.0.0.1:0"
{extra}
"#,
            db = dir.path().join("gateway.db").display(),
            domain = fake.fake.domain(),
            base = fake.base_url
        ),
    )
    .unwrap();
    ServedTenant {
        fake,
        config,
        _dir: dir,
    }
}

impl ServedTenant {
    /// The directory holding its `gateway.toml` and store.
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// `mcp-gateway ARGS --config …` with the tenant's secret in its environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"));
        command
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .env(SECRET_ENV, CLIENT_SECRET)
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        command
    }

    /// Runs `mcp-gateway ARGS --config …` to completion; its exit status and stdout.
    pub async fn run(&self, args: &[&str]) -> (std::process::ExitStatus, String) {
        let output = self.command(args).output().await.unwrap();
        (
            output.status,
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }

    /// An agent key for tenant `t` with every scope the tenant has, made by `mcp-gateway keys
    /// create`.
    pub async fn create_key(&self) -> String {
        let output = self
            .command(&[
                "keys",
                "create",
                "--tenant",
                "t",
                "--scopes",
                "openid,read:users,read:roles,read:logs",
            ])
            .output()
            .await
            .unwrap();
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("Access key: ").map(str::to_owned))
            .expect("keys create printed a key")
    }

    /// Starts `serve` and returns it with its `/mcp` URL once it listens.
    pub async fn serve(&self) -> (Child, String) {
        let mut child = self
            .command(&["serve"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
                .await
                .expect("serve printed where it listens within 20 s")
                .unwrap()
                .expect("serve exited before listening");
            if let Some(url) = line.strip_prefix("Listening on ") {
                return (child, url.to_owned());
            }
        }
    }
}

/// Sends SIGTERM (a graceful stop) to a child.
pub async fn sigterm(child: &Child) {
    let pid = child.id().expect("running").to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(status.success());
}
