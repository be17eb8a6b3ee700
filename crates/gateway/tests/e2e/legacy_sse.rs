//! The legacy HTTP+SSE transport (2024-11-05) as an old client sees it: the endpoint event,
//! answers as message events, keys checked on every POST, sessions bound to their key, and a
//! stream whose key is revoked ended by the gateway.

use serde_json::{Value, json};

use crate::harness::sse::{Events, SseClient};
use crate::harness::world;

#[tokio::test]
async fn an_old_client_initializes_lists_and_calls_over_sse() {
    let (_world, gateway) = world().in_process().await;
    let key = gateway.key("openid,read:users").await;
    let other = gateway.key("openid,read:users").await;
    let http = reqwest::Client::new();
    let response = http
        .get(format!("{}/sse", gateway.base))
        .bearer_auth(key.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut events = Events {
        response,
        buffer: String::new(),
    };
    let (name, endpoint) = events.next().await;
    assert_eq!(name, "endpoint");
    assert!(endpoint.starts_with("/message?sessionId="), "{endpoint}");
    let post_url = format!("{}{endpoint}", gateway.base);
    let post = |body: Value, key: Option<&str>| {
        let mut request = http.post(&post_url).json(&body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send()
    };

    let initialize = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"old","version":"0"}}});
    assert_eq!(
        post(initialize, Some(key.expose_secret()))
            .await
            .unwrap()
            .status(),
        202
    );
    let answer = events.next_message().await;
    assert_eq!(answer["id"], 1);
    assert_eq!(answer["result"]["protocolVersion"], "2024-11-05");
    post(
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        Some(key.expose_secret()),
    )
    .await
    .unwrap();

    post(
        json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}),
        Some(key.expose_secret()),
    )
    .await
    .unwrap();
    let answer = events.next_message().await;
    assert_eq!(answer["result"]["tools"].as_array().unwrap().len(), 5);

    post(json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"auth0_get_user","arguments":{"user_id":"auth0|alice"}}}), Some(key.expose_secret()))
        .await
        .unwrap();
    let answer = events.next_message().await;
    assert_eq!(
        answer["result"]["structuredContent"]["user_id"],
        "auth0|alice"
    );

    let list = json!({"jsonrpc":"2.0","id":4,"method":"tools/list"});
    assert_eq!(post(list.clone(), None).await.unwrap().status(), 401);
    assert_eq!(
        post(list.clone(), Some(other.expose_secret()))
            .await
            .unwrap()
            .status(),
        403
    );
    let malformed = http
        .post(&post_url)
        .bearer_auth(key.expose_secret())
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(
        malformed.json::<Value>().await.unwrap()["error"]["code"],
        -32700
    );

    gateway.revoke(&key).await;
    assert_eq!(
        post(list, Some(key.expose_secret()))
            .await
            .unwrap()
            .status(),
        401,
        "a revoked key is refused at once"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn sse_refuses_a_forged_host_and_a_missing_key() {
    let (_world, gateway) = world().in_process().await;
    let key = gateway.key("openid,read:users").await;
    let http = reqwest::Client::new();
    let forged = http
        .get(format!("{}/sse", gateway.base))
        .header("host", "evil.example.com")
        .bearer_auth(key.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let no_key = http
        .get(format!("{}/sse", gateway.base))
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 401);
    let unknown = http
        .post(format!("{}/message?sessionId=nope", gateway.base))
        .bearer_auth(key.expose_secret())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    gateway.stop().await;
}

#[tokio::test]
async fn a_revoked_key_stops_an_open_sse_stream() {
    let (_world, gateway) = world().in_process().await;
    let key = gateway.key("openid,read:users").await;
    let mut sse = SseClient::open(&gateway.base, key.expose_secret()).await;
    sse.initialize(key.expose_secret()).await;
    assert!(
        sse.tool_names(key.expose_secret())
            .await
            .contains(&"auth0_get_user".to_owned())
    );
    assert_eq!(gateway.sse.len(), 1);

    gateway.revoke(&key).await;
    // The stream ends without the client sending anything, and its session is gone.
    sse.events.ended().await;
    assert_eq!(gateway.sse.len(), 0);
    gateway.stop().await;
}
