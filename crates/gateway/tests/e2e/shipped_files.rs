//! The files shipped at the top of the repository stay true: README's tool table is the
//! catalogue's, and gateway.toml is valid.

use std::path::PathBuf;
use std::process::Command;

use crate::harness::process::BIN;

fn repo_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(name)
}

#[test]
fn the_readme_tool_table_is_the_catalogue() {
    let readme = std::fs::read_to_string(repo_file("README.md")).unwrap();
    let begin = "<!-- tools:begin -->\n";
    let start = readme
        .find(begin)
        .expect("README.md has a <!-- tools:begin --> marker")
        + begin.len();
    let end = readme[start..]
        .find("<!-- tools:end -->")
        .expect("README.md has a <!-- tools:end --> marker")
        + start;
    let expected = mcp_gateway::commands::tools::catalogue_markdown();
    assert!(
        readme[start..end] == expected,
        "README.md's tool table is out of date; regenerate it with `cargo run -- tools --format markdown`:\n{expected}"
    );
}

#[test]
fn the_shipped_gateway_toml_checks_out() {
    let output = Command::new(BIN)
        .args(["check", "--config"])
        .arg(repo_file("gateway.toml"))
        .env("DEMO_CLIENT_SECRET", "local-demo-secret")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("demo (demo-tenant.us.auth0.com, grant client_credentials)")
    );
}

#[test]
fn check_names_the_key_of_a_missing_secret() {
    let output = Command::new(BIN)
        .args(["check", "--config"])
        .arg(repo_file("gateway.toml"))
        .env_remove("DEMO_CLIENT_SECRET")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "tenants[0].client_secret_env: environment variable `DEMO_CLIENT_SECRET` is not set"
        ),
        "{stderr}"
    );
}

#[test]
fn tools_json_lists_every_tool_with_scopes_annotations_and_schema() {
    let output = Command::new(BIN)
        .args(["tools", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let catalogue: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let tools = catalogue["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 37);
    for tool in tools {
        assert!(
            !tool["scopes"].as_array().unwrap().is_empty(),
            "{}",
            tool["name"]
        );
        assert_eq!(tool["inputSchema"]["type"], "object");
        assert!(tool["annotations"]["openWorldHint"].as_bool().unwrap());
    }
}

/// `gateway.schema.json` is the schema of the configuration as the code reads it
/// (`UPDATE_GATEWAY_SCHEMA=1 cargo test -p mcp-gateway --test e2e shipped_files` rewrites it), and
/// the shipped `gateway.toml` satisfies it.
#[test]
fn the_committed_gateway_toml_schema_is_current_and_the_shipped_file_satisfies_it() {
    let schema = mcp_gateway::config::Config::json_schema();
    let path = repo_file("gateway.schema.json");
    let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    if std::env::var("UPDATE_GATEWAY_SCHEMA").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &text).unwrap();
    }
    assert!(
        std::fs::read_to_string(&path).unwrap_or_default() == text,
        "gateway.schema.json is out of date; regenerate it with UPDATE_GATEWAY_SCHEMA=1 cargo test -p mcp-gateway --test e2e shipped_files"
    );
    let shipped: toml::Value =
        toml::from_str(&std::fs::read_to_string(repo_file("gateway.toml")).unwrap()).unwrap();
    let shipped = serde_json::to_value(shipped).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&shipped)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // And a misspelt key is caught by the schema, as by the loader.
    let mut misspelt = shipped.clone();
    misspelt["server"]["listn"] = serde_json::json!("127.0.0.1:1");
    assert!(!validator.is_valid(&misspelt));
}
