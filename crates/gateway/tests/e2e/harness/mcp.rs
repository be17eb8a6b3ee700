//! MCP over streamable HTTP: rmcp's client, and a raw `initialize` for what a client library
//! would not send or show.

use gw_oauth::ScopeSet;
use rmcp::service::{ClientInitializeError, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

/// A `tools/call` of `tool` with `arguments` (a JSON object).
pub fn tool_call(tool: &str, arguments: Value) -> rmcp::model::CallToolRequestParams {
    rmcp::model::CallToolRequestParams::new(tool.to_owned()).with_arguments(
        arguments
            .as_object()
            .expect("arguments are an object")
            .clone(),
    )
}

/// rmcp's client on `{base}/mcp` with `key`, after the handshake.
pub async fn client(base: &str, key: &str) -> RunningService<RoleClient, ()> {
    try_client(base, key)
        .await
        .expect("MCP handshake over HTTP")
}

/// [`client`], for a gateway that may not be there to answer.
pub async fn try_client(
    base: &str,
    key: &str,
) -> Result<RunningService<RoleClient, ()>, ClientInitializeError> {
    let config =
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp")).auth_header(key);
    let transport = StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
    ().serve(transport).await
}

/// The names of the tools a client sees, sorted.
pub async fn tool_names(client: &RunningService<RoleClient, ()>) -> Vec<String> {
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    names
}

/// The tools a set of scopes unlocks, sorted, as the catalog says.
pub fn tools_for(scopes: ScopeSet) -> Vec<String> {
    let mut names: Vec<String> = gw_oauth::tools_unlocked_by(scopes)
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

/// An `initialize` request as a 2025-06-18 client sends it.
pub fn initialize_request() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}})
}

/// `POST {base}/mcp` with `key` and `body`, accepting JSON or an event stream.
pub async fn post(base: &str, key: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .json(body)
        .send()
        .await
        .unwrap()
}

/// A raw `initialize` on `{base}/mcp` with `key`.
pub async fn initialize(base: &str, key: &str) -> reqwest::Response {
    post(base, key, &initialize_request()).await
}
