//! What the load generator calls: the fake tenant's Management API directly, or the gateway's
//! `/mcp` (stateless or with a session), and how one answer is judged a success.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};

pub(crate) const PROTOCOL_VERSION: &str = "2025-06-18";
/// The user every call reads; `|` must be percent-encoded in the direct URL.
pub(crate) const USER_ID: &str = "auth0|admin";
const SESSION_HEADER: &str = "mcp-session-id";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum McpCall {
    /// `tools/call auth0_get_user {"user_id":"auth0|admin"}`
    GetUser,
    /// `tools/list`, expected to return every tool at once.
    ToolsList { expect_tools: usize },
}

#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// `GET {base}/api/v2/users/auth0%7Cadmin` with a machine token.
    Direct { base: String, token: String },
    /// `POST {url}` (the gateway's `/mcp`) with an access key.
    Mcp {
        url: String,
        key: String,
        session: bool,
        call: McpCall,
    },
}

/// One HTTP/1.1 client with at most one pooled connection: a "connection" of the load generator.
pub(crate) fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?)
}

/// A client that may hold many connections (set-up work, the storm).
pub(crate) fn shared_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(2048)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()?)
}

/// A client-credentials token for the Management API, straight from the fake's `/oauth/token`.
pub(crate) async fn machine_token(
    fake: &str,
    client_id: &str,
    client_secret: &str,
    audience: &str,
) -> Result<String> {
    let response = shared_client()?
        .post(format!("{fake}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", client_secret),
            ("audience", audience),
        ])
        .send()
        .await
        .context("POST /oauth/token")?;
    let status = response.status();
    let body: Value = response.json().await.context("token response body")?;
    match body.get("access_token").and_then(Value::as_str) {
        Some(token) if status.is_success() => Ok(token.to_owned()),
        _ => bail!("the fake refused the client_credentials grant ({status}): {body}"),
    }
}

/// `GET /_fake/stats` → `token_requests.client_credentials`.
pub(crate) async fn client_credentials_count(fake: &str) -> Result<u64> {
    let stats: Value = shared_client()?
        .get(format!("{fake}/_fake/stats"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    stats["token_requests"]["client_credentials"]
        .as_u64()
        .context("no token_requests.client_credentials in /_fake/stats")
}

fn mcp_headers(key: &str, session: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        format!("Bearer {key}")
            .parse()
            .expect("a key is a valid header value"),
    );
    headers.insert(CONTENT_TYPE, "application/json".parse().expect("static"));
    headers.insert(
        ACCEPT,
        "application/json, text/event-stream"
            .parse()
            .expect("static"),
    );
    headers.insert(
        "mcp-protocol-version",
        PROTOCOL_VERSION.parse().expect("static"),
    );
    if let Some(session) = session {
        headers.insert(
            SESSION_HEADER,
            session
                .parse()
                .expect("a session id is a valid header value"),
        );
    }
    headers
}

/// The JSON-RPC answer to request `id` in a body that is either plain JSON or SSE-framed
/// (`data:` lines; priming events and notifications are skipped).
pub(crate) fn parse_answer(body: &str, id: u64) -> Option<Value> {
    let trimmed = body.trim_start();
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).ok();
    }
    // SSE: events are separated by blank lines; an event's data is its `data:` lines joined.
    let mut data = String::new();
    let mut found = None;
    let mut flush = |data: &mut String| {
        if !data.is_empty() {
            if let Ok(v) = serde_json::from_str::<Value>(data)
                && v.get("id").and_then(Value::as_u64) == Some(id)
            {
                found = Some(v);
            }
            data.clear();
        }
    };
    for line in body.lines() {
        if line.is_empty() {
            flush(&mut data);
        } else if let Some(rest) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        }
    }
    flush(&mut data);
    found
}

/// Success: a `result`, no `error`, and not `isError: true` (and, for `tools/list`, every tool).
pub(crate) fn is_success(answer: &Value, call: McpCall) -> bool {
    let Some(result) = answer.get("result") else {
        return false;
    };
    if answer.get("error").is_some() || result.get("isError").and_then(Value::as_bool) == Some(true)
    {
        return false;
    }
    match call {
        McpCall::GetUser => true,
        McpCall::ToolsList { expect_tools } => result
            .get("tools")
            .and_then(Value::as_array)
            .is_some_and(|t| t.len() == expect_tools),
    }
}

pub(crate) fn request_body(call: McpCall, id: u64) -> Value {
    match call {
        McpCall::GetUser => json!({
            "jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "auth0_get_user", "arguments": {"user_id": USER_ID}}
        }),
        McpCall::ToolsList { .. } => json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"}),
    }
}

/// POST one JSON-RPC message to `/mcp`; returns the status, the session header and the body.
pub(crate) async fn post(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    session: Option<&str>,
    body: &Value,
) -> Result<(reqwest::StatusCode, Option<String>, String)> {
    let response = client
        .post(url)
        .headers(mcp_headers(key, session))
        .body(serde_json::to_vec(body)?)
        .send()
        .await?;
    let status = response.status();
    let session = response
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await?;
    Ok((status, session, text))
}

/// `initialize` then `notifications/initialized`; returns the session id.
pub(crate) async fn open_session(client: &reqwest::Client, url: &str, key: &str) -> Result<String> {
    let init = json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": PROTOCOL_VERSION, "capabilities": {}, "clientInfo": {"name": "mcp-bench", "version": "0"}}
    });
    let (status, session, body) = post(client, url, key, None, &init)
        .await
        .context("initialize")?;
    let answer = parse_answer(&body, 0);
    let Some(session) = session.filter(|_| {
        status.is_success() && answer.as_ref().is_some_and(|a| a.get("result").is_some())
    }) else {
        bail!("initialize failed ({status}): {body}");
    };
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let (status, _, body) = post(client, url, key, Some(&session), &note)
        .await
        .context("notifications/initialized")?;
    if !status.is_success() {
        bail!("notifications/initialized refused ({status}): {body}");
    }
    Ok(session)
}

/// `DELETE /mcp` for a session.
pub(crate) async fn close_session(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    session: &str,
) -> Result<()> {
    let response = client
        .delete(url)
        .headers(mcp_headers(key, Some(session)))
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("DELETE session answered {}", response.status());
    }
    Ok(())
}

/// One load-generator connection: its HTTP client, and its MCP session when the target has one.
pub(crate) struct Conn {
    client: reqwest::Client,
    session: Option<String>,
    next_id: u64,
    direct_url: Option<String>,
}

impl Conn {
    pub(crate) async fn open(target: &Target) -> Result<Self> {
        let client = client()?;
        let (session, direct_url) = match target {
            Target::Direct { base, .. } => (
                None,
                Some(format!(
                    "{base}/api/v2/users/{}",
                    USER_ID.replace('|', "%7C")
                )),
            ),
            Target::Mcp {
                url,
                key,
                session: true,
                ..
            } => (Some(open_session(&client, url, key).await?), None),
            Target::Mcp { .. } => (None, None),
        };
        Ok(Self {
            client,
            session,
            next_id: 1,
            direct_url,
        })
    }

    /// One request; `Ok(true)` when the answer counts as a success.
    pub(crate) async fn call(&mut self, target: &Target) -> Result<bool> {
        match target {
            Target::Direct { token, .. } => {
                let url = self.direct_url.as_deref().expect("set for Direct");
                let response = self.client.get(url).bearer_auth(token).send().await?;
                let ok = response.status().is_success();
                let body: Value = response.json().await?;
                Ok(ok && body.get("user_id").and_then(Value::as_str) == Some(USER_ID))
            }
            Target::Mcp { url, key, call, .. } => {
                let id = self.next_id;
                self.next_id += 1;
                let (status, _, body) = post(
                    &self.client,
                    url,
                    key,
                    self.session.as_deref(),
                    &request_body(*call, id),
                )
                .await?;
                Ok(status.is_success()
                    && parse_answer(&body, id).is_some_and(|a| is_success(&a, *call)))
            }
        }
    }

    /// Establishes this connection's TCP connection with a cheap request (`url`: `/healthz`).
    pub(crate) async fn warm_connection(&self, url: &str) -> Result<()> {
        self.client
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        Ok(())
    }

    pub(crate) async fn close(self, target: &Target) {
        if let (Some(session), Target::Mcp { url, key, .. }) = (&self.session, target) {
            let _ = close_session(&self.client, url, key, session).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_json_and_sse_answers() {
        let plain = r#"{"jsonrpc":"2.0","id":3,"result":{"content":[]}}"#;
        assert!(is_success(
            &parse_answer(plain, 3).unwrap(),
            McpCall::GetUser
        ));
        let sse = "id: 0\nretry: 3000\ndata: \n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"isError\":true}}\n\n";
        let answer = parse_answer(sse, 7).unwrap();
        assert!(!is_success(&answer, McpCall::GetUser));
        assert!(parse_answer(sse, 8).is_none());
    }
}
