//! `mcp-gateway keys create|list|revoke` against a configuration's store.

use std::path::Path;
use std::process::{Command, Output};

fn gateway(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env("KEYS_SECRET", "s3cret")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn keys_are_created_once_listed_without_the_key_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[store]
url = "sqlite://{}"

[[tenants]]
name = "acme"
domain = "acme.eu.auth0.com"
client_id = "abc"
client_secret_env = "KEYS_SECRET"
scopes = ["openid", "read:users", "read:roles"]
"#,
            dir.path().join("gateway.db").display()
        ),
    )
    .unwrap();

    let created = gateway(
        &config,
        &[
            "keys",
            "create",
            "--tenant",
            "acme",
            "--scopes",
            "read:users",
            "--name",
            "support-bot",
            "--expires",
            "30",
        ],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let text = stdout(&created);
    let key = text
        .lines()
        .find_map(|l| l.strip_prefix("Access key: "))
        .unwrap()
        .to_owned();
    assert!(key.starts_with("mcpgw_"));
    let id = text
        .split_whitespace()
        .find(|w| w.starts_with("key_"))
        .unwrap()
        .to_owned();

    let listed = stdout(&gateway(&config, &["keys", "list"]));
    assert!(
        listed.contains(&id) && listed.contains("support-bot") && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(&key), "keys list printed a key");

    let beyond = gateway(
        &config,
        &[
            "keys",
            "create",
            "--tenant",
            "acme",
            "--scopes",
            "delete:users",
        ],
    );
    assert!(!beyond.status.success());
    assert!(String::from_utf8_lossy(&beyond.stderr).contains("does not allow delete:users"));

    assert!(gateway(&config, &["keys", "revoke", &id]).status.success());
    assert!(stdout(&gateway(&config, &["keys", "list", "--tenant", "acme"])).contains("revoked"));
    assert_eq!(
        gateway(&config, &["keys", "revoke", &id]).status.code(),
        Some(2)
    );

    let database = std::fs::read(dir.path().join("gateway.db")).unwrap();
    assert!(
        !database.windows(key.len()).any(|w| w == key.as_bytes()),
        "the key is stored in plaintext"
    );
}
