//! The audit trail survives a crash (issue 22): `serve` is killed (SIGKILL) during a burst of
//! calls, and after it starts again every call the (fake) Auth0 saw has exactly one record —
//! `ok`, or `interrupted` when the process died before learning how the call ended.

use std::time::Duration;

use rmcp::model::CallToolRequestParams;
use serde_json::json;

use crate::harness::store_proxy::Cut;
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
            {
            }
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
    assert!(
        kept.len() as u64 <= seen + 16,
        "{} records for {seen} calls",
        kept.len()
    );
    served.stop().await;
}

/// A store outage delays records, never loses them: what happens while PostgreSQL is away (a
/// call by a key resolved moments before, refusals of keys nobody can check now) is in the
/// journal, and in the store once it is back — each record once.
#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL only: set GATEWAY_TEST_POSTGRES (.ci/run does)"
)]
async fn records_made_while_the_store_is_down_reach_it_once_it_is_back() {
    let world = world()
        .postgres_through_proxy()
        .store_acquire_timeout(Duration::from_secs(1))
        .build()
        .await;
    let key = world.create_key().await;
    let served = world.serve().await;
    let client = crate::harness::mcp::client(&served.base, &key).await;
    client.call_tool(get_bob()).await.unwrap();

    world.store_proxy().cut(Cut::Refused);
    // The key was resolved moments ago: this call may still run, and if it does, it is recorded.
    let _ = client.call_tool(get_bob()).await;
    for _ in 0..5 {
        let refused =
            crate::harness::mcp::initialize(&served.base, "mcpgw_nobody_knows_this_key").await;
        assert_eq!(refused.status(), 503);
    }
    // The audit writer tries the store meanwhile, and fails.
    tokio::time::sleep(Duration::from_secs(3)).await;
    world.store_proxy().restore();

    let seen = world.fake.fake.stats().management_requests_for(ROUTE);
    let store = world.open_store().await;
    let mut unavailable = 0;
    let mut calls = Vec::new();
    for _ in 0..200 {
        let all = store.audit_since(0, None, 100_000).await.unwrap();
        unavailable = all
            .iter()
            .filter(|r| r.outcome == "store_unavailable")
            .count();
        calls = records(&store).await;
        if unavailable >= 5 && calls.len() as u64 >= seen {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(unavailable, 5, "each refusal during the outage, once");
    assert_eq!(
        calls.len() as u64,
        seen,
        "each call Auth0 saw, once: {calls:?}"
    );
    assert!(
        calls.iter().all(|(_, outcome)| outcome == "ok"),
        "{calls:?}"
    );
    served.stop().await;
}

/// A journal that cannot keep records (full here: smaller than one record) stops every call
/// before it reaches Auth0, tells the model why, and makes `/readyz` fail.
#[tokio::test]
async fn without_room_in_the_journal_no_call_runs_and_readyz_says_why() {
    let world = world().journal_max_bytes(100).build().await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,read:users").await;
    let client = gateway.mcp_client(key.expose_secret()).await;

    let result = client.call_tool(get_bob()).await.unwrap();
    assert_eq!(result.is_error, Some(true));
    let said = crate::harness::text(&result);
    assert!(said.contains("cannot keep the audit record"), "{said}");
    assert_eq!(world.fake.fake.stats().management_requests_for(ROUTE), 0);

    let ready = reqwest::get(gateway.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert!(
        body["audit_journal"]
            .as_str()
            .unwrap()
            .starts_with("failing"),
        "{body}"
    );
    gateway.stop().await;
}
