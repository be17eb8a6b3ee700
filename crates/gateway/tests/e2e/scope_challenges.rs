//! Scope challenges (issue 20): an MCP client whose OAuth grant lacks a scope a tool needs, and
//! whose connection holds it, is answered 403 `insufficient_scope` naming its grant's scopes and
//! the tool's (never `offline_access`), so it can ask for a wider grant and repeat the call — in
//! the same session. Calls no new grant would help pass through to the tool's own answer.

use serde_json::{Value, json};

use crate::harness::oauth_client::{Client, authorize, exchange, new_client};
use crate::harness::{InProcess, World, world};
use gw_oauth::GrantMode::AuthorizationCode;

/// The access token of a new client that asked for `scope`.
async fn token_for(gateway: &InProcess, client: &Client, scope: &str) -> String {
    let redirect = authorize(gateway, client, &[("scope", scope)]).await;
    let (status, tokens) = exchange(gateway, client, &redirect["code"]).await;
    assert_eq!(status, 200, "{tokens}");
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// `POST /mcp` with `token`, in `session` when given; the response.
async fn post(
    gateway: &InProcess,
    token: &str,
    session: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{}/mcp", gateway.base))
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(token)
        .json(&body);
    if let Some(session) = session {
        request = request
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", "2025-06-18");
    }
    request.send().await.unwrap()
}

/// Opens a session with `token`: its id.
async fn open_session(gateway: &InProcess, token: &str) -> String {
    let opened = post(
        gateway,
        token,
        None,
        crate::harness::mcp::initialize_request(),
    )
    .await;
    assert!(opened.status().is_success(), "{}", opened.status());
    let session = opened.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    opened.text().await.unwrap();
    post(
        gateway,
        token,
        Some(&session),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    session
}

fn call(tool: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": tool, "arguments": {}}})
}

/// The JSON-RPC answer in a response (JSON or one event of a stream).
async fn answer(response: reqwest::Response) -> Value {
    let body = response.text().await.unwrap();
    let data = body
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(str::trim)
        .find(|data| !data.is_empty())
        .unwrap_or(&body);
    serde_json::from_str(data).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// `key="value"` from a `WWW-Authenticate` challenge.
fn param(challenge: &str, key: &str) -> Option<String> {
    let start = challenge.find(&format!("{key}=\""))? + key.len() + 2;
    let rest = &challenge[start..];
    Some(rest[..rest.find('"')?].to_owned())
}

async fn setup() -> (World, InProcess) {
    world().grant(AuthorizationCode).in_process().await
}

#[tokio::test]
async fn a_grant_lacking_a_scope_the_connection_holds_is_challenged_and_a_wider_one_continues_the_session()
 {
    let (_world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    // The connection gets every scope the tenant allows; the client asked for less.
    let narrow = token_for(&gateway, &client, "openid offline_access read:users").await;
    let session = open_session(&gateway, &narrow).await;

    let refused = post(&gateway, &narrow, Some(&session), call("auth0_list_roles")).await;
    assert_eq!(refused.status(), 403);
    let challenge = refused.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert_eq!(
        param(&challenge, "error").as_deref(),
        Some("insufficient_scope"),
        "{challenge}"
    );
    assert_eq!(
        param(&challenge, "resource_metadata"),
        Some(format!(
            "{}/.well-known/oauth-protected-resource",
            gateway.base
        )),
    );
    let scope = param(&challenge, "scope").unwrap();
    assert_eq!(
        scope, "openid read:users read:roles",
        "the grant's scopes and the tool's, without offline_access"
    );
    let audited = gateway.audited("refused_insufficient_scope").await;
    assert_eq!(audited.tool, "auth0_list_roles");
    assert_eq!(audited.oauth_client.as_deref(), Some(client.id.as_str()));

    // Calls the grant covers, and other methods, pass.
    let listed = post(&gateway, &narrow, Some(&session), call("auth0_list_users")).await;
    assert_eq!(listed.status(), 200);
    assert!(answer(listed).await["result"]["isError"] != json!(true));

    // The client steps up as the challenge says and repeats the call in the same session.
    let wider = token_for(&gateway, &client, &scope).await;
    let ran = post(&gateway, &wider, Some(&session), call("auth0_list_roles")).await;
    assert_eq!(ran.status(), 200);
    let ran = answer(ran).await;
    assert_eq!(ran["id"], 2, "{ran}");
    assert_ne!(ran["result"]["isError"], json!(true), "{ran}");
    gateway.stop().await;
}

#[tokio::test]
async fn no_challenge_where_a_new_grant_would_not_help() {
    let (world, gateway) = world()
        .grant(AuthorizationCode)
        .scopes("openid,offline_access,read:users")
        .in_process()
        .await;
    let client = new_client(&gateway).await;
    let token = token_for(&gateway, &client, "openid read:users").await;
    let session = open_session(&gateway, &token).await;
    // The tenant does not allow read:roles: the tool says so itself.
    let refused = post(&gateway, &token, Some(&session), call("auth0_list_roles")).await;
    assert_eq!(refused.status(), 200);
    let refused = answer(refused).await;
    assert_eq!(refused["result"]["isError"], json!(true), "{refused}");
    // Access keys have no grant to widen.
    let key = gateway.key("openid,read:users").await;
    let session = open_session(&gateway, key.expose_secret()).await;
    let refused = post(
        &gateway,
        key.expose_secret(),
        Some(&session),
        call("auth0_list_roles"),
    )
    .await;
    assert_eq!(refused.status(), 200);
    drop(world);
    gateway.stop().await;
}

#[tokio::test]
async fn offline_access_is_never_among_the_resources_scopes() {
    let (_world, gateway) = setup().await;
    let http = reqwest::Client::new();
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let prm: Value = http
            .get(format!("{}{path}", gateway.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let scopes: Vec<&str> = prm["scopes_supported"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(scopes.contains(&"read:users"), "{path}: {scopes:?}");
        assert!(!scopes.contains(&"offline_access"), "{path}: {scopes:?}");
    }
    gateway.stop().await;
}
