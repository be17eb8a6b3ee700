//! The real `mcp-gateway` binary as a child process, for what only the binary does: the command
//! line, signals, the global logger and span exporter, several processes on one store.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use super::World;
use super::{CLIENT_SECRET, SECRET_ENV, STORE_KEY_ENV};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_mcp-gateway");

/// A `serve` that said where it listens.
pub struct Served {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its first line, `Listening on …`.
    pub listening: String,
    /// The rest of its standard output (kept open: it must not write into a closed pipe).
    pub stdout: Lines<BufReader<ChildStdout>>,
}

impl World {
    /// `mcp-gateway ARGS --config gateway.toml`, with the tenants' secret, the store's key, the
    /// builder's `RUST_LOG` and environment; killed when dropped.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_with(&self.config(), args)
    }

    fn command_with(&self, config: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .arg("--config")
            .arg(config)
            .env(SECRET_ENV, CLIENT_SECRET)
            .env(STORE_KEY_ENV, &self.key)
            .env("RUST_LOG", &self.builder.rust_log)
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .envs(self.builder.env.iter().map(|(k, v)| (k, v)))
            .kill_on_drop(true);
        command
    }

    /// Runs `mcp-gateway ARGS` to completion: its exit status, stdout and stderr.
    pub async fn run(&self, args: &[&str]) -> (ExitStatus, String, String) {
        let output = self.command(args).output().await.unwrap();
        (
            output.status,
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// An agent key for the first tenant with every scope it has, made by `mcp-gateway keys
    /// create`.
    pub async fn create_key(&self) -> String {
        let tenant = &self.builder.tenants[0];
        let scopes = self.builder.scopes.names().join(",");
        let (status, out, err) = self
            .run(&["keys", "create", "--tenant", tenant, "--scopes", &scopes])
            .await;
        assert!(status.success(), "{err}");
        out.lines()
            .find_map(|l| l.strip_prefix("Access key: ").map(str::to_owned))
            .expect("keys create printed a key")
    }

    /// The real binary's address when it serves `gateway.toml`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    /// Where `serve` writes its log (each start begins it anew).
    pub fn serve_log(&self) -> PathBuf {
        self.dir().join("serve.log")
    }

    /// Starts `serve` and returns it once it listens.
    pub async fn serve(&self) -> Served {
        self.serve_with(&self.config()).await
    }

    /// Another replica: `serve` on a port of its own, over the same store and tenants.
    pub async fn serve_another_replica(&self) -> Served {
        let port = super::world::free_port();
        let config = self.dir().join(format!("replica-{port}.toml"));
        std::fs::write(&config, self.gateway_toml(port)).unwrap();
        self.serve_with(&config).await
    }

    async fn serve_with(&self, config: &Path) -> Served {
        let mut child = self
            .command_with(config, &["serve"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(self.serve_log()).unwrap())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            let line = tokio::time::timeout(Duration::from_secs(30), stdout.next_line())
                .await
                .expect("serve printed where it listens within 30 s")
                .unwrap()
                .expect("serve exited before listening");
            if let Some(url) = line.strip_prefix("Listening on ") {
                return Served {
                    base: url.trim_end_matches("/mcp").to_owned(),
                    listening: line,
                    child,
                    stdout,
                };
            }
        }
    }
}

impl Served {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends SIGTERM (a graceful stop).
    pub async fn sigterm(&self) {
        let pid = self.child.id().expect("running").to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(status.success());
    }

    /// Waits (at most 30 s) for it to exit.
    pub async fn exited(&mut self) -> ExitStatus {
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the gateway exits within 30 s")
            .unwrap()
    }

    /// SIGTERM, then its exit status.
    pub async fn stop(mut self) -> ExitStatus {
        self.sigterm().await;
        self.exited().await
    }
}
