//! Debug logging never writes what passes through a tool call: rmcp's whole-message dumps (tool
//! arguments such as a new user's password, results such as identity-provider tokens) stay off
//! at any `RUST_LOG` unless the loudly named switch asks for them.

use serde_json::json;

use crate::harness::{Stdio, world};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-42";
const SOCIAL_USER: &str = "google-oauth2|100000000000000000001";

/// Creates a user with a password and reads a user's IdP tokens; returns the IdP access token.
async fn pass_secrets_through(gateway: &Stdio) -> String {
    gateway
        .ok(
            "auth0_create_user",
            json!({
                "connection": "Username-Password-Authentication",
                "email": "logged@example.com",
                "password": PASSWORD,
            }),
        )
        .await;
    let tokens = gateway
        .ok("auth0_get_user_idp_tokens", json!({"user_id": SOCIAL_USER}))
        .await;
    // One more exchange, so everything logged about the earlier ones has been written.
    gateway.tool_names().await;
    tokens["identities"][0]["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn rmcp_message_dumps_stay_off_at_rust_log_trace() {
    let (_world, gateway) = world().rust_log("trace").stdio().await;
    let idp_token = pass_secrets_through(&gateway).await;
    let log = gateway.stderr();
    assert!(
        log.lines().count() > 20,
        "trace logging was not on: {} lines",
        log.lines().count()
    );
    assert!(
        !log.contains(PASSWORD),
        "a tool argument (a password) was logged"
    );
    assert!(
        !log.contains(&idp_token),
        "a tool result (an IdP token) was logged"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn the_unsafe_switch_logs_whole_messages_and_says_so() {
    let (_world, gateway) = world()
        .rust_log("debug")
        .env("MCP_GATEWAY_UNSAFE_LOG_MCP_MESSAGES", "1")
        .stdio()
        .await;
    pass_secrets_through(&gateway).await;
    let log = gateway.stderr();
    assert!(
        log.contains("MCP_GATEWAY_UNSAFE_LOG_MCP_MESSAGES=1: whole MCP messages may be logged"),
        "no warning at start"
    );
    assert!(
        log.contains(PASSWORD),
        "the switch let no message through, so the test above proves nothing"
    );
    gateway.stop().await;
}
