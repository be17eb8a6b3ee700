//! The tenant's Management API token: fetched once, reused, refreshed once however many calls
//! find it expired at the same moment.

use std::time::Duration;

use serde_json::json;

use crate::harness::world;

#[tokio::test]
async fn fifty_concurrent_calls_on_an_expired_token_cause_exactly_one_token_request() {
    let world = world().build().await;
    world.fake.fake.set_access_token_ttl(Duration::from_secs(2));
    let gateway = world.stdio().await;
    gateway
        .ok("auth0_get_user", json!({"user_id": "auth0|admin"}))
        .await;
    assert_eq!(world.stats().token_requests_for("client_credentials"), 1);

    // Let the token pass its refresh point (a tenth of its lifetime before expiry).
    tokio::time::sleep(Duration::from_millis(2_100)).await;

    let calls = (0..50).map(|_| gateway.call("auth0_get_user", json!({"user_id": "auth0|admin"})));
    let results = futures::future::join_all(calls).await;
    for result in &results {
        assert_ne!(
            result.is_error,
            Some(true),
            "{}",
            crate::harness::text(result)
        );
    }
    assert_eq!(
        world.stats().token_requests_for("client_credentials"),
        2,
        "one refresh for fifty waiting calls"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn the_token_is_reused_across_calls() {
    let (world, gateway) = world().stdio().await;
    for _ in 0..5 {
        gateway.ok("auth0_list_roles", json!({})).await;
    }
    assert_eq!(world.stats().token_requests_for("client_credentials"), 1);
    gateway.stop().await;
}
