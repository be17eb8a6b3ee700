//! `mcp-gateway oauth-clients list|remove`: the registrations MCP clients made with the gateway's
//! authorization server, seen and pruned by the operator.

use gw_store::NewClient;

use crate::harness::world;

#[tokio::test]
async fn oauth_clients_are_listed_and_removed_from_the_command_line() {
    let world = world().build().await;
    let store = world.open_store().await;
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

    let (status, text, err) = world.run(&["oauth-clients", "list"]).await;
    assert!(status.success(), "{err}");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(&ids[0]) && text.contains(&ids[1]), "{text}");
    assert!(text.contains("never authorized, expires in 24 h"), "{text}");
    assert!(
        text.contains("Claude[U+202E]edualC"),
        "names are shown as they are: {text}"
    );
    assert!(!text.contains('\u{202E}'));
    assert!(!text.contains("mcpcs_"), "never a secret: {text}");

    let (status, removed, err) = world.run(&["oauth-clients", "remove", &ids[0]]).await;
    assert!(status.success(), "{err}");
    assert!(removed.contains(&format!("Removed {}", ids[0])));
    let (_, text, _) = world.run(&["oauth-clients", "list"]).await;
    assert!(!text.contains(&ids[0]) && text.contains(&ids[1]), "{text}");

    let (status, _, err) = world.run(&["oauth-clients", "remove", &ids[0]]).await;
    assert_eq!(status.code(), Some(2));
    assert!(err.contains("No registered client"));
}
