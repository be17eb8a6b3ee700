//! `serve` on SIGTERM: stops accepting, finishes the tool call in flight, exits cleanly.

use std::time::Duration;

use fake_auth0::{Fault, FaultKind};
use serde_json::{Value, json};

use crate::harness::world;

#[tokio::test]
async fn sigterm_lets_the_call_in_flight_finish() {
    let world = world().build().await;
    let fake = &world.fake;
    let key = world.create_key().await;
    let mut served = world.serve().await;
    let endpoint = served.url("/mcp");

    let http = reqwest::Client::new();
    let post = |body: Value, session: Option<String>| {
        let mut request = http
            .post(&endpoint)
            .header("accept", "application/json, text/event-stream")
            .bearer_auth(&key)
            .json(&body);
        if let Some(session) = session {
            request = request
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", "2025-06-18");
        }
        request.send()
    };
    let opened = post(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}), None).await.unwrap();
    let session = opened.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    opened.text().await.unwrap();
    post(
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        Some(session.clone()),
    )
    .await
    .unwrap();

    fake.fake.add_fault(Fault {
        method: Some("GET".into()),
        path_prefix: "/api/v2/users".into(),
        kind: FaultKind::Latency(Duration::from_millis(1500)),
        times: Some(1),
    });
    let call = post(
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"auth0_get_user","arguments":{"user_id":"auth0|admin"}}}),
        Some(session),
    );
    let in_flight = tokio::spawn(async move { call.await.unwrap().text().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(500)).await;
    served.sigterm().await;

    let body = in_flight.await.unwrap();
    assert!(
        body.contains("admin@example.com"),
        "the call in flight did not finish: {body}"
    );
    let status = served.exited().await;
    assert!(status.success());
}
