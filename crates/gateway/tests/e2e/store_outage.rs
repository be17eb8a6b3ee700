//! A store outage under `serve`, played at a proxy between the gateway and PostgreSQL (the
//! server itself is shared with other tests, so it is never stopped): every door that needs the
//! store refuses with 503 and `Retry-After` within the acquire timeout instead of hanging,
//! `/readyz` says so within a second and flips back once the store answers, `/healthz` never
//! notices, and calls work again after the store is back. Once with the server gone (connections
//! closed) and once with the network swallowing everything (only the gateway's deadlines end its
//! waits). Runs when `GATEWAY_TEST_POSTGRES` names a server (`.ci/run` sets it).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use rmcp::model::CallToolRequestParams;

use crate::harness::mcp::client;
use crate::harness::process::Served;
use crate::harness::store_proxy::Cut;
use crate::harness::world;

/// `[store] acquire_timeout_ms` here: longer than `/readyz`'s own deadline, so a quick `/readyz`
/// shows that deadline at work rather than the acquire timeout.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
/// What a refusal may take beyond the acquire timeout on a busy machine. A request used to wait
/// the pool's 10 s.
const MARGIN: Duration = Duration::from_secs(3);
/// How long `/readyz` may take to answer: Kubernetes gives a probe one second by default; the
/// rest is a busy machine's margin. Without its own deadline it would take the acquire timeout.
const PROBE_ANSWERS_WITHIN: Duration = Duration::from_millis(1500);
/// How soon `/readyz` follows the store going and coming back.
const READYZ_FLIPS_WITHIN: Duration = Duration::from_secs(2);
/// How long a resolved key is trusted without the store (`credential_cache.rs`), and a bit.
const CREDENTIAL_MEMORY: Duration = Duration::from_millis(700);

#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL only: set GATEWAY_TEST_POSTGRES (.ci/run does)"
)]
async fn with_the_store_server_gone_requests_are_refused_at_once_and_work_again_after() {
    outage(Cut::Refused).await;
}

#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL only: set GATEWAY_TEST_POSTGRES (.ci/run does)"
)]
async fn with_the_network_to_the_store_silent_requests_are_refused_within_the_timeout() {
    outage(Cut::Blackholed).await;
}

async fn outage(cut: Cut) {
    let world = world()
        .postgres_through_proxy()
        .store_acquire_timeout(ACQUIRE_TIMEOUT)
        .portal()
        .build()
        .await;
    let key = world.create_key().await;
    let served = world.serve().await;
    assert_eq!(readyz(&served).await.0, StatusCode::OK);
    call_works(&served, &key).await;

    world.store_proxy().cut(cut);
    let cut_at = Instant::now();
    let flipped = readyz_until(&served, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(
        flipped <= READYZ_FLIPS_WITHIN,
        "{cut:?}: /readyz failed {flipped:?} after the cut"
    );
    let (_, body) = readyz(&served).await;
    assert_eq!(body["ready"], false, "{body}");
    assert!(body["store"].is_string(), "{body}");

    // Probes arriving together during the outage do not queue behind each other's pings.
    let probes = futures::future::join_all((0..20).map(|_| readyz(&served))).await;
    for (status, _) in probes {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }

    let healthz = timed(reqwest::Client::new().get(served.url("/healthz"))).await;
    assert_eq!(
        healthz.status,
        StatusCode::OK,
        "/healthz never asks the store"
    );

    // The key resolved before the cut is remembered briefly; after that it needs the store.
    tokio::time::sleep(CREDENTIAL_MEMORY.saturating_sub(cut_at.elapsed())).await;
    for (door, request) in doors(&served, &key) {
        let answer = timed(request).await;
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{cut:?}: {door}: {}",
            answer.body
        );
        assert_eq!(
            answer.retry_after.as_deref(),
            Some("5"),
            "{cut:?}: {door} says when to come back"
        );
        assert!(
            answer.took <= ACQUIRE_TIMEOUT + MARGIN,
            "{cut:?}: {door} took {:?}",
            answer.took
        );
        assert!(
            !answer.body.contains("postgres://"),
            "{cut:?}: {door} shows no store URL: {}",
            answer.body
        );
    }

    world.store_proxy().restore();
    let recovered = readyz_until(&served, StatusCode::OK).await;
    assert!(
        recovered <= READYZ_FLIPS_WITHIN,
        "{cut:?}: /readyz recovered {recovered:?} after the restore"
    );
    call_works(&served, &key).await;
}

/// Every door that needs the store, each with a request that reaches it.
fn doors(served: &Served, key: &str) -> Vec<(&'static str, reqwest::RequestBuilder)> {
    let http = crate::harness::step_client();
    let mcp = http
        .post(served.url("/mcp"))
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .json(&crate::harness::mcp::initialize_request());
    let register = http.post(served.url("/register")).json(&serde_json::json!({
        "client_name": "outage test",
        "redirect_uris": ["http://127.0.0.1:9/callback"],
    }));
    let token = http.post(served.url("/token")).form(&[
        ("grant_type", "authorization_code"),
        ("code", "mcpac_unknown"),
        ("client_id", "mcpc_unknown"),
        ("redirect_uri", "http://127.0.0.1:9/callback"),
        (
            "code_verifier",
            "a-verifier-that-is-long-enough-to-count-0123456789",
        ),
    ]);
    let authorize = http.get(served.url(
        "/authorize?response_type=code&client_id=mcpc_unknown&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&code_challenge=abc&code_challenge_method=S256",
    ));
    let connect = http.get(served.url("/connect/acme"));
    let callback = http.get(served.url("/integration-callback?state=a-sign-in&code=a-code"));
    let approval = http.get(served.url("/approvals/preq_abcdefghijklmnopqrstuvwx"));
    let portal = http
        .get(served.url("/admin"))
        .header("cookie", "mcpgw_admin=an-old-session");
    vec![
        ("/mcp (the bearer check)", mcp),
        ("/register", register),
        ("/token", token),
        ("/authorize", authorize),
        ("/connect/acme", connect),
        ("/integration-callback", callback),
        ("the approval page", approval),
        ("the portal", portal),
    ]
}

async fn call_works(served: &Served, key: &str) {
    let client = client(&served.base, key).await;
    let result = client
        .call_tool(CallToolRequestParams::new("auth0_list_users"))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{:?}", result.content);
}

/// `/readyz`'s status and body, checking it answered within [`PROBE_ANSWERS_WITHIN`].
async fn readyz(served: &Served) -> (StatusCode, serde_json::Value) {
    let answer = timed(reqwest::Client::new().get(served.url("/readyz"))).await;
    assert!(
        answer.took <= PROBE_ANSWERS_WITHIN,
        "/readyz took {:?}",
        answer.took
    );
    (answer.status, serde_json::from_str(&answer.body).unwrap())
}

/// Polls `/readyz` until it answers `status`; how long that took. Gives up after ten seconds.
async fn readyz_until(served: &Served, status: StatusCode) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if readyz(served).await.0 == status {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("/readyz never answered {status}");
}

struct Answer {
    status: StatusCode,
    retry_after: Option<String>,
    body: String,
    took: Duration,
}

/// Sends `request`, timing it; a hang shows as a failure after 15 s rather than a stuck test.
async fn timed(request: reqwest::RequestBuilder) -> Answer {
    let started = Instant::now();
    let response = tokio::time::timeout(Duration::from_secs(15), request.send())
        .await
        .expect("answered within 15 s")
        .unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.text().await.unwrap();
    Answer {
        status,
        retry_after,
        body,
        took: started.elapsed(),
    }
}
