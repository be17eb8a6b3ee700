//! The files shipped at the top of the repository stay true: README's tool table is the
//! catalogue's, and gateway.toml is valid.

use std::path::PathBuf;
use std::process::Command;

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
    let output = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
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
    let output = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
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
    let output = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
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
