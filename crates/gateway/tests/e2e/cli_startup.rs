//! What an operator meets when starting the binary by hand: relative store paths mean "next to
//! the configuration file" whatever the working directory, commands say which store they opened,
//! and closing a terminal's input before any handshake is not a failure.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::harness::process::BIN;

fn run(cwd: &Path, config: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(cwd)
        .args(args)
        .arg("--config")
        .arg(config)
        .env("STARTUP_SECRET", "s3cret")
        .output()
        .unwrap()
}

fn config_with_relative_paths(dir: &Path) -> std::path::PathBuf {
    let config = dir.join("gateway.toml");
    std::fs::write(dir.join("store.key"), gw_oauth::TokenCipher::generate_key()).unwrap();
    std::fs::write(
        &config,
        r#"
[store]
url = "sqlite://gateway.db"
encryption_key_file = "store.key"

[[tenants]]
name = "acme"
domain = "acme.eu.auth0.com"
client_id = "abc"
client_secret_env = "STARTUP_SECRET"
scopes = ["openid", "read:users"]
"#,
    )
    .unwrap();
    config
}

#[test]
fn relative_store_paths_are_next_to_the_config_file_from_any_directory() {
    let home = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let config = config_with_relative_paths(home.path());

    let created = run(
        elsewhere.path(),
        &config,
        &[
            "keys",
            "create",
            "--tenant",
            "acme",
            "--scopes",
            "read:users",
            "--name",
            "bot",
        ],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(
        home.path().join("gateway.db").exists(),
        "the store is next to gateway.toml"
    );
    assert!(
        !elsewhere.path().join("gateway.db").exists(),
        "no second store in the working directory"
    );
    let stderr = String::from_utf8_lossy(&created.stderr);
    let store = home.path().canonicalize().unwrap().join("gateway.db");
    assert!(
        stderr.contains(&format!("Store: {}", store.display())),
        "the command says which store it opened: {stderr}"
    );

    // From the configuration's own directory, with a relative --config, the same key is there.
    let listed = run(home.path(), Path::new("gateway.toml"), &["keys", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("bot"));
    // The key file is found the same way by a command that needs it.
    let audit = run(elsewhere.path(), &config, &["connections", "list"]);
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
}

#[test]
fn input_ending_before_the_handshake_is_not_a_failure() {
    let output = Command::new(BIN)
        .args(["demo", "--stdio"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty(), "nothing on the protocol channel");
}
