//! Every organization tool on its happy path, checked against the fake tenant's state.

use serde_json::json;

use crate::harness::{ids, world};

#[tokio::test]
async fn organizations_are_listed_by_checkpoint_and_by_page() {
    let (_world, gateway) = world().stdio().await;
    let mut seen = Vec::new();
    let mut page = gateway
        .ok("auth0_list_organizations", json!({"per_page": 2}))
        .await;
    loop {
        seen.extend(ids(&page, "id"));
        let Some(cursor) = page["next_cursor"].as_str().map(str::to_owned) else {
            break;
        };
        page = gateway
            .ok(
                "auth0_list_organizations",
                json!({"per_page": 2, "cursor": cursor}),
            )
            .await;
    }
    seen.sort();
    assert_eq!(seen.len(), 5, "{seen:?}");

    let by_page = gateway
        .ok(
            "auth0_list_organizations",
            json!({"page": 0, "per_page": 3, "sort": "name:1"}),
        )
        .await;
    assert_eq!(by_page["total"], 5);
    assert_eq!(by_page["has_more"], true);
    gateway.stop().await;
}

#[tokio::test]
async fn an_organization_is_read_by_id_or_name() {
    let (_world, gateway) = world().stdio().await;
    let by_id = gateway
        .ok(
            "auth0_get_organization",
            json!({"organization_id": "org_acme000000000000"}),
        )
        .await;
    let by_name = gateway
        .ok("auth0_get_organization", json!({"name": "acme"}))
        .await;
    assert_eq!(by_id, by_name);
    let both = gateway
        .err(
            "auth0_get_organization",
            json!({"organization_id": "org_acme000000000000", "name": "acme"}),
        )
        .await;
    assert!(both.contains("exactly one"), "{both}");
    gateway.stop().await;
}

#[tokio::test]
async fn an_organization_is_created_updated_given_members_and_deleted() {
    let (world, gateway) = world().stdio().await;
    let created = gateway
        .ok("auth0_create_organization", json!({"name": "wayne-enterprises", "display_name": "Wayne Enterprises", "metadata": {"tier": "gold"}}))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        world.fake.fake.organization(&id).unwrap()["display_name"],
        "Wayne Enterprises"
    );

    gateway
        .ok(
            "auth0_update_organization",
            json!({"organization_id": id, "display_name": "Wayne Ent."}),
        )
        .await;
    assert_eq!(
        world.fake.fake.organization(&id).unwrap()["display_name"],
        "Wayne Ent."
    );

    gateway
        .ok(
            "auth0_add_organization_members",
            json!({"organization_id": id, "members": ["auth0|alice", "auth0|bob"]}),
        )
        .await;
    let mut members = world.fake.fake.organization_members(&id);
    members.sort();
    assert_eq!(members, ["auth0|alice", "auth0|bob"]);
    let listed = gateway
        .ok(
            "auth0_list_organization_members",
            json!({"organization_id": id}),
        )
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);

    gateway
        .ok(
            "auth0_remove_organization_members",
            json!({"organization_id": id, "members": ["auth0|bob"]}),
        )
        .await;
    assert_eq!(world.fake.fake.organization_members(&id), ["auth0|alice"]);

    gateway
        .ok("auth0_delete_organization", json!({"organization_id": id}))
        .await;
    assert!(world.fake.fake.organization(&id).is_none());
    gateway.stop().await;
}

#[tokio::test]
async fn an_invalid_organization_name_is_refused_before_auth0_sees_it() {
    let (world, gateway) = world().stdio().await;
    let before = world.stats().total_management_requests();
    let message = gateway
        .err("auth0_create_organization", json!({"name": "Not Valid!"}))
        .await;
    assert!(message.contains("`name`"), "{message}");
    assert_eq!(world.stats().total_management_requests(), before);
    assert_eq!(world.fake.fake.counts().organizations, 5);
    gateway.stop().await;
}
