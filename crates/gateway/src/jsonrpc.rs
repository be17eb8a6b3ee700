//! Reading one client JSON-RPC message from bytes, with the error response JSON-RPC asks for
//! when it cannot be read. Shared by the stdio transport and the legacy SSE transport.

use std::borrow::Cow;

use rmcp::model::{ClientJsonRpcMessage, ErrorCode, ErrorData, RequestId};
use serde_json::Value;

/// The message, or the error response to send back: -32700 when the bytes are not JSON,
/// -32600 (with the request's id when it has one) when they are JSON but not a message.
pub fn parse_client_message(bytes: &[u8]) -> Result<ClientJsonRpcMessage, Value> {
    // The common case parses once; only a bad message is parsed a second time, for its id.
    serde_json::from_slice(bytes).map_err(|invalid| match serde_json::from_slice::<Value>(bytes) {
        Err(e) => error_response(None, ErrorCode::PARSE_ERROR, format!("Parse error: {e}")),
        Ok(value) => {
            let id = value
                .get("id")
                .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok());
            error_response(
                id,
                ErrorCode::INVALID_REQUEST,
                format!("Invalid request: {invalid}"),
            )
        }
    })
}

/// A JSON-RPC error response. Built by hand because JSON-RPC 2.0 wants `"id": null` when the
/// request's id could not be read, and rmcp's message type omits the member instead.
pub fn error_response(
    id: Option<RequestId>,
    code: ErrorCode,
    message: impl Into<Cow<'static, str>>,
) -> Value {
    let error = ErrorData::new(code, message, None);
    serde_json::json!({ "jsonrpc": "2.0", "id": id, "error": error })
}
