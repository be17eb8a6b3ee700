//! Auth0 misbehaving, end to end through the real binary and the fake tenant's fault injection:
//! reads ride out 5xx bursts and dropped connections, a malformed answer is a clear tool error and
//! the next call works, and a write is never sent twice — when its outcome is unknown the model is
//! told so and how to check. (Rate limits: `upstream_errors.rs`; timeouts and every retry rule:
//! `crates/auth0/tests/retries.rs`.)

use fake_auth0::{Fault, FaultKind};
use serde_json::json;

use crate::harness::{World, world};

fn fault(method: &str, path: &str, kind: FaultKind, times: u32) -> Fault {
    Fault {
        method: Some(method.into()),
        path_prefix: path.into(),
        kind,
        times: Some(times),
    }
}

fn sent(world: &World, route: &str) -> u64 {
    world.stats().management_requests_for(route)
}

#[tokio::test]
async fn a_read_rides_out_a_burst_of_5xx() {
    let (world, gateway) = world().stdio().await;
    let before = sent(&world, "GET /api/v2/users/{id}");
    world
        .fake
        .fake
        .add_fault(fault("GET", "/api/v2/users/", FaultKind::Status(503), 2));
    let user = gateway
        .ok("auth0_get_user", json!({"user_id": "auth0|admin"}))
        .await;
    assert_eq!(user["user_id"], "auth0|admin");
    assert_eq!(
        sent(&world, "GET /api/v2/users/{id}") - before,
        3,
        "two 503s, then the answer"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn a_read_whose_connection_drops_is_retried() {
    let (world, gateway) = world().stdio().await;
    world
        .fake
        .fake
        .add_fault(fault("GET", "/api/v2/roles", FaultKind::DropConnection, 1));
    let roles = gateway.ok("auth0_list_roles", json!({})).await;
    assert_eq!(roles["total"], 4);
    gateway.stop().await;
}

#[tokio::test]
async fn a_malformed_answer_is_a_clear_tool_error_and_the_next_call_works() {
    let (world, gateway) = world().stdio().await;
    world
        .fake
        .fake
        .add_fault(fault("GET", "/api/v2/roles", FaultKind::MalformedBody, 1));
    let message = gateway.err("auth0_list_roles", json!({})).await;
    assert!(message.starts_with("The call to Auth0 failed"), "{message}");
    assert!(message.contains("Try again"), "{message}");
    let roles = gateway.ok("auth0_list_roles", json!({})).await;
    assert_eq!(roles["total"], 4);
    gateway.stop().await;
}

#[tokio::test]
async fn a_write_whose_connection_drops_is_sent_once_and_its_outcome_called_unknown() {
    let (world, gateway) = world().stdio().await;
    let users_before = world.fake.fake.counts().users;
    let posts_before = sent(&world, "POST /api/v2/users");
    world
        .fake
        .fake
        .add_fault(fault("POST", "/api/v2/users", FaultKind::DropConnection, 1));
    let message = gateway
        .err(
            "auth0_create_user",
            json!({"connection": "Username-Password-Authentication",
                   "email": "once@example.com", "password": "Str0ng!passw0rd-1"}),
        )
        .await;
    assert!(message.contains("unknown"), "{message}");
    assert!(
        message.contains("Do not simply repeat the call"),
        "{message}"
    );
    assert!(!message.contains("Str0ng!passw0rd-1"), "{message}");
    assert_eq!(
        sent(&world, "POST /api/v2/users") - posts_before,
        1,
        "never sent twice"
    );
    assert_eq!(world.fake.fake.counts().users, users_before);
    gateway.stop().await;
}

#[tokio::test]
async fn a_5xx_on_a_write_is_not_retried() {
    let (world, gateway) = world().stdio().await;
    let before = sent(&world, "POST /api/v2/roles");
    world
        .fake
        .fake
        .add_fault(fault("POST", "/api/v2/roles", FaultKind::Status(503), 1));
    let message = gateway
        .err("auth0_create_role", json!({"name": "auditors"}))
        .await;
    assert!(message.starts_with("Auth0 answered 503"), "{message}");
    assert_eq!(sent(&world, "POST /api/v2/roles") - before, 1);
    let roles = gateway.ok("auth0_list_roles", json!({})).await;
    assert_eq!(roles["total"], 4, "nothing was created");
    gateway.stop().await;
}
