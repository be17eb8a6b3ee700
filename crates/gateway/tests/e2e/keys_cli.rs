//! `mcp-gateway keys create|list|revoke` against a configuration's store.

use crate::harness::world;

#[tokio::test]
async fn keys_are_created_once_listed_without_the_key_and_revoked() {
    let world = world().scopes("openid,read:users,read:roles").build().await;

    let (status, text, err) = world
        .run(&[
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
        ])
        .await;
    assert!(status.success(), "{err}");
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

    let (_, listed, _) = world.run(&["keys", "list"]).await;
    assert!(
        listed.contains(&id) && listed.contains("support-bot") && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(&key), "keys list printed a key");

    let (status, _, err) = world
        .run(&[
            "keys",
            "create",
            "--tenant",
            "acme",
            "--scopes",
            "delete:users",
        ])
        .await;
    assert!(!status.success());
    assert!(err.contains("does not allow delete:users"));

    assert!(world.run(&["keys", "revoke", &id]).await.0.success());
    assert!(
        world
            .run(&["keys", "list", "--tenant", "acme"])
            .await
            .1
            .contains("revoked")
    );
    assert_eq!(world.run(&["keys", "revoke", &id]).await.0.code(), Some(2));

    let database = world.store_bytes();
    assert!(
        !database.windows(key.len()).any(|w| w == key.as_bytes()),
        "the key is stored in plaintext"
    );
}
