//! Auth0's errors reach the model as tool errors it can act on; rate limits are waited out
//! within a budget; bad arguments change nothing.

use std::time::Duration;

use fake_auth0::{Fault, FaultKind};
use serde_json::json;

use crate::harness::world;

#[tokio::test]
async fn a_missing_user_is_a_404_tool_error_with_advice() {
    let (_world, gateway) = world().stdio().await;
    let message = gateway
        .err("auth0_get_user", json!({"user_id": "auth0|nobody"}))
        .await;
    assert!(message.contains("404"), "{message}");
    assert!(message.contains("inexistent_user"), "{message}");
    assert!(message.contains("The user does not exist."), "{message}");
    gateway.stop().await;
}

#[tokio::test]
async fn a_duplicate_role_is_a_409_tool_error() {
    let (world, gateway) = world().stdio().await;
    let message = gateway
        .err("auth0_create_role", json!({"name": "admin"}))
        .await;
    assert!(message.contains("409"), "{message}");
    assert!(message.contains("already exists"), "{message}");
    assert_eq!(world.fake.fake.counts().roles, 4);
    gateway.stop().await;
}

#[tokio::test]
async fn insufficient_scope_names_the_gateway_scope_to_grant() {
    let (world, gateway) = world().stdio().await;
    world.fake.fake.add_fault(Fault {
        method: Some("POST".into()),
        path_prefix: "/api/v2/organizations/org_acme000000000000/members".into(),
        kind: FaultKind::InsufficientScope {
            expected: vec!["create:organization_members".into()],
        },
        times: None,
    });
    let message = gateway
        .err(
            "auth0_add_organization_members",
            json!({"organization_id": "org_acme000000000000", "members": ["auth0|carol"]}),
        )
        .await;
    assert!(message.contains("403"), "{message}");
    assert!(message.contains("insufficient_scope"), "{message}");
    assert!(message.contains("manage:organization_members"), "{message}");
    gateway.stop().await;
}

#[tokio::test]
async fn paging_past_the_first_1000_users_is_a_400_tool_error() {
    let (_world, gateway) = world().stdio().await;
    let message = gateway
        .err("auth0_list_users", json!({"page": 10, "per_page": 100}))
        .await;
    assert!(message.contains("400"), "{message}");
    assert!(message.contains("first 1000 records"), "{message}");
    gateway.stop().await;
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_until_the_reset_and_then_succeeds() {
    let (world, gateway) = world().stdio().await;
    world.fake.fake.add_fault(Fault {
        method: Some("GET".into()),
        path_prefix: "/api/v2/roles".into(),
        kind: FaultKind::RateLimit {
            reset_after: Duration::from_secs(1),
        },
        times: Some(1),
    });
    let before = world.stats().management_requests_for("GET /api/v2/roles");
    let roles = gateway.ok("auth0_list_roles", json!({})).await;
    assert_eq!(roles["total"], 4);
    assert_eq!(
        world.stats().management_requests_for("GET /api/v2/roles") - before,
        2,
        "one 429, one retry"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn a_persistent_rate_limit_says_when_to_retry() {
    let (world, gateway) = world().stdio().await;
    world.fake.fake.add_fault(Fault {
        method: None,
        path_prefix: "/api/v2/logs".into(),
        kind: FaultKind::RateLimit {
            reset_after: Duration::from_secs(120),
        },
        times: None,
    });
    let message = gateway.err("auth0_list_logs", json!({})).await;
    assert!(message.contains("rate limit"), "{message}");
    let seconds: u64 = message
        .split("Retry after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no retry time in: {message}"));
    assert!((100..=121).contains(&seconds), "{message}");
    gateway.stop().await;
}

#[tokio::test]
async fn bad_arguments_are_refused_and_change_nothing() {
    let (world, gateway) = world().stdio().await;
    let requests_before = world.stats().total_management_requests();
    let users_before = world.fake.fake.counts().users;

    let cases = [
        (
            "auth0_create_user",
            json!({"connection": "Username-Password-Authentication", "email": "x@example.com", "phone_number": "555-1234"}),
            "phone_number",
        ),
        (
            "auth0_create_user",
            json!({"email": "x@example.com"}),
            "connection",
        ),
        (
            "auth0_create_user",
            json!({"connection": "Username-Password-Authentication", "email": "not-an-email"}),
            "email",
        ),
        ("auth0_list_users", json!({"per_page": 500}), "per_page"),
        (
            "auth0_delete_user",
            json!({"user_id": "auth0|alice", "force": true}),
            "force",
        ),
        (
            "auth0_assign_user_roles",
            json!({"user_id": "auth0|alice", "roles": []}),
            "roles",
        ),
        (
            "auth0_add_organization_members",
            json!({"organization_id": "org_acme000000000000", "members": (0..11).map(|i| format!("auth0|u{i}")).collect::<Vec<_>>()}),
            "members",
        ),
        (
            "auth0_update_user",
            json!({"user_id": "auth0|alice"}),
            "nothing to update",
        ),
        ("auth0_list_users", json!({"cursor": "forged"}), "cursor"),
        ("auth0_get_user", json!({"user_id": 42}), "user_id"),
    ];
    for (tool, arguments, mentions) in cases {
        let message = gateway.err(tool, arguments.clone()).await;
        assert!(
            message.starts_with("Invalid arguments"),
            "{tool} {arguments}: {message}"
        );
        assert!(
            message.contains(mentions),
            "{tool} {arguments}: {message} (should mention {mentions})"
        );
    }
    assert_eq!(
        world.stats().total_management_requests(),
        requests_before,
        "a refused call reached Auth0"
    );
    assert_eq!(world.fake.fake.counts().users, users_before);
    assert!(world.fake.fake.user("auth0|alice").is_some());
    gateway.stop().await;
}

#[tokio::test]
async fn a_password_in_refused_arguments_is_not_echoed() {
    let (_world, gateway) = world().stdio().await;
    let password = "Hunter2-but-way-too-long-".repeat(10);
    let message = gateway
        .err("auth0_create_user", json!({"connection": "Username-Password-Authentication", "email": "p@example.com", "password": password}))
        .await;
    assert!(message.contains("password"), "{message}");
    assert!(!message.contains("Hunter2"), "{message}");
    gateway.stop().await;
}
