//! The client configurations README.md gives start a working server as written: every stdio
//! entry (Claude Desktop, Cursor, VS Code) is run with only the command, arguments and
//! environment the snippet names, against a `gateway.toml` like an operator's — one whose
//! `[store]` needs a key variable that no snippet passes — and must list tools.

use std::path::{Path, PathBuf};

use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::Value;

use crate::harness::process::BIN;
use crate::harness::{CLIENT_ID, CLIENT_SECRET, world};

const README_BINARY: &str = "/absolute/path/to/repo/target/release/mcp-gateway";
const README_CONFIG: &str = "/path/to/gateway.toml";

/// Every `"command"` entry in README's JSON blocks: (name, entry).
fn readme_stdio_entries() -> Vec<(String, Value)> {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let mut entries = Vec::new();
    for block in readme.split("```json\n").skip(1) {
        let json = &block[..block.find("```").unwrap()];
        let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(json) else {
            panic!("a README json block does not parse:\n{json}");
        };
        for servers in ["mcpServers", "servers"] {
            for (name, entry) in doc
                .get(servers)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if entry.get("command").is_some() {
                    entries.push((name.clone(), entry.clone()));
                }
            }
        }
    }
    entries
}

/// An operator's `gateway.toml` for the snippets' `prod` tenant, pointing at the fake.
fn operator_config(dir: &Path, fake: &fake_auth0::RunningFake) -> PathBuf {
    let path = dir.join("gateway.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[store]
url = "sqlite://gateway.db"
encryption_key_env = "MCP_GATEWAY_STORE_KEY"

[[tenants]]
name = "prod"
domain = "{domain}"
base_url = "{base}"
client_id = "{client}"
client_secret_env = "AUTH0_PROD_CLIENT_SECRET"
scopes = ["openid", "read:users", "read:roles"]
"#,
            domain = fake.fake.domain(),
            base = fake.base_url,
            client = CLIENT_ID,
        ),
    )
    .unwrap();
    path
}

#[tokio::test]
async fn every_readme_stdio_snippet_starts_as_written_and_lists_tools() {
    let world = world().build().await;
    let dir = tempfile::tempdir().unwrap();
    let config = operator_config(dir.path(), &world.fake);
    let entries = readme_stdio_entries();
    assert!(entries.len() >= 4, "README's stdio snippets: {entries:?}");
    for (name, entry) in entries {
        assert_eq!(entry["command"], README_BINARY, "{name}");
        let mut command = tokio::process::Command::new(BIN);
        command.env_clear().current_dir(dir.path());
        for arg in entry["args"].as_array().unwrap() {
            let arg = arg.as_str().unwrap();
            if arg == README_CONFIG {
                command.arg(&config);
            } else {
                command.arg(arg);
            }
        }
        for (variable, value) in entry
            .get("env")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            // The snippets hold a placeholder or an input reference where the secret goes.
            assert!(value.is_string(), "{name}: {variable}");
            command.env(variable, CLIENT_SECRET);
        }
        let (transport, _) = TokioChildProcess::builder(command)
            .stderr(std::fs::File::create(dir.path().join(format!("{name}.log"))).unwrap())
            .spawn()
            .unwrap();
        let client = ().serve(transport).await.unwrap_or_else(|e| {
            let log = std::fs::read_to_string(dir.path().join(format!("{name}.log")));
            panic!("README entry `{name}` did not start: {e}\n{log:?}")
        });
        let tools = client.list_all_tools().await.unwrap();
        assert!(!tools.is_empty(), "{name} lists no tool");
        let _ = client.cancel().await;
    }
}
