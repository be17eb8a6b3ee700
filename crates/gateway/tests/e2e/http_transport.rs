//! `/mcp` over streamable HTTP with access keys: real rmcp clients, the 401 challenge, the
//! protected-resource document, DNS-rebinding protection, revocation and session binding.

use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

use crate::harness::world;

fn args(value: Value) -> serde_json::Map<String, Value> {
    let Value::Object(map) = value else {
        panic!("object expected")
    };
    map
}

#[tokio::test]
async fn a_key_lists_and_calls_exactly_its_tools_in_session_mode() {
    let (world, gateway) = world().in_process().await;
    let key = gateway.key("openid,read:users,read:roles").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "auth0_whoami",
            "auth0_list_users",
            "auth0_get_user",
            "auth0_find_users_by_email",
            "auth0_list_user_roles",
            "auth0_list_user_permissions",
            "auth0_list_roles",
            "auth0_get_role",
            "auth0_list_role_users",
            "auth0_list_role_permissions"
        ]
    );
    let result = client
        .call_tool(
            CallToolRequestParams::new("auth0_get_user")
                .with_arguments(args(json!({"user_id": "auth0|admin"}))),
        )
        .await
        .unwrap();
    assert_eq!(
        result.structured_content.unwrap()["email"],
        "admin@example.com"
    );
    let refused = client
        .call_tool(
            CallToolRequestParams::new("auth0_delete_user")
                .with_arguments(args(json!({"user_id": "auth0|alice"}))),
        )
        .await
        .unwrap();
    assert_eq!(refused.is_error, Some(true));
    assert!(world.fake.fake.user("auth0|alice").is_some());
    let me = client
        .call_tool(CallToolRequestParams::new("auth0_whoami"))
        .await
        .unwrap()
        .structured_content
        .unwrap();
    assert_eq!(me["principal_kind"], "agent_key");
    assert_eq!(
        gateway.sessions.len(),
        1,
        "the session is bound to the key that opened it"
    );
    client.cancel().await.unwrap();
    gateway.stop().await;
}

#[tokio::test]
async fn stateless_mode_serves_the_same_tools() {
    let (_world, gateway) = world().stateless().in_process().await;
    let key = gateway.key("openid,read:logs").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 4);
    let logs = client
        .call_tool(
            CallToolRequestParams::new("auth0_list_logs")
                .with_arguments(args(json!({"per_page": 3}))),
        )
        .await
        .unwrap();
    assert_eq!(
        logs.structured_content.unwrap()["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        gateway.sessions.len(),
        0,
        "stateless mode opens no sessions"
    );
    client.cancel().await.unwrap();
    gateway.stop().await;
}

#[tokio::test]
async fn no_or_bad_credentials_get_401_with_the_resource_metadata_challenge() {
    let (_world, gateway) = world().in_process().await;
    let http = reqwest::Client::new();
    let initialize = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}});
    for authorization in [
        None,
        Some("Bearer mcpgw_not-a-real-key"),
        Some("Basic dXNlcjpwYXNz"),
    ] {
        let mut request = http
            .post(format!("{}/mcp", gateway.base))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{authorization:?}");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert!(
            challenge.contains(&format!(
                "resource_metadata=\"{}/.well-known/oauth-protected-resource\"",
                gateway.base
            )),
            "{challenge}"
        );
    }
    let document: Value = http
        .get(format!(
            "{}/.well-known/oauth-protected-resource",
            gateway.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["resource"], format!("{}/mcp", gateway.base));
    assert_eq!(document["bearer_methods_supported"], json!(["header"]));
    gateway.stop().await;
}

#[tokio::test]
async fn a_forged_host_or_origin_is_refused() {
    let (_world, gateway) = world().in_process().await;
    let key = gateway.key("openid,read:users").await;
    let http = reqwest::Client::new();
    let initialize = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}});
    let send = |host: Option<&'static str>, origin: Option<&'static str>| {
        let mut request = http
            .post(format!("{}/mcp", gateway.base))
            .header("accept", "application/json, text/event-stream")
            .bearer_auth(key.expose_secret())
            .json(&initialize);
        if let Some(host) = host {
            request = request.header("host", host);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let forged_host = send(Some("evil.example.com"), None).await.unwrap();
    assert!(
        forged_host.status().is_client_error(),
        "forged Host got {}",
        forged_host.status()
    );
    let forged_origin = send(None, Some("https://evil.example.com")).await.unwrap();
    assert!(
        forged_origin.status().is_client_error(),
        "forged Origin got {}",
        forged_origin.status()
    );
    let honest = send(None, None).await.unwrap();
    assert!(honest.status().is_success(), "{}", honest.status());
    gateway.stop().await;
}

#[tokio::test]
async fn a_revoked_key_is_refused_at_once() {
    let (_world, gateway) = world().in_process().await;
    let key = gateway.key("openid,read:users").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    assert!(!client.list_all_tools().await.unwrap().is_empty());
    gateway.revoke(&key).await;
    assert!(
        client.list_all_tools().await.is_err(),
        "a revoked key was still served"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn a_session_id_replayed_with_another_key_is_refused() {
    let (_world, gateway) = world().in_process().await;
    let owner = gateway.key("openid,read:users").await;
    let intruder = gateway.key("openid,read:users").await;
    let http = reqwest::Client::new();
    let initialize = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}});
    let opened = http
        .post(format!("{}/mcp", gateway.base))
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(owner.expose_secret())
        .json(&initialize)
        .send()
        .await
        .unwrap();
    assert!(opened.status().is_success());
    let session = opened.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let list = json!({"jsonrpc":"2.0","id":2,"method":"tools/list"});
    let replayed = http
        .post(format!("{}/mcp", gateway.base))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-06-18")
        .bearer_auth(intruder.expose_secret())
        .json(&list)
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), 403);

    let unknown = http
        .post(format!("{}/mcp", gateway.base))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", "no-such-session")
        .header("mcp-protocol-version", "2025-06-18")
        .bearer_auth(owner.expose_secret())
        .json(&list)
        .send()
        .await
        .unwrap();
    assert_eq!(
        unknown.status(),
        404,
        "an unknown session id asks the client to initialize again"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn two_hundred_concurrent_sessions_get_correct_separate_answers() {
    let (_world, gateway) = world().in_process().await;
    // Five agents' keys: one key may hold at most 64 sessions by default.
    let mut keys = Vec::new();
    for _ in 0..5 {
        keys.push(gateway.key("openid,read:users").await);
    }
    let users: Vec<String> = ["auth0|admin", "auth0|alice", "auth0|bob", "auth0|carol"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let sessions = (0..200).map(|i| {
        let key = keys[i % keys.len()].clone();
        let user = users[i % users.len()].clone();
        let gateway = &gateway;
        async move {
            let client = gateway.mcp_client(key.expose_secret()).await;
            let result = client
                .call_tool(
                    CallToolRequestParams::new("auth0_get_user")
                        .with_arguments(args(json!({"user_id": user}))),
                )
                .await
                .unwrap();
            let got = result.structured_content.unwrap()["user_id"]
                .as_str()
                .unwrap()
                .to_owned();
            client.cancel().await.unwrap();
            (user, got)
        }
    });
    let answers = futures::future::join_all(sessions).await;
    assert_eq!(answers.len(), 200);
    for (asked, got) in answers {
        assert_eq!(asked, got);
    }
    gateway.stop().await;
}

#[tokio::test]
async fn every_answer_carries_a_request_id_the_callers_or_a_new_one() {
    let (_world, gateway) = world().in_process().await;
    let http = reqwest::Client::new();
    let given = http
        .get(format!("{}/healthz", gateway.base))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "trace-me-42");
    let made = http
        .post(format!("{}/mcp", gateway.base))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 401);
    let id = made.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    gateway.stop().await;
}

#[tokio::test]
async fn every_route_checks_the_host() {
    let (_world, gateway) = world().in_process().await;
    let http = reqwest::Client::new();
    let send = |method: reqwest::Method, path: &str, host: &str| {
        http.request(method, format!("{}{path}", gateway.base))
            .header("host", host)
            .send()
    };
    use reqwest::Method;
    let routes = [
        (Method::GET, "/healthz"),
        (Method::GET, "/readyz"),
        (Method::GET, "/metrics"),
        (Method::POST, "/register"),
        (Method::POST, "/token"),
        (Method::POST, "/revoke"),
        (Method::GET, "/.well-known/oauth-protected-resource"),
        (Method::GET, "/.well-known/oauth-protected-resource/mcp"),
        (Method::GET, "/.well-known/oauth-authorization-server"),
        (Method::POST, "/mcp"),
        (Method::GET, "/sse"),
        (Method::POST, "/message"),
        (Method::GET, "/connect/acme"),
        (Method::GET, "/integration-callback"),
        (Method::GET, "/authorize"),
        (Method::GET, "/no-such-page"),
    ];
    // A page rebound to this gateway sends its own domain name.
    for (method, path) in &routes {
        let answer = send(method.clone(), path, "attacker.example")
            .await
            .unwrap();
        assert_eq!(answer.status(), 403, "{method} {path} with a forged Host");
    }
    crate::harness::audited(&gateway.store, "refused_host").await;
    // Probes and scrapers inside a cluster send the pod's address: accepted where they look,
    // and nowhere else.
    for path in ["/healthz", "/readyz", "/metrics"] {
        let answer = send(Method::GET, path, "10.1.2.3:8080").await.unwrap();
        assert_eq!(
            answer.status(),
            200,
            "{path} with the pod's address as Host"
        );
    }
    for path in ["/.well-known/oauth-authorization-server", "/connect/acme"] {
        let answer = send(Method::GET, path, "10.1.2.3:8080").await.unwrap();
        assert_eq!(answer.status(), 403, "{path} with an address as Host");
    }
    gateway.stop().await;
}
