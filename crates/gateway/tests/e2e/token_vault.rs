//! Connected users' tokens over time: refreshed once however many calls wait, rotated refresh
//! tokens persisted, reuse detected and reported, kept across restarts, sealed at rest.

use gw_oauth::GrantMode::AuthorizationCode;
use gw_oauth::TokenCipher;
use gw_store::{ConnectionStatus, Store, StoreError};
use rmcp::model::CallToolRequestParams;

use crate::harness::{CLIENT_ID, InProcess, World, step_client, text, world};

/// Connects with an access token that has expired by the time this returns; the key and the
/// connection's id.
async fn connect_with_expired_token(world: &World, gateway: &InProcess) -> (String, String) {
    let connected = world
        .connect_with_expired_token(&gateway.url("/connect/acme"))
        .await;
    (
        connected["key"].as_str().unwrap().to_owned(),
        connected["connection_id"].as_str().unwrap().to_owned(),
    )
}

async fn sealed_refresh_token(world: &World) -> Vec<u8> {
    sqlx::query_scalar("SELECT refresh_token FROM connections")
        .fetch_one(&world.sqlite().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_hundred_calls_on_an_expired_token_make_exactly_one_refresh() {
    let (world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let (key, _) = connect_with_expired_token(&world, &gateway).await;
    let client = gateway.mcp_client(&key).await;

    let calls = (0..200).map(|_| client.call_tool(CallToolRequestParams::new("auth0_list_roles")));
    let results = futures::future::join_all(calls).await;
    for result in results {
        let result = result.unwrap();
        assert_ne!(result.is_error, Some(true), "{}", text(&result));
    }
    assert_eq!(world.stats().token_requests_for("refresh_token"), 1);
    gateway.stop().await;
}

#[tokio::test]
async fn a_rotated_refresh_token_is_stored_and_a_reused_one_asks_the_user_to_reconnect() {
    let (world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let (key, connection) = connect_with_expired_token(&world, &gateway).await;
    let first = sealed_refresh_token(&world).await;

    let client = gateway.mcp_client(&key).await;
    let ok = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(ok.is_error, Some(true), "{}", text(&ok));
    let rotated = sealed_refresh_token(&world).await;
    assert_ne!(first, rotated, "the rotated refresh token was not stored");
    gateway.stop().await;

    // As if the gateway had crashed before storing the rotation: the vault holds the spent token.
    let pool = world.sqlite().await;
    sqlx::query("UPDATE connections SET refresh_token = ?, expires_at = 0")
        .bind(&first)
        .execute(&pool)
        .await
        .unwrap();
    let gateway = world.in_process().await;
    let client = gateway.mcp_client(&key).await;
    let refused = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_eq!(refused.is_error, Some(true));
    let message = text(&refused);
    assert!(message.contains("must be renewed"), "{message}");
    assert!(
        message.contains(&format!("{}/connect/acme", gateway.base)),
        "{message}"
    );
    let record = gateway
        .store
        .connection(&connection)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(record.status, ConnectionStatus::NeedsReconnect(_)),
        "{record:?}"
    );
    // Auth0 saw the reuse and revoked the whole family (logged as `ferrt`).
    let token = world
        .fake
        .fake
        .issue_management_token(CLIENT_ID, &["read:logs"]);
    let logs: serde_json::Value = reqwest::Client::new()
        .get(world.fake.url("/api/v2/logs?q=type:ferrt"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(logs.as_array().map(Vec::len), Some(1), "{logs}");

    // Connecting again renews the same connection, and the same key works again.
    gateway.connect().await;
    let again = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(again.is_error, Some(true), "{}", text(&again));
    gateway.stop().await;
}

#[tokio::test]
async fn without_offline_access_an_expired_connection_asks_the_user_to_reconnect() {
    let (world, gateway) = world()
        .grant(AuthorizationCode)
        .scopes("openid,email,read:roles")
        .in_process()
        .await;
    let (key, _) = connect_with_expired_token(&world, &gateway).await;
    let client = gateway.mcp_client(&key).await;
    let refused = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_eq!(refused.is_error, Some(true));
    let message = text(&refused);
    assert!(message.contains("offline_access"), "{message}");
    assert!(message.contains("/connect/acme"), "{message}");
    assert_eq!(world.stats().token_requests_for("refresh_token"), 0);
    gateway.stop().await;
}

#[tokio::test]
async fn a_token_auth0_rejects_is_refreshed_and_the_call_retried_once() {
    let (world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let connected = gateway.connect().await;
    world.fake.fake.add_fault(fake_auth0::Fault {
        method: Some("GET".into()),
        path_prefix: "/api/v2/roles".into(),
        kind: fake_auth0::FaultKind::Status(401),
        times: Some(1),
    });
    let client = gateway.mcp_client(connected["key"].as_str().unwrap()).await;
    let result = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    assert_eq!(world.stats().token_requests_for("refresh_token"), 1);
    gateway.stop().await;
}

#[tokio::test]
async fn a_restart_keeps_connections_and_a_wrong_key_is_refused_at_start() {
    let (world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let connected = gateway.connect().await;
    gateway.stop().await;

    let gateway = world.in_process().await;
    let client = gateway.mcp_client(connected["key"].as_str().unwrap()).await;
    let result = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    gateway.stop().await;

    let wrong = TokenCipher::from_base64(&TokenCipher::generate_key()).unwrap();
    let opened = Store::open_with_key(world.store_url(), wrong).await;
    assert!(
        matches!(opened, Err(StoreError::WrongKey)),
        "a wrong key must not open the store"
    );
    let message = StoreError::WrongKey.to_string();
    assert!(message.contains("encryption key"), "{message}");
}

#[tokio::test]
async fn the_store_holds_no_token_or_key_in_plaintext() {
    let (world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let (key, connection) = connect_with_expired_token(&world, &gateway).await;
    let client = gateway.mcp_client(&key).await;
    client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    // Start a sign-in too, so a pending PKCE verifier is on disk.
    step_client()
        .get(format!("{}/connect/acme", gateway.base))
        .send()
        .await
        .unwrap();

    // The test knows the key, so it can open the sealed values and look for them in the clear.
    let cipher = TokenCipher::from_base64(&world.key).unwrap();
    let pool = world.sqlite().await;
    let (access, refresh): (Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT access_token, refresh_token FROM connections")
            .fetch_one(&pool)
            .await
            .unwrap();
    let access = cipher
        .open_string(&access, &format!("connections:{connection}:access_token"))
        .unwrap();
    let refresh = cipher
        .open_string(&refresh, &format!("connections:{connection}:refresh_token"))
        .unwrap();
    pool.close().await;
    gateway.stop().await;

    let bytes = world.store_bytes();
    for (what, secret) in [
        ("access token", access.as_str()),
        ("refresh token", refresh.as_str()),
        ("access key", key.as_str()),
        ("encryption key", world.key.as_str()),
    ] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the {what} is in the store in plaintext"
        );
    }
    assert!(
        !bytes.windows(4).any(|w| w == b"eyJh"),
        "something that looks like a JWT is in the store in plaintext"
    );
}

#[tokio::test]
async fn a_revoked_connection_stops_its_keys() {
    let (_world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let connected = gateway.connect().await;
    let connection = connected["connection_id"].as_str().unwrap();
    let refresh = gateway.store.revoke_connection(connection).await.unwrap();
    assert!(
        matches!(refresh, Some(Some(_))),
        "the refresh token is handed back to revoke at Auth0"
    );
    let response = reqwest::Client::new()
        .post(format!("{}/mcp", gateway.base))
        .bearer_auth(connected["key"].as_str().unwrap())
        .header("accept", "application/json, text/event-stream")
        .json(&serde_json::json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        gateway
            .store
            .revoke_connection(connection)
            .await
            .unwrap()
            .is_none()
    );
    gateway.stop().await;
}

#[tokio::test]
async fn metrics_count_calls_refreshes_and_upstream_answers_without_secrets() {
    let (world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let (key, _) = connect_with_expired_token(&world, &gateway).await;
    let client = gateway.mcp_client(&key).await;
    let result = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    let response = reqwest::Client::new()
        .get(format!("{}/metrics", gateway.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let body = response.text().await.unwrap();
    let value = |prefix: &str| -> f64 {
        body.lines()
            .find(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in\n{body}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(value("mcp_tool_calls_total{tool=\"auth0_list_roles\",outcome=\"ok\"}") >= 1.0);
    assert!(value("oauth_user_token_refreshes_total{outcome=\"ok\"}") >= 1.0);
    assert!(value("auth0_responses_total{status=\"200\"}") >= 1.0);
    assert!(value("mcp_sessions_active") >= 1.0);
    assert!(body.contains("mcp_tool_call_duration_seconds_bucket"));
    assert!(body.contains("store_credential_lookup_seconds_bucket"));
    assert!(!body.contains(&key), "the access key is in /metrics");
    assert!(
        !body.contains("eyJ"),
        "something like a token is in /metrics"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn rekeying_moves_every_sealed_value_to_the_new_key() {
    let (mut world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let connected = gateway.connect().await;
    // A sign-in left half-way: its PKCE verifier is sealed too.
    step_client()
        .get(format!("{}/connect/acme", gateway.base))
        .send()
        .await
        .unwrap();
    gateway.stop().await;

    let new_key = TokenCipher::generate_key();
    let store = world.open_store().await;
    let moved = store
        .rekey(&TokenCipher::from_base64(&new_key).unwrap())
        .await
        .unwrap();
    assert_eq!((moved.tokens, moved.pending), (2, 1));
    drop(store);

    let old = TokenCipher::from_base64(&world.key).unwrap();
    assert!(matches!(
        Store::open_with_key(world.store_url(), old).await,
        Err(StoreError::WrongKey)
    ));
    world.key = new_key;
    let gateway = world.in_process().await;
    let client = gateway.mcp_client(connected["key"].as_str().unwrap()).await;
    let result = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    gateway.stop().await;
}
