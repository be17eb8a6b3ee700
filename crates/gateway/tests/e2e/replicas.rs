//! Two `mcp-gateway serve` processes on one PostgreSQL store and one fake tenant behave as one
//! gateway: connect through A, call through B; revoke, refused on both at once; a hundred calls
//! split over both on an expired token make one refresh; A killed mid-load, B keeps serving.
//! Runs when `GATEWAY_TEST_POSTGRES` names a server (`.ci/run` sets it); reported ignored otherwise.

use std::time::Duration;

use gw_oauth::GrantMode::AuthorizationCode;
use rmcp::model::CallToolRequestParams;

use crate::harness::mcp::client;
use crate::harness::world;

#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL only: set GATEWAY_TEST_POSTGRES (.ci/run does)"
)]
async fn two_replicas_on_one_postgres_store_act_as_one_gateway() {
    let world = world()
        .grant(AuthorizationCode)
        .scopes("openid,email,offline_access,read:users,read:roles")
        .postgres()
        .stateless()
        .build()
        .await;
    let mut replicas = [world.serve().await, world.serve_another_replica().await];
    let (a, b) = (&replicas[0].base.clone(), &replicas[1].base.clone());

    // Connect through A with a token that expires at once; call through B.
    let connected = world
        .connect_with_expired_token(&format!("{a}/connect/acme"))
        .await;
    let user_key = connected["key"].as_str().unwrap().to_owned();

    // A hundred calls split over both replicas on the expired token: one refresh between them.
    let (on_a, on_b) = (client(a, &user_key).await, client(b, &user_key).await);
    let calls = (0..100).map(|i| {
        let client = if i % 2 == 0 { &on_a } else { &on_b };
        client.call_tool(CallToolRequestParams::new("auth0_list_roles"))
    });
    for result in futures::future::join_all(calls).await {
        let result = result.unwrap();
        assert_ne!(result.is_error, Some(true), "{:?}", result.content);
    }
    assert_eq!(world.stats().token_requests_for("refresh_token"), 1);

    // A killed in the middle of a load: B keeps answering.
    let load = (0..40).map(|_| on_b.call_tool(CallToolRequestParams::new("auth0_list_roles")));
    let load = futures::future::join_all(load);
    let kill = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        replicas[0].child.start_kill().unwrap();
    };
    let (results, ()) = tokio::join!(load, kill);
    for result in results {
        assert_ne!(result.unwrap().is_error, Some(true));
    }
    let after = on_b
        .call_tool(CallToolRequestParams::new("auth0_list_users"))
        .await
        .unwrap();
    assert_ne!(after.is_error, Some(true));

    // Revoked (through the store A and B share): refused by B within one second (B trusts a
    // resolved key for at most 500 ms without asking the store).
    let (status, _, err) = world
        .run(&[
            "connections",
            "revoke",
            connected["connection_id"].as_str().unwrap(),
        ])
        .await;
    assert!(status.success(), "{err}");
    let revoked_at = std::time::Instant::now();
    loop {
        let status = reqwest::Client::new()
            .post(format!("{b}/mcp"))
            .bearer_auth(&user_key)
            .header("accept", "application/json, text/event-stream")
            .json(&serde_json::json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
            .send()
            .await
            .unwrap()
            .status();
        if status == 401 {
            break;
        }
        assert!(
            revoked_at.elapsed() < Duration::from_secs(1),
            "B still accepts the revoked connection's key after one second ({status})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
