//! `mcp-gateway oauth-clients list|remove`: the registrations MCP clients made with the gateway's
//! authorization server, seen and pruned by the operator.

use std::path::Path;
use std::process::{Command, Output};

use gw_store::{NewClient, Store};

fn gateway(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env("CLIENTS_SECRET", "s3cret")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn oauth_clients_are_listed_and_removed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("gateway.db").display());
    let config = dir.path().join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[store]
url = "{url}"

[[tenants]]
name = "acme"
domain = "acme.eu.auth0.com"
client_id = "abc"
client_secret_env = "CLIENTS_SECRET"
scopes = ["openid", "read:users"]
"#
        ),
    )
    .unwrap();
    let store = Store::open(&url).await.unwrap();
    let mut ids = Vec::new();
    for (name, method) in [
        ("Claude\u{202E}edualC", "none"),
        ("Inspector", "client_secret_post"),
    ] {
        let (client, _) = store
            .register_client(
                NewClient {
                    auth_method: method.into(),
                    client_name: Some(name.into()),
                    redirect_uris: vec!["http://127.0.0.1:6274/cb".into()],
                },
                86_400,
            )
            .await
            .unwrap()
            .unwrap();
        ids.push(client.client_id);
    }

    let listed = gateway(&config, &["oauth-clients", "list"]);
    assert!(listed.status.success(), "{listed:?}");
    let text = stdout(&listed);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(&ids[0]) && text.contains(&ids[1]), "{text}");
    assert!(text.contains("never authorized, expires in 24 h"), "{text}");
    assert!(
        text.contains("Claude[U+202E]edualC"),
        "names are shown as they are: {text}"
    );
    assert!(!text.contains('\u{202E}'));
    assert!(!text.contains("mcpcs_"), "never a secret: {text}");

    let removed = gateway(&config, &["oauth-clients", "remove", &ids[0]]);
    assert!(removed.status.success(), "{removed:?}");
    assert!(stdout(&removed).contains(&format!("Removed {}", ids[0])));
    let text = stdout(&gateway(&config, &["oauth-clients", "list"]));
    assert!(!text.contains(&ids[0]) && text.contains(&ids[1]), "{text}");

    let again = gateway(&config, &["oauth-clients", "remove", &ids[0]]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("No registered client"));
}
