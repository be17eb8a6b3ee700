//! Every user tool on its happy path, checked against the fake tenant's state.

use serde_json::json;

use crate::harness::{ids, world};

#[tokio::test]
async fn users_can_be_listed_searched_and_paged_with_the_cursor() {
    let (_world, gateway) = world().stdio().await;
    let first = gateway
        .ok("auth0_list_users", json!({"per_page": 15}))
        .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 15);
    assert_eq!(first["total"], 40);
    assert_eq!(first["has_more"], true);
    let mut seen = ids(&first, "user_id");
    let mut cursor = first["next_cursor"].as_str().unwrap().to_owned();
    loop {
        let page = gateway
            .ok(
                "auth0_list_users",
                json!({"per_page": 15, "cursor": cursor}),
            )
            .await;
        seen.extend(ids(&page, "user_id"));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => {
                assert_eq!(page["has_more"], false);
                break;
            }
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 40, "paging must visit every user exactly once");

    // A model that sends null for the arguments it leaves out is understood.
    let with_nulls = gateway
        .ok(
            "auth0_list_users",
            json!({"q": "blocked:true", "cursor": null, "page": null, "sort": null}),
        )
        .await;
    assert_eq!(with_nulls["items"].as_array().unwrap().len(), 4);

    let blocked = gateway
        .ok("auth0_list_users", json!({"q": "blocked:true"}))
        .await;
    assert_eq!(blocked["items"].as_array().unwrap().len(), 4);
    gateway.stop().await;
}

#[tokio::test]
async fn a_user_is_read_by_id_and_by_email_without_idp_tokens() {
    let (world, gateway) = world().stdio().await;
    let admin = gateway
        .ok("auth0_get_user", json!({"user_id": "auth0|admin"}))
        .await;
    assert_eq!(admin["email"], "admin@example.com");

    let social = "google-oauth2|100000000000000000001";
    assert!(
        world.fake.fake.user(social).unwrap()["identities"][0]
            .get("access_token")
            .is_some(),
        "the seed has IdP tokens"
    );
    let user = gateway
        .ok("auth0_get_user", json!({"user_id": social}))
        .await;
    assert!(
        user["identities"][0].get("access_token").is_none(),
        "IdP tokens leaked through auth0_get_user"
    );
    let listed = gateway
        .ok(
            "auth0_list_users",
            json!({"q": "identities.connection:\"google-oauth2\""}),
        )
        .await;
    assert!(
        !listed.to_string().contains("access_token"),
        "IdP tokens leaked through auth0_list_users"
    );

    let found = gateway
        .ok(
            "auth0_find_users_by_email",
            json!({"email": "admin@example.com"}),
        )
        .await;
    assert_eq!(found["users"][0]["user_id"], "auth0|admin");
    gateway.stop().await;
}

#[tokio::test]
async fn idp_tokens_come_only_from_their_own_tool() {
    let (world, gateway) = world().stdio().await;
    let social = "google-oauth2|100000000000000000001";
    let expected = world.fake.fake.user(social).unwrap()["identities"][0]["access_token"].clone();
    let tokens = gateway
        .ok("auth0_get_user_idp_tokens", json!({"user_id": social}))
        .await;
    assert_eq!(tokens["identities"][0]["access_token"], expected);
    assert_eq!(tokens["identities"][0]["provider"], "google-oauth2");
    gateway.stop().await;
}

#[tokio::test]
async fn a_user_is_created_updated_and_deleted() {
    let (world, gateway) = world().stdio().await;
    let created = gateway
        .ok(
            "auth0_create_user",
            json!({
                "connection": "Username-Password-Authentication",
                "email": "New.Person@Example.com",
                "password": "Correct-Horse-Battery-9",
                "given_name": "New",
                "user_metadata": {"theme": "dark", "lang": "en"}
            }),
        )
        .await;
    let id = created["user_id"].as_str().unwrap().to_owned();
    assert_eq!(
        world.fake.fake.user(&id).unwrap()["email"],
        "new.person@example.com"
    );
    assert!(
        !created.to_string().contains("Correct-Horse"),
        "the password came back in the result"
    );

    let updated = gateway
        .ok("auth0_update_user", json!({"user_id": id, "blocked": true, "given_name": null, "user_metadata": {"theme": "light", "lang": null}}))
        .await;
    assert_eq!(updated["blocked"], true);
    let stored = world.fake.fake.user(&id).unwrap();
    assert_eq!(stored["blocked"], true);
    assert!(
        stored.get("given_name").is_none(),
        "null must unset given_name"
    );
    assert_eq!(stored["user_metadata"], json!({"theme": "light"}));

    let deleted = gateway
        .ok("auth0_delete_user", json!({"user_id": id}))
        .await;
    assert_eq!(deleted["deleted"], true);
    assert!(world.fake.fake.user(&id).is_none());
    gateway.stop().await;
}

#[tokio::test]
async fn roles_are_assigned_listed_and_removed_for_a_user() {
    let (world, gateway) = world().stdio().await;
    let user = "auth0|alice";
    let role = "rol_billing000000000";
    assert!(!world.fake.fake.user_roles(user).contains(&role.to_owned()));
    gateway
        .ok(
            "auth0_assign_user_roles",
            json!({"user_id": user, "roles": [role]}),
        )
        .await;
    assert!(world.fake.fake.user_roles(user).contains(&role.to_owned()));
    let listed = gateway
        .ok("auth0_list_user_roles", json!({"user_id": user}))
        .await;
    assert!(ids(&listed, "id").contains(&role.to_owned()));
    gateway
        .ok(
            "auth0_remove_user_roles",
            json!({"user_id": user, "roles": [role]}),
        )
        .await;
    assert!(!world.fake.fake.user_roles(user).contains(&role.to_owned()));
    gateway.stop().await;
}

#[tokio::test]
async fn permissions_organizations_and_logs_of_a_user_are_listed() {
    let (_world, gateway) = world().stdio().await;
    let permissions = gateway
        .ok(
            "auth0_list_user_permissions",
            json!({"user_id": "auth0|bob"}),
        )
        .await;
    let names: Vec<_> = permissions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["permission_name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"write:reports"), "{names:?}");

    let orgs = gateway
        .ok(
            "auth0_list_user_organizations",
            json!({"user_id": "auth0|admin"}),
        )
        .await;
    let mut org_ids = ids(&orgs, "id");
    org_ids.sort();
    assert_eq!(org_ids, ["org_acme000000000000", "org_globex0000000000"]);

    let logs = gateway
        .ok(
            "auth0_list_user_logs",
            json!({"user_id": "auth0|admin", "per_page": 5}),
        )
        .await;
    for event in logs["items"].as_array().unwrap() {
        assert_eq!(event["user_id"], "auth0|admin");
    }
    gateway.stop().await;
}
