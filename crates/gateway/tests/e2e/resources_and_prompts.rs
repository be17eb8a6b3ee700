//! The gateway declares resources and prompts (both lists empty) so generic clients that list
//! them get an answer; reading a resource or getting a prompt then says "not found", in the words
//! of the protocol version in use, never "method not found".

use rmcp::ServiceError;
use rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams};
use serde_json::json;

use crate::harness::person::{Person, Says, on_2026_07_28};
use crate::harness::world;

const URI: &str = "test://nonexistent-resource";

fn refusal<T: std::fmt::Debug>(answer: Result<T, ServiceError>) -> rmcp::ErrorData {
    match answer {
        Err(ServiceError::McpError(error)) => error,
        other => panic!("expected an MCP error, got {other:?}"),
    }
}

#[tokio::test]
async fn in_a_2025_session_an_unknown_resource_is_not_found_with_its_uri() {
    let (_world, gateway) = world().in_process().await;
    let key = gateway.key("openid,read:users").await;
    let client = gateway.mcp_client(key.expose_secret()).await;

    let error = refusal(
        client
            .read_resource(ReadResourceRequestParams::new(URI))
            .await,
    );
    assert_eq!(error.code.0, -32002, "{error:?}");
    assert_eq!(error.data, Some(json!({ "uri": URI })));

    let error = refusal(
        client
            .get_prompt(GetPromptRequestParams::new("no_such_prompt"))
            .await,
    );
    assert_eq!(error.code.0, -32602, "{error:?}");
    assert!(error.message.contains("no_such_prompt"), "{error:?}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn on_2026_07_28_an_unknown_resource_is_invalid_params_with_its_uri() {
    let (_world, gateway) = world().in_process().await;
    let key = gateway.key("openid,read:users").await;
    let client = on_2026_07_28(
        &gateway.base,
        key.expose_secret(),
        Person::saying(Says::Yes),
    )
    .await;

    let error = refusal(
        client
            .read_resource(ReadResourceRequestParams::new(URI))
            .await,
    );
    assert_eq!(error.code.0, -32602, "{error:?}");
    assert_eq!(error.data, Some(json!({ "uri": URI })));

    let error = refusal(
        client
            .get_prompt(GetPromptRequestParams::new("no_such_prompt"))
            .await,
    );
    assert_eq!(error.code.0, -32602, "{error:?}");
    client.cancel().await.unwrap();
}
