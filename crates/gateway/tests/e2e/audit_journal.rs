//! The audit trail survives a crash (issue 22): `serve` is killed (SIGKILL) during a burst of
//! calls, and after it starts again every call the (fake) Auth0 saw has exactly one record —
//! `ok`, or `interrupted` when the process died before learning how the call ended.

use std::time::Duration;

use rmcp::model::CallToolRequestParams;
use serde_json::json;

use crate::harness::world;

const ROUTE: &str = "GET /api/v2/users/{id}";

fn get_bob() -> CallToolRequestParams {
    CallToolRequestParams::new("auth0_get_user")
        .with_arguments(json!({"user_id": "auth0|bob"}).as_object().unwrap().clone())
}

/// The tool-call records the store holds for `auth0_get_user`: (id, outcome).
async fn records(store: &gw_store::Store) -> Vec<(String, String)> {
    store
        .audit_since(0, Some("acme"), 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.tool == "auth0_get_user")
        .map(|r| (r.id, r.outcome.as_str().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_killed_gateway_loses_no_record_of_a_call_that_reached_auth0() {
    let world = world().build().await;
    let key = world.create_key().await;
    let mut served = world.serve().await;
    let client = crate::harness::mcp::client(&served.base, &key).await;

    // Sixteen callers at once, until the process is killed under them.
    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let peer = client.peer().clone();
        callers.spawn(async move {
            // A call to a killed gateway may never be answered: each gets a few seconds.
            while let Ok(Ok(_)) =
                tokio::time::timeout(Duration::from_secs(5), peer.call_tool(get_bob())).await
            {}
        });
    }
    let fake = world.fake.fake.clone();
    tokio::time::timeout(Duration::from_secs(30), async {
        while fake.stats().management_requests_for(ROUTE) < 150 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the burst reached Auth0");
    served.child.start_kill().unwrap();
    served.exited().await;
    while callers.join_next().await.is_some() {}
    let seen = fake.stats().management_requests_for(ROUTE);

    // The next start hands the store what the journal kept.
    let served = world.serve().await;
    let store = world.open_store().await;
    let mut kept = Vec::new();
    for _ in 0..100 {
        kept = records(&store).await;
        if kept.len() as u64 >= seen {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        kept.len() as u64 >= seen,
        "Auth0 saw {seen} calls, the audit log holds {} records",
        kept.len()
    );
    let mut ids: Vec<&String> = kept.iter().map(|(id, _)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), kept.len(), "no record twice");
    assert!(
        kept.iter()
            .all(|(_, outcome)| outcome == "ok" || outcome == "interrupted"),
        "{kept:?}"
    );
    // At most the calls in flight at the kill can have started without Auth0 seeing them.
    assert!(kept.len() as u64 <= seen + 16, "{} records for {seen} calls", kept.len());
    served.stop().await;
}
