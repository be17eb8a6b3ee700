//! Log and application tools on their happy paths, and that application secrets never come back.

use serde_json::json;

use crate::harness::{ids, world};

#[tokio::test]
async fn logs_are_searched_paged_read_and_followed_by_checkpoint() {
    let (_world, gateway) = world().stdio().await;
    let failed = gateway
        .ok(
            "auth0_list_logs",
            json!({"q": "type:\"f\"", "per_page": 100}),
        )
        .await;
    let events = failed["items"].as_array().unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["type"] == "f"), "{events:?}");

    let first = gateway.ok("auth0_list_logs", json!({"per_page": 10})).await;
    assert_eq!(first["has_more"], true);
    let second = gateway
        .ok("auth0_list_logs", json!({"cursor": first["next_cursor"]}))
        .await;
    assert_ne!(ids(&first, "log_id")[0], ids(&second, "log_id")[0]);

    let one_id = ids(&first, "log_id")[3].clone();
    let one = gateway.ok("auth0_get_log", json!({"log_id": one_id})).await;
    assert_eq!(one["log_id"], one_id.as_str());

    let oldest_first = gateway
        .ok(
            "auth0_list_logs",
            json!({"from": ids(&first, "log_id").last().unwrap(), "take": 5}),
        )
        .await;
    let after = ids(&oldest_first, "log_id");
    let mut sorted = after.clone();
    sorted.sort();
    assert_eq!(
        after, sorted,
        "checkpoint mode returns events in log_id order"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn applications_are_listed_read_and_updated_without_secrets() {
    let (world, gateway) = world().stdio().await;
    let spa_id = "AcmeSinglePageApp000000000000002";
    let listed = gateway
        .ok("auth0_list_clients", json!({"app_type": ["spa", "native"]}))
        .await;
    let mut listed_ids = ids(&listed, "client_id");
    listed_ids.sort();
    assert_eq!(listed_ids, ["AcmeMobileNativeApp0000000000004", spa_id]);

    let secret = world
        .fake
        .fake
        .client("AcmeDashboardRegularWeb000000001")
        .unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let all = gateway.ok("auth0_list_clients", json!({})).await;
    assert!(
        !all.to_string().contains(&secret),
        "a client secret leaked through auth0_list_clients"
    );
    let client = gateway
        .ok(
            "auth0_get_client",
            json!({"client_id": "AcmeDashboardRegularWeb000000001"}),
        )
        .await;
    assert!(
        !client.to_string().contains(&secret),
        "a client secret leaked through auth0_get_client"
    );

    let updated = gateway
        .ok("auth0_update_client", json!({"client_id": spa_id, "description": "The customer SPA", "callbacks": ["https://app.example.com/cb"]}))
        .await;
    assert_eq!(updated["description"], "The customer SPA");
    assert_eq!(
        world.fake.fake.client(spa_id).unwrap()["callbacks"],
        json!(["https://app.example.com/cb"])
    );

    let refused = gateway
        .err(
            "auth0_update_client",
            json!({"client_id": spa_id, "client_secret": "attacker-chosen"}),
        )
        .await;
    assert!(refused.contains("client_secret"), "{refused}");
    gateway.stop().await;
}

#[tokio::test]
async fn whoami_names_the_tenant_principal_and_scopes() {
    let (world, gateway) = world().stdio().await;
    let me = gateway.ok("auth0_whoami", json!({})).await;
    assert_eq!(me["tenant"], "acme");
    assert_eq!(me["domain"], world.fake.fake.domain());
    assert_eq!(me["principal_kind"], "local_operator");
    assert_eq!(me["grant"], "client_credentials");
    assert_eq!(me["scopes"].as_array().unwrap().len(), 22);
    assert_eq!(me["tools"].as_array().unwrap().len(), 37);
    gateway.stop().await;
}
