//! Scope challenges (RFC 6750 §3.1, the MCP "step-up authorization flow"): an MCP client whose
//! OAuth grant lacks a scope a tool needs — one the connection behind the grant holds, so a new
//! grant is all it takes — is answered `403` with `WWW-Authenticate: Bearer
//! error="insufficient_scope", scope="…"` before the call reaches the MCP handler. The scope
//! named is the grant's plus the tool's: the client asks for it, the person consents, and the
//! client repeats the request. Everything else passes: other callers, other methods, batches,
//! and calls no new grant would help (those get the tool's own error, with a consent link where
//! the connection lacks the scope).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gw_mcp::{Principal, RefusalKind, catalog};
use gw_oauth::ScopeSet;
use serde::Deserialize;

use super::{AppState, MAX_BODY_BYTES};

/// The part of a JSON-RPC message this layer reads.
#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    method: Option<&'a str>,
    params: Option<Params<'a>>,
}

#[derive(Deserialize)]
struct Params<'a> {
    #[serde(borrow)]
    name: Option<&'a str>,
}

/// The tool a `tools/call` message names; `None` for anything else (batches included).
fn called_tool(body: &[u8]) -> Option<&str> {
    let message: Message = serde_json::from_slice(body).ok()?;
    if message.method? != "tools/call" {
        return None;
    }
    message.params?.name
}

pub(crate) async fn challenge(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    // Only MCP clients holding the gateway's OAuth tokens have a grant to widen.
    let principal = request
        .extensions()
        .get::<Arc<Principal>>()
        .filter(|principal| principal.grant.is_some())
        .cloned();
    let Some(principal) = principal.filter(|_| request.method() == Method::POST) else {
        return next.run(request).await;
    };
    // `read_whole` has the body in memory already: taking it again copies nothing.
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return (
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            )
                .into_response();
        }
    };
    let wider = called_tool(&bytes)
        .and_then(|name| catalog().get(name))
        .and_then(|tool| {
            let tenant = state.tenants.get(&principal.tenant)?;
            let scope = gw_mcp::access::wider_grant(&principal, &tenant.settings, tool)?;
            Some((tool.name, scope))
        });
    if let Some((tool, scope)) = wider {
        tracing::info!(tool, principal = %principal.subject, scope = %scope, "asked an MCP client for a wider grant");
        state.audit_refusal_of(&principal, tool, RefusalKind::InsufficientScope);
        return insufficient_scope(&state, tool, scope);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// `403` with the challenge MCP clients step up on: the scope to ask for, and where to learn how.
fn insufficient_scope(state: &AppState, tool: &str, scope: ScopeSet) -> Response {
    let scope = scope.names().join(" ");
    let description = format!(
        "{tool} needs scopes this client's grant lacks; authorize again asking for the scope named here"
    );
    let challenge = format!(
        "Bearer error=\"insufficient_scope\", scope=\"{scope}\", resource_metadata=\"{}\", error_description=\"{description}\"",
        state.protected_resource_metadata()
    );
    let body = serde_json::json!({
        "error": "insufficient_scope",
        "error_description": description,
        "scope": scope,
    });
    let mut response = (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_single_tools_call_names_a_tool() {
        let cases: [(&str, &[u8], Option<&str>); 5] = [
            (
                "a call",
                br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"auth0_list_roles","arguments":{}}}"#,
                Some("auth0_list_roles"),
            ),
            (
                "another method",
                br#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"name":"auth0_list_roles"}}"#,
                None,
            ),
            (
                "a batch",
                br#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"auth0_list_roles"}}]"#,
                None,
            ),
            ("a response", br#"{"jsonrpc":"2.0","id":1,"result":{}}"#, None),
            ("not JSON", b"tools/call", None),
        ];
        for (name, body, want) in cases {
            assert_eq!(called_tool(body), want, "case {name}");
        }
    }
}
