//! Misuse is refused and the refusal lands in the audit log, where an operator looks: unknown and
//! revoked keys, a session id presented by another credential, a forged `Host`, a foreign
//! `Origin`. (Forged or replayed sign-in states and codes: `connect_flow.rs`, `oauth_server.rs`.)

use std::time::Duration;

use gw_store::Store;
use serde_json::json;

use crate::harness::{CLIENT_ID, InProcess, world};

async fn post(
    base: &str,
    key: &str,
    headers: &[(&str, &str)],
    body: serde_json::Value,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn initialize() -> serde_json::Value {
    json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}})
}

/// The audit rows with these outcomes, waiting for the writer (it batches for 100 ms).
async fn audited(store: &Store, outcomes: &[&str]) -> Vec<gw_mcp::AuditRecord> {
    for _ in 0..50 {
        let rows: Vec<_> = store
            .audit_since(0, None, 1_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| outcomes.contains(&r.outcome.as_str()))
            .collect();
        if outcomes
            .iter()
            .all(|o| rows.iter().any(|r| r.outcome == *o))
        {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not audited: {outcomes:?}");
}

#[tokio::test]
async fn refused_credentials_sessions_hosts_and_origins_are_audited() {
    let (_world, gateway) = world().in_process().await;
    let key = gateway.key("openid,read:users").await;
    let other = gateway.key("openid,read:users").await;

    // A key nobody issued, and a revoked one.
    let unknown = post(
        &gateway.base,
        "mcpgw_madeupmadeupmadeupmadeup",
        &[],
        initialize(),
    )
    .await;
    assert_eq!(unknown.status(), 401);
    let revoked = gateway.key("openid").await;
    gateway.revoke(&revoked).await;
    assert_eq!(
        post(&gateway.base, revoked.expose_secret(), &[], initialize())
            .await
            .status(),
        401
    );

    // A session opened by one key, presented by another.
    let opened = post(&gateway.base, key.expose_secret(), &[], initialize()).await;
    let session = opened.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let stolen = post(
        &gateway.base,
        other.expose_secret(),
        &[("mcp-session-id", &session)],
        json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}),
    )
    .await;
    assert_eq!(stolen.status(), 403);

    // DNS rebinding: a foreign Host, and a page from a foreign origin.
    let host = post(
        &gateway.base,
        key.expose_secret(),
        &[("host", "evil.example")],
        initialize(),
    )
    .await;
    assert_eq!(host.status(), 403);
    let origin = post(
        &gateway.base,
        key.expose_secret(),
        &[("origin", "https://evil.example")],
        initialize(),
    )
    .await;
    assert_eq!(origin.status(), 403);

    let rows = audited(
        &gateway.store,
        &[
            "refused_credential",
            "refused_session",
            "refused_host",
            "refused_origin",
        ],
    )
    .await;
    let credential: Vec<_> = rows
        .iter()
        .filter(|r| r.outcome == "refused_credential")
        .collect();
    assert_eq!(credential.len(), 2, "{rows:?}");
    assert!(
        credential
            .iter()
            .any(|r| r.principal == "credential mcpgw_made…"),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .all(|r| !r.principal.contains(revoked.expose_secret())),
        "a whole key reached the audit log"
    );
    let session_row = rows
        .iter()
        .find(|r| r.outcome == "refused_session")
        .unwrap();
    assert_eq!(session_row.tenant, "acme");
    assert!(
        session_row.principal.contains("access key"),
        "{session_row:?}"
    );
    let host_row = rows.iter().find(|r| r.outcome == "refused_host").unwrap();
    assert_eq!(
        (host_row.principal.as_str(), host_row.tool.as_str()),
        ("Host evil.example", "/mcp")
    );
    let origin_row = rows.iter().find(|r| r.outcome == "refused_origin").unwrap();
    assert_eq!(origin_row.principal, "Origin https://evil.example");
    gateway.stop().await;
}

/// One `tools/call` over stateless HTTP; the JSON-RPC answer.
async fn call(
    gateway: &InProcess,
    key: &str,
    tool: &str,
    arguments: serde_json::Value,
) -> serde_json::Value {
    post(
        &gateway.base,
        key,
        &[],
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name": tool, "arguments": arguments}}),
    )
    .await
    .json()
    .await
    .unwrap()
}

#[tokio::test]
async fn a_key_for_one_tenant_never_reaches_another() {
    let (world, gateway) = world()
        .tenants(&["acme", "beta"])
        .stateless()
        .in_process()
        .await;
    let every = "openid,read:users,read:roles,read:logs,read:clients,read:organizations";
    let acme = gateway.key_for("acme", every).await;
    for (tool, arguments) in [
        ("auth0_list_users", json!({})),
        ("auth0_get_user", json!({"user_id": "auth0|admin"})),
        ("auth0_list_roles", json!({})),
        ("auth0_list_logs", json!({})),
        ("auth0_list_clients", json!({})),
    ] {
        let answer = call(&gateway, acme.expose_secret(), tool, arguments).await;
        assert_ne!(answer["result"]["isError"], json!(true), "{tool}: {answer}");
    }
    let who = call(&gateway, acme.expose_secret(), "auth0_whoami", json!({})).await;
    assert_eq!(
        who["result"]["structuredContent"]["tenant"], "acme",
        "{who}"
    );
    let beta_stats = world.fake_of("beta").fake.stats();
    assert_eq!(
        beta_stats.total_management_requests(),
        0,
        "acme's key reached beta"
    );
    assert_eq!(beta_stats.token_requests_for("client_credentials"), 0);

    let beta = gateway.key_for("beta", "openid,read:users").await;
    let who = call(&gateway, beta.expose_secret(), "auth0_whoami", json!({})).await;
    assert_eq!(
        who["result"]["structuredContent"]["tenant"], "beta",
        "{who}"
    );
    assert_eq!(
        who["result"]["structuredContent"]["domain"], "beta-tenant.eu.auth0.com",
        "{who}"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn fields_cannot_pull_a_client_secret_out() {
    let (world, gateway) = world().stateless().in_process().await;
    let key = gateway.key("openid,read:clients").await;
    let client_id = "AcmeDashboardRegularWeb000000001";
    let secret = world.fake.fake.client(client_id).unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    for arguments in [
        json!({"client_id": client_id, "fields": "client_secret", "include_fields": true}),
        json!({"client_id": client_id, "fields": "name,client_secret,signing_keys"}),
        json!({"client_id": client_id, "fields": "name", "include_fields": false}),
    ] {
        let answer = call(
            &gateway,
            key.expose_secret(),
            "auth0_get_client",
            arguments.clone(),
        )
        .await;
        assert!(
            !answer.to_string().contains(&secret),
            "{arguments}: the secret came out"
        );
    }
    let listed = call(
        &gateway,
        key.expose_secret(),
        "auth0_list_clients",
        json!({"fields": "client_id,client_secret", "include_fields": true}),
    )
    .await;
    assert!(
        !listed.to_string().contains(&secret),
        "the secret came out of a list"
    );
    gateway.stop().await;
}

/// M2: add-ons hold third-party credentials (Firebase keys, WAMS master keys, Azure SAS keys)
/// that Auth0 returns to any `read:clients` token; no tool result carries them, whatever `fields`
/// asks for, and masked values say who masked them.
#[tokio::test]
async fn application_addon_secrets_never_reach_agents() {
    let (world, gateway) = world().stateless().in_process().await;
    let key = gateway.key("openid,read:clients,update:clients").await;
    let dashboard = "AcmeDashboardRegularWeb000000001";
    let reporting = "ReportingJobMachineToMachine0003";
    let addons = world.fake.fake.client(dashboard).unwrap()["addons"].clone();
    let firebase_key = addons["firebase"]["private_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let secrets = [
        addons["firebase"]["secret"].as_str().unwrap().to_owned(),
        firebase_key.lines().nth(1).unwrap().to_owned(),
        addons["wams"]["masterkey"].as_str().unwrap().to_owned(),
        world.fake.fake.client(reporting).unwrap()["addons"]["azure_sb"]["sasKey"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    let answers = [
        call(
            &gateway,
            key.expose_secret(),
            "auth0_list_clients",
            json!({}),
        )
        .await,
        call(
            &gateway,
            key.expose_secret(),
            "auth0_list_clients",
            json!({"fields": "client_id,addons", "include_fields": true}),
        )
        .await,
        call(
            &gateway,
            key.expose_secret(),
            "auth0_get_client",
            json!({"client_id": dashboard}),
        )
        .await,
        call(
            &gateway,
            key.expose_secret(),
            "auth0_get_client",
            json!({"client_id": dashboard, "fields": "addons"}),
        )
        .await,
        call(
            &gateway,
            key.expose_secret(),
            "auth0_get_client",
            json!({"client_id": reporting, "fields": "name", "include_fields": false}),
        )
        .await,
        call(
            &gateway,
            key.expose_secret(),
            "auth0_update_client",
            json!({"client_id": dashboard, "description": "Still the dashboard"}),
        )
        .await,
    ];
    for answer in &answers {
        assert_ne!(answer["result"]["isError"], json!(true), "{answer}");
        let text = answer.to_string();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "an add-on secret came out: {text}"
            );
        }
    }
    let read = &answers[2]["result"]["structuredContent"];
    assert_eq!(
        read["addons"]["firebase"]["private_key"],
        "[masked by the gateway]"
    );
    assert_eq!(
        read["addons"]["wams"]["masterkey"],
        "[masked by the gateway]"
    );
    // What holds no secret stays readable, and the README's wording is the code's.
    assert_eq!(
        read["addons"]["firebase"]["client_email"],
        addons["firebase"]["client_email"]
    );
    assert_eq!(read["client_secret"], "[masked by the gateway]");
    gateway.stop().await;
}

/// L6: the application the gateway connects through cannot be rewritten through the gateway (an
/// attacker's callback plus the implicit grant would hand them users' tokens); the refusal is a
/// tool error, changes nothing at Auth0 and is audited.
#[tokio::test]
async fn the_gateway_s_own_application_cannot_be_rewritten() {
    let (world, gateway) = world().stateless().in_process().await;
    let key = gateway.key("openid,read:clients,update:clients").await;
    let before = world.fake.fake.client(CLIENT_ID).unwrap();
    for client_id in [CLIENT_ID.to_owned(), CLIENT_ID.to_uppercase()] {
        let answer = call(
            &gateway,
            key.expose_secret(),
            "auth0_update_client",
            json!({"client_id": client_id, "callbacks": ["https://attacker.example/cb"], "grant_types": ["implicit", "authorization_code"]}),
        )
        .await;
        assert_eq!(answer["result"]["isError"], json!(true), "{answer}");
        let text = answer["result"]["content"][0]["text"].as_str().unwrap();
        assert!(
            text.contains("the gateway connects to the tenant through"),
            "{text}"
        );
    }
    assert_eq!(world.fake.fake.client(CLIENT_ID).unwrap(), before);
    let rows = audited(&gateway.store, &["not_allowed"]).await;
    assert!(
        rows.iter()
            .any(|r| r.tool == "auth0_update_client" && r.tenant == "acme"),
        "{rows:?}"
    );
    // Fields that need other Auth0 scopes (update:client_keys, …) are not arguments at all.
    for (field, value) in [
        ("client_secret", json!("attacker-chosen")),
        ("signing_keys", json!([{"cert": "x"}])),
        ("encryption_key", json!({"pub": "x"})),
        (
            "client_authentication_methods",
            json!({"private_key_jwt": {}}),
        ),
        ("token_endpoint_auth_method", json!("none")),
        ("jwt_configuration", json!({"alg": "HS256"})),
        ("addons", json!({"firebase": {"secret": "x"}})),
    ] {
        let answer = call(
            &gateway,
            key.expose_secret(),
            "auth0_update_client",
            json!({"client_id": "AcmeSinglePageApp000000000000002", field: value}),
        )
        .await;
        assert_eq!(
            answer["result"]["isError"],
            json!(true),
            "{field}: {answer}"
        );
        assert!(answer.to_string().contains(field), "{field}: {answer}");
    }
    gateway.stop().await;
}
