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
    crate::harness::mcp::tool_call("auth0_get_user", json!({"user_id": "auth0|bob"}))
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

/// A store outage delays records, never loses them: two replicas take calls while PostgreSQL is
/// away for 20 s (cut at a proxy; the shared server keeps running). Afterwards every call the
/// fake Auth0 saw has exactly one record, the refusals made meanwhile are recorded too, no call
/// waited past the acquire timeout, and `/readyz` followed the store both ways within 2 s.
#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL only: set GATEWAY_TEST_POSTGRES (.ci/run does)"
)]
async fn records_made_while_the_store_is_down_reach_it_once_it_is_back() {
    const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);
    const OUTAGE: Duration = Duration::from_secs(20);
    let world = world()
        .postgres_through_proxy()
        .store_acquire_timeout(ACQUIRE_TIMEOUT)
        .build()
        .await;
    let key = world.create_key().await;
    let replicas = [world.serve().await, world.serve_another_replica().await];

    // Four callers per replica, calling until told to stop; each call's time is kept.
    let stop = tokio_util::sync::CancellationToken::new();
    let mut callers = tokio::task::JoinSet::new();
    let mut clients = Vec::new();
    for served in &replicas {
        let client = crate::harness::mcp::client(&served.base, &key).await;
        for _ in 0..4 {
            let peer = client.peer().clone();
            let stop = stop.clone();
            callers.spawn(async move {
                let mut longest = Duration::ZERO;
                while !stop.is_cancelled() {
                    let started = std::time::Instant::now();
                    let answered =
                        tokio::time::timeout(Duration::from_secs(30), peer.call_tool(get_bob()))
                            .await;
                    longest = longest.max(started.elapsed());
                    if !matches!(answered, Ok(Ok(_))) {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
                longest
            });
        }
        clients.push(client);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    world.store_proxy().cut(Cut::Refused);
    let flipped = readyz_becomes(&replicas[0].base, 503).await;
    assert!(
        flipped <= Duration::from_secs(2),
        "/readyz failed after {flipped:?}"
    );
    for _ in 0..5 {
        let refused =
            crate::harness::mcp::initialize(&replicas[1].base, "mcpgw_nobody_knows_this_key").await;
        assert_eq!(refused.status(), 503);
    }
    tokio::time::sleep(OUTAGE).await;
    world.store_proxy().restore();
    let back = readyz_becomes(&replicas[0].base, 200).await;
    assert!(
        back <= Duration::from_secs(2),
        "/readyz recovered after {back:?}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.cancel();
    let mut longest = Duration::ZERO;
    while let Some(each) = callers.join_next().await {
        longest = longest.max(each.unwrap());
    }
    // A refused call takes the acquire timeout at most, plus a busy machine's margin.
    assert!(
        longest <= ACQUIRE_TIMEOUT + Duration::from_secs(3),
        "a call took {longest:?}"
    );

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
    assert!(
        unavailable >= 5,
        "the refusals during the outage: {unavailable}"
    );
    assert_eq!(calls.len() as u64, seen, "each call Auth0 saw, once");
    assert!(
        calls.iter().all(|(_, outcome)| outcome == "ok"),
        "{calls:?}"
    );
    drop(clients);
    for served in replicas {
        served.stop().await;
    }
}

/// How long until `/readyz` at `base` answers `status` (polled every 100 ms, at most 10 s).
async fn readyz_becomes(base: &str, status: u16) -> Duration {
    let started = std::time::Instant::now();
    let http = reqwest::Client::new();
    while started.elapsed() < Duration::from_secs(10) {
        let answered = http
            .get(format!("{base}/readyz"))
            .timeout(Duration::from_secs(3))
            .send()
            .await;
        if answered.is_ok_and(|r| r.status().as_u16() == status) {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
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
