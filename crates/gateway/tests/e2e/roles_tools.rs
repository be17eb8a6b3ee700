//! Every role tool on its happy path, checked against the fake tenant's state.

use serde_json::json;

use crate::harness::{ids, world};

#[tokio::test]
async fn roles_are_listed_filtered_and_read() {
    let (_world, gateway) = world().stdio().await;
    let all = gateway.ok("auth0_list_roles", json!({})).await;
    assert_eq!(all["total"], 4);
    let filtered = gateway
        .ok("auth0_list_roles", json!({"name_filter": "supp"}))
        .await;
    assert_eq!(ids(&filtered, "id"), ["rol_support000000000"]);
    let role = gateway
        .ok("auth0_get_role", json!({"role_id": "rol_admin00000000000"}))
        .await;
    assert_eq!(role["name"], "admin");
    let users = gateway
        .ok(
            "auth0_list_role_users",
            json!({"role_id": "rol_admin00000000000"}),
        )
        .await;
    assert!(ids(&users, "user_id").contains(&"auth0|admin".to_owned()));
    let permissions = gateway
        .ok(
            "auth0_list_role_permissions",
            json!({"role_id": "rol_admin00000000000"}),
        )
        .await;
    assert!(!permissions["items"].as_array().unwrap().is_empty());
    gateway.stop().await;
}

#[tokio::test]
async fn a_role_is_created_updated_assigned_given_permissions_and_deleted() {
    let (world, gateway) = world().stdio().await;
    let created = gateway
        .ok(
            "auth0_create_role",
            json!({"name": "auditor", "description": "Reads reports"}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(world.fake.fake.role(&id).unwrap()["name"], "auditor");

    gateway
        .ok(
            "auth0_update_role",
            json!({"role_id": id, "description": "Reads all reports"}),
        )
        .await;
    assert_eq!(
        world.fake.fake.role(&id).unwrap()["description"],
        "Reads all reports"
    );

    gateway
        .ok(
            "auth0_assign_role_users",
            json!({"role_id": id, "users": ["auth0|carol"]}),
        )
        .await;
    assert!(world.fake.fake.user_roles("auth0|carol").contains(&id));

    let permission = json!({"resource_server_identifier": "https://api.example.com", "permission_name": "read:reports"});
    gateway
        .ok(
            "auth0_add_role_permissions",
            json!({"role_id": id, "permissions": [permission]}),
        )
        .await;
    assert_eq!(
        world.fake.fake.role_permissions(&id),
        [(
            "https://api.example.com".to_owned(),
            "read:reports".to_owned()
        )]
    );
    gateway
        .ok(
            "auth0_remove_role_permissions",
            json!({"role_id": id, "permissions": [permission]}),
        )
        .await;
    assert!(world.fake.fake.role_permissions(&id).is_empty());

    gateway
        .ok("auth0_delete_role", json!({"role_id": id}))
        .await;
    assert!(world.fake.fake.role(&id).is_none());
    gateway.stop().await;
}
