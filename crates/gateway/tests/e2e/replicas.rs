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

/// An approval given once is spent once, whichever replica the repeats reach and however they
/// race: approve through the CLI, repeat the call on A and B at the same time, one runs.
#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL only: set GATEWAY_TEST_POSTGRES (.ci/run does)"
)]
async fn an_approval_runs_its_call_once_across_replicas_even_when_repeats_race() {
    let world = world()
        .policies(
            r#"
[[tenants.policies]]
name = "deletes need a yes"
tools = ["auth0_delete_user"]
action = "approve"
approvers = ["sec@example.com"]
"#,
        )
        .postgres()
        .stateless()
        .build()
        .await;
    let replicas = [world.serve().await, world.serve_another_replica().await];
    let key = world.create_key().await;
    let (on_a, on_b) = (
        client(&replicas[0].base, &key).await,
        client(&replicas[1].base, &key).await,
    );
    let delete = || {
        CallToolRequestParams::new("auth0_delete_user").with_arguments(
            serde_json::json!({"user_id": "auth0|bob"})
                .as_object()
                .unwrap()
                .clone(),
        )
    };
    let asked = crate::harness::text(&on_a.call_tool(delete()).await.unwrap());
    let start = asked.find("preq_").expect("a request id");
    let id: String = asked[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    // Asking again through B finds the same request.
    let again = crate::harness::text(&on_b.call_tool(delete()).await.unwrap());
    assert!(again.contains(&id), "{again}");
    let (status, _, err) = world.run(&["approvals", "approve", &id]).await;
    assert!(status.success(), "{err}");

    let (first, second) = tokio::join!(on_a.call_tool(delete()), on_b.call_tool(delete()));
    let ran: Vec<bool> = [first.unwrap(), second.unwrap()]
        .iter()
        .map(|result| result.is_error != Some(true))
        .collect();
    assert_eq!(
        ran.iter().filter(|ran| **ran).count(),
        1,
        "exactly one repeat runs: {ran:?}"
    );
    assert_eq!(
        world
            .stats()
            .management_requests_for("DELETE /api/v2/users/{id}"),
        1
    );
    assert!(world.fake.fake.user("auth0|bob").is_none());
}
