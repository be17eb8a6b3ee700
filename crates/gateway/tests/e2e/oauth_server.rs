//! The gateway as an OAuth 2.1 authorization server for MCP clients: discovery, dynamic
//! registration, /authorize with consent and the tenant's Auth0 in between, /token with PKCE and
//! rotation, /revoke; and every misuse refused with the right OAuth error.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gw_oauth::GrantMode::AuthorizationCode;
use gw_oauth::ScopeSet;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::mcp::{tool_names, tools_for};
use crate::harness::{InProcess, World, step_client, world};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

pub(crate) struct Client {
    pub(crate) id: String,
    verifier: String,
}

async fn register(gateway: &InProcess, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/register", gateway.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

pub(crate) async fn new_client(gateway: &InProcess) -> Client {
    let (status, body) = register(
        gateway,
        json!({"redirect_uris": [REDIRECT], "client_name": "Test client", "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    Client {
        id: body["client_id"].as_str().unwrap().to_owned(),
        verifier: "a-verifier-that-is-long-enough-to-be-a-real-pkce-verifier-0123".to_owned(),
    }
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn authorize_url(gateway: &InProcess, client: &Client, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&format!("{}/authorize", gateway.base)).unwrap();
    let challenge = challenge(&client.verifier);
    let resource = format!("{}/mcp", gateway.base);
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", &client.id),
        ("redirect_uri", REDIRECT),
        ("state", "client-state-123"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("resource", &resource),
    ];
    for (k, v) in extra {
        params.retain(|(name, _)| name != k);
        if !v.is_empty() {
            params.push((k, v));
        }
    }
    url.query_pairs_mut().extend_pairs(params);
    url.into()
}

/// The query of a redirect to the client.
fn client_redirect(location: &str) -> std::collections::HashMap<String, String> {
    assert!(
        location.starts_with(REDIRECT),
        "not a redirect to the client: {location}"
    );
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Walks /authorize → consent (allow) → Auth0 → callback as a browser; the client's redirect.
pub(crate) async fn authorize(
    gateway: &InProcess,
    client: &Client,
    extra: &[(&str, &str)],
) -> std::collections::HashMap<String, String> {
    let browser = step_client();
    let page = browser
        .get(authorize_url(gateway, client, extra))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "{}", page.text().await.unwrap());
    // Under `no-referrer` a browser posts the consent form with `Origin: null`, which the origin
    // check refuses: the page keeps its referrer within the gateway instead.
    assert_eq!(page.headers()["referrer-policy"], "same-origin");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Test client"),
        "the consent page names the client"
    );
    let request = html
        .split("name=\"request\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a request id in the consent form")
        .to_owned();
    let mut response = browser
        .post(format!("{}/authorize/consent", gateway.base))
        .form(&[("request", request.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    for _ in 0..5 {
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        if location.starts_with(REDIRECT) {
            return client_redirect(&location);
        }
        response = browser.get(&location).send().await.unwrap();
        assert!(
            response.status().is_redirection(),
            "{}",
            response.text().await.unwrap()
        );
    }
    panic!("never sent back to the client");
}

async fn token_request(gateway: &InProcess, form: &[(&str, &str)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/token", gateway.base))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

pub(crate) async fn exchange(gateway: &InProcess, client: &Client, code: &str) -> (u16, Value) {
    token_request(
        gateway,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client.id),
            ("code_verifier", &client.verifier),
        ],
    )
    .await
}

async fn setup() -> (World, InProcess) {
    world().grant(AuthorizationCode).in_process().await
}

#[tokio::test]
async fn discovery_names_the_gateway_as_authorization_server() {
    let (_world, gateway) = setup().await;
    let http = reqwest::Client::new();
    let prm: Value = http
        .get(format!(
            "{}/.well-known/oauth-protected-resource/mcp",
            gateway.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(prm["resource"], format!("{}/mcp", gateway.base));
    assert_eq!(prm["authorization_servers"], json!([gateway.base]));
    let asm: Value = http
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            gateway.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(asm["issuer"], gateway.base);
    assert_eq!(
        asm["authorization_endpoint"],
        format!("{}/authorize", gateway.base)
    );
    assert_eq!(asm["token_endpoint"], format!("{}/token", gateway.base));
    assert_eq!(
        asm["registration_endpoint"],
        format!("{}/register", gateway.base)
    );
    assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        asm["grant_types_supported"],
        json!(["authorization_code", "refresh_token"])
    );
    gateway.stop().await;
}

#[tokio::test]
async fn a_client_registers_is_authorized_through_auth0_and_calls_tools_then_refreshes() {
    let (world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    let redirect = authorize(&gateway, &client, &[]).await;
    assert_eq!(redirect["state"], "client-state-123");
    assert_eq!(redirect["iss"], gateway.base);
    let (status, tokens) = exchange(&gateway, &client, &redirect["code"]).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    let access = tokens["access_token"].as_str().unwrap();
    assert!(access.starts_with("mcpat_"));

    let mcp = gateway.mcp_client(access).await;
    assert_eq!(tool_names(&mcp).await, tools_for(ScopeSet::all()));
    let roles = mcp
        .call_tool(rmcp::model::CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(roles.is_error, Some(true));
    assert_eq!(world.stats().token_requests_for("authorization_code"), 1);

    // Rotation: the new refresh token works; the old one, presented again, revokes the grant.
    let old_refresh = tokens["refresh_token"].as_str().unwrap();
    let refresh = |token: &str| {
        let token = token.to_owned();
        let id = client.id.clone();
        let gateway = &gateway;
        async move {
            token_request(
                gateway,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &token),
                    ("client_id", &id),
                ],
            )
            .await
        }
    };
    let (status, rotated) = refresh(old_refresh).await;
    assert_eq!(status, 200, "{rotated}");
    let new_access = rotated["access_token"].as_str().unwrap();
    assert_eq!(gateway.initialize_status(new_access).await, 200);
    let (status, body) = refresh(old_refresh).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        gateway.initialize_status(new_access).await,
        401,
        "reuse revokes the whole grant"
    );
    let (status, _) = refresh(rotated["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400);
    let refused = gateway.audited("refused_refresh_reuse").await;
    assert!(
        refused.principal.starts_with("OAuth client mcpc_"),
        "{refused:?}"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn a_client_asking_for_fewer_scopes_gets_fewer_tools() {
    let (_world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    let redirect = authorize(&gateway, &client, &[("scope", "openid read:logs")]).await;
    let (_, tokens) = exchange(&gateway, &client, &redirect["code"]).await;
    assert_eq!(tokens["scope"], "openid read:logs");
    let mcp = gateway
        .mcp_client(tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(
        tool_names(&mcp).await,
        tools_for(ScopeSet::parse_list("openid,read:logs").unwrap())
    );
    gateway.stop().await;
}

#[tokio::test]
async fn registration_refuses_unsafe_redirect_uris_and_bad_metadata() {
    let (_world, gateway) = setup().await;
    for (body, error) in [
        (
            json!({"redirect_uris": ["http://evil.example/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["javascript:alert(1)"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://app.example/cb#frag"]}),
            "invalid_redirect_uri",
        ),
        (json!({"redirect_uris": []}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": vec!["https://a.example/cb"; 11]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["password"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
        ),
        (json!("not an object"), "invalid_client_metadata"),
    ] {
        let (status, answer) = register(&gateway, body.clone()).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some(error)),
            "{body}"
        );
    }
    // Loopback on any port, and https, are fine; a confidential client gets a secret.
    let (status, answer) = register(
        &gateway,
        json!({"redirect_uris": ["http://localhost:51234/cb", "https://app.example/cb"], "token_endpoint_auth_method": "client_secret_post"}),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert!(
        answer["client_secret"]
            .as_str()
            .unwrap()
            .starts_with("mcpcs_")
    );
    gateway.stop().await;
}

#[tokio::test]
async fn authorize_refuses_unknown_clients_and_unregistered_redirects_without_redirecting() {
    let (_world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    for url in [
        authorize_url(
            &gateway,
            &client,
            &[("redirect_uri", "http://127.0.0.1:9/other")],
        ),
        authorize_url(&gateway, &client, &[("redirect_uri", "")]),
        authorize_url(&gateway, &client, &[("client_id", "mcpc_unknown")]),
    ] {
        let response = step_client().get(&url).send().await.unwrap();
        assert_eq!(response.status(), 400, "{url}");
        assert!(
            response.headers().get("location").is_none(),
            "never redirect to an unverified URI"
        );
    }
    gateway.stop().await;
}

/// A native client registers a loopback redirect without a port and listens on whatever port it
/// gets (RFC 8252 §7.3): any port is accepted there, and nothing else is loosened.
#[tokio::test]
async fn a_loopback_redirect_matches_on_any_port() {
    let (_world, gateway) = setup().await;
    let (status, body) = register(
        &gateway,
        json!({"redirect_uris": ["http://127.0.0.1/callback"], "client_name": "Test client", "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let client = Client {
        id: body["client_id"].as_str().unwrap().to_owned(),
        verifier: "a-verifier-that-is-long-enough-to-be-a-real-pkce-verifier-0123".to_owned(),
    };
    let status_for = |redirect: &'static str| {
        let url = authorize_url(&gateway, &client, &[("redirect_uri", redirect)]);
        async move {
            step_client()
                .get(url)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        status_for("http://127.0.0.1:54321/callback").await,
        200,
        "the consent page"
    );
    assert_eq!(status_for("http://127.0.0.1:54321/other").await, 400);
    assert_eq!(status_for("http://localhost:54321/callback").await, 400);
    gateway.stop().await;
}

#[tokio::test]
async fn authorize_sends_protocol_errors_back_to_the_client() {
    let (_world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    // A client some user has authorized before hears of its errors at its redirect URI.
    authorize(&gateway, &client, &[]).await;
    for (extra, error) in [
        (vec![("code_challenge", "")], "invalid_request"),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("resource", "")], "invalid_target"),
        (
            vec![("resource", "https://other.example/mcp")],
            "invalid_target",
        ),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("scope", "openid write:everything")], "invalid_scope"),
    ] {
        let response = step_client()
            .get(authorize_url(&gateway, &client, &extra))
            .send()
            .await
            .unwrap();
        let redirect = client_redirect(response.headers()["location"].to_str().unwrap());
        assert_eq!(redirect["error"], error, "{extra:?}");
        assert_eq!(redirect["state"], "client-state-123");
    }
    gateway.stop().await;
}

#[tokio::test]
async fn a_declined_consent_and_a_consent_from_another_browser_are_refused() {
    let (_world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    let browser = step_client();
    let html = browser
        .get(authorize_url(&gateway, &client, &[]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let request = html
        .split("name=\"request\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let forged = step_client()
        .post(format!("{}/authorize/consent", gateway.base))
        .form(&[("request", request.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        403,
        "a consent posted without the page's cookie"
    );
    let declined = browser
        .post(format!("{}/authorize/consent", gateway.base))
        .form(&[("request", request.as_str()), ("decision", "deny")])
        .send()
        .await
        .unwrap();
    let redirect = client_redirect(declined.headers()["location"].to_str().unwrap());
    assert_eq!(redirect["error"], "access_denied");
    assert!(
        gateway
            .store
            .list_connections(None)
            .await
            .unwrap()
            .is_empty()
    );
    gateway.stop().await;
}

#[tokio::test]
async fn the_token_endpoint_refuses_wrong_verifiers_reused_codes_and_other_clients() {
    let (_world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    let other = new_client(&gateway).await;

    let code = authorize(&gateway, &client, &[]).await["code"].clone();
    let wrong = Client {
        verifier: "not-the-verifier-at-all-but-long-enough-0123456789".into(),
        ..new_client(&gateway).await
    };
    let (status, body) = token_request(
        &gateway,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client.id),
            ("code_verifier", &wrong.verifier),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let code = authorize(&gateway, &client, &[]).await["code"].clone();
    let (status, body) = token_request(
        &gateway,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client.id),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "a missing verifier"
    );

    let code = authorize(&gateway, &client, &[]).await["code"].clone();
    let (status, body) = exchange(&gateway, &other, &code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "another client's code"
    );

    let code = authorize(&gateway, &client, &[]).await["code"].clone();
    let (status, first) = exchange(&gateway, &client, &code).await;
    assert_eq!(status, 200);
    let (status, body) = exchange(&gateway, &client, &code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "a reused code"
    );
    assert_eq!(
        gateway
            .initialize_status(first["access_token"].as_str().unwrap())
            .await,
        401,
        "tokens issued with a reused code are revoked"
    );
    assert_eq!(gateway.audited("refused_code_replay").await.tool, "/token");

    let code = authorize(&gateway, &client, &[]).await["code"].clone();
    let (status, body) = token_request(
        &gateway,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client.id),
            ("code_verifier", &client.verifier),
            ("resource", "https://other.example/mcp"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target"))
    );

    let (status, body) = token_request(
        &gateway,
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", "mcpc_nobody"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = token_request(
        &gateway,
        &[("grant_type", "password"), ("client_id", &client.id)],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    gateway.stop().await;
}

/// A little more than how long the gateway trusts a resolved credential without the store
/// (`http::credential_cache::TTL`, 500 ms).
const CREDENTIAL_MEMORY: std::time::Duration = std::time::Duration::from_millis(600);

#[tokio::test]
async fn tokens_for_another_resource_and_revoked_tokens_are_refused_at_mcp() {
    let (world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    let code = authorize(&gateway, &client, &[]).await["code"].clone();
    let (_, tokens) = exchange(&gateway, &client, &code).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(gateway.initialize_status(access).await, 200);

    // As if minted for another resource (another gateway sharing the store).
    let pool = world.sqlite().await;
    sqlx::query("UPDATE oauth_tokens SET resource = 'https://elsewhere.example/mcp'")
        .execute(&pool)
        .await
        .unwrap();
    // A change made behind this process's back is seen once its memory of the token lapses.
    tokio::time::sleep(CREDENTIAL_MEMORY).await;
    assert_eq!(gateway.initialize_status(access).await, 401);
    sqlx::query("UPDATE oauth_tokens SET resource = ?")
        .bind(format!("{}/mcp", gateway.base))
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(gateway.initialize_status(access).await, 200);

    let revoked = reqwest::Client::new()
        .post(format!("{}/revoke", gateway.base))
        .form(&[
            ("token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &client.id),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        gateway.initialize_status(access).await,
        401,
        "revoking the refresh token revokes its grant"
    );
    let (status, _) = token_request(
        &gateway,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &client.id),
        ],
    )
    .await;
    assert_eq!(status, 400);
    gateway.stop().await;
}

#[tokio::test]
async fn with_several_tenants_the_user_picks_one_unless_the_client_names_it() {
    let (_world, gateway) = world()
        .grant(AuthorizationCode)
        .tenants(&["acme", "beta"])
        .in_process()
        .await;
    let client = new_client(&gateway).await;

    let browser = step_client();
    let html = browser
        .get(authorize_url(&gateway, &client, &[]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<select name=\"tenant\">") && html.contains(">beta<"),
        "{html}"
    );
    // The choice is submitted with the decision: the select belongs to the consent form.
    let form = html
        .split("<form method=\"post\" action=\"/authorize/consent\">")
        .nth(1)
        .and_then(|rest| rest.split("</form>").next())
        .unwrap_or_default();
    assert!(form.contains("<select name=\"tenant\">"), "{html}");
    let request = html
        .split("name=\"request\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let mut response = browser
        .post(format!("{}/authorize/consent", gateway.base))
        .form(&[
            ("request", request.as_str()),
            ("decision", "allow"),
            ("tenant", "beta"),
        ])
        .send()
        .await
        .unwrap();
    let redirect = loop {
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        if location.starts_with(REDIRECT) {
            break client_redirect(&location);
        }
        response = browser.get(&location).send().await.unwrap();
    };
    let (_, tokens) = exchange(&gateway, &client, &redirect["code"]).await;
    let mcp = gateway
        .mcp_client(tokens["access_token"].as_str().unwrap())
        .await;
    let who = mcp
        .call_tool(rmcp::model::CallToolRequestParams::new("auth0_whoami"))
        .await
        .unwrap();
    assert_eq!(who.structured_content.unwrap()["tenant"], "beta");

    // Named by the client: no choice on the page, and an unknown name is an error.
    let html = step_client()
        .get(authorize_url(&gateway, &client, &[("tenant", "acme")]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<select"), "{html}");
    let response = step_client()
        .get(authorize_url(&gateway, &client, &[("tenant", "nope")]))
        .send()
        .await
        .unwrap();
    let redirect = client_redirect(response.headers()["location"].to_str().unwrap());
    assert_eq!(redirect["error"], "invalid_request");
    gateway.stop().await;
}

#[tokio::test]
async fn browser_hosted_clients_may_call_discovery_registration_and_tokens_but_not_metrics() {
    let (_world, gateway) = setup().await;
    let http = reqwest::Client::new();
    let origin = "http://localhost:6274";
    let preflight = http
        .request(reqwest::Method::OPTIONS, format!("{}/token", gateway.base))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let answer = http
            .get(format!("{}{path}", gateway.base))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(
            answer.headers()["access-control-allow-origin"],
            "*",
            "{path}"
        );
    }
    let (status, _) = register(
        &gateway,
        json!({"redirect_uris": ["http://localhost:6274/oauth/callback"]}),
    )
    .await;
    assert_eq!(status, 201);
    let metrics = http
        .get(format!("{}/metrics", gateway.base))
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    assert!(
        metrics
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    gateway.stop().await;
}

async fn count(pool: &sqlx::SqlitePool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// `rows` rows made by `insert_select`, an `INSERT … SELECT … FROM n` where `n.i` counts.
async fn fill(pool: &sqlx::SqlitePool, rows: u32, insert_select: &str) {
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) {insert_select}"
    ))
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn registrations_from_one_address_are_rate_limited_and_the_refusal_audited() {
    let (world, gateway) = world()
        .grant(AuthorizationCode)
        .registrations_per_hour(3)
        .in_process()
        .await;
    for _ in 0..3 {
        new_client(&gateway).await;
    }
    let response = reqwest::Client::new()
        .post(format!("{}/register", gateway.base))
        .json(&json!({"redirect_uris": [REDIRECT]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 1200, "{wait}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    // A flood is audited once per source, not once per refused request.
    for _ in 0..5 {
        let (status, _) = register(&gateway, json!({"redirect_uris": [REDIRECT]})).await;
        assert_eq!(status, 429);
    }
    let refused = gateway.audited("refused_rate_limit").await;
    assert_eq!(
        (refused.tool.as_str(), refused.principal.as_str()),
        ("/register", "source 127.0.0.1")
    );
    let refusals = gateway
        .store
        .audit_since(0, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.outcome == "refused_rate_limit")
        .count();
    assert_eq!(refusals, 1);
    assert_eq!(count(&world.sqlite().await, "oauth_clients").await, 3);
    gateway.stop().await;
}

#[tokio::test]
async fn a_store_full_of_unused_registrations_makes_room_for_new_clients_and_keeps_used_ones() {
    let (world, gateway) = setup().await;
    let used = new_client(&gateway).await;
    authorize(&gateway, &used, &[]).await;
    let pool = world.sqlite().await;
    // Registered two days ago and never authorized, up to the store's cap of 10,000.
    sqlx::query("UPDATE oauth_clients SET created_at = created_at - 172800")
        .execute(&pool)
        .await
        .unwrap();
    fill(
        &pool,
        9_999,
        "INSERT INTO oauth_clients (client_id, auth_method, redirect_uris, created_at) \
         SELECT 'mcpc_flood' || i, 'none', '[\"https://evil.example/cb\"]', CAST(strftime('%s', 'now') AS INTEGER) - 172800 FROM n",
    )
    .await;
    let (status, body) = register(&gateway, json!({"redirect_uris": [REDIRECT]})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        count(&pool, "oauth_clients").await,
        2,
        "the unused ones went"
    );
    assert!(
        gateway
            .store
            .oauth_client(&used.id)
            .await
            .unwrap()
            .is_some(),
        "a registration in use stays"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn authorize_errors_for_a_client_nobody_authorized_are_shown_not_redirected() {
    let (_world, gateway) = setup().await;
    let (status, body) = register(
        &gateway,
        json!({"redirect_uris": ["https://evil.example/landing"], "client_name": "Evil"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let mut url = url::Url::parse(&format!("{}/authorize", gateway.base)).unwrap();
    url.query_pairs_mut().extend_pairs([
        ("client_id", body["client_id"].as_str().unwrap()),
        ("redirect_uri", "https://evil.example/landing"),
        ("response_type", "x"),
    ]);
    let response = step_client().get(url.as_str()).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response.headers().get("location").is_none(),
        "no redirect to a URI nobody vouched for"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("response_type must be code"), "{html}");
    gateway.stop().await;
}

#[tokio::test]
async fn an_oversized_state_is_refused_and_not_stored() {
    let (world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    let state = "s".repeat(2000);
    let response = step_client()
        .get(authorize_url(&gateway, &client, &[("state", &state)]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    assert!(!response.text().await.unwrap().contains(&state));
    assert_eq!(count(&world.sqlite().await, "oauth_requests").await, 0);
    // A state of ordinary size is fine.
    let response = step_client()
        .get(authorize_url(
            &gateway,
            &client,
            &[("state", &"s".repeat(1024))],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    gateway.stop().await;
}

#[tokio::test]
async fn pending_sign_ins_and_authorization_requests_are_bounded_and_refused_clearly_when_full() {
    let (world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    let pool = world.sqlite().await;
    let now = "CAST(strftime('%s', 'now') AS INTEGER)";
    fill(
        &pool,
        10_000,
        &format!(
            "INSERT INTO pending_authorizations (state_hash, tenant, verifier, requested, created_at, expires_at) \
             SELECT 'flood' || i, 'acme', x'00', 'openid', {now}, {now} + 600 FROM n"
        ),
    )
    .await;
    let response = step_client()
        .get(format!("{}/connect/acme", gateway.base))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "too_many_sign_ins", "{body}");
    assert_eq!(count(&pool, "pending_authorizations").await, 10_000);

    fill(
        &pool,
        10_000,
        &format!(
            "INSERT INTO oauth_requests (id, client_id, redirect_uri, code_challenge, resource, browser_hash, created_at, expires_at) \
             SELECT 'flood' || i, '{}', '{REDIRECT}', 'c', 'r', 'h', {now}, {now} + 600 FROM n",
            client.id
        ),
    )
    .await;
    let response = step_client()
        .get(authorize_url(&gateway, &client, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("location").is_none());
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("as many authorization requests in progress as it accepts")
    );
    assert_eq!(count(&pool, "oauth_requests").await, 10_000);
    gateway.stop().await;
}

#[tokio::test]
async fn bidi_override_characters_in_client_names_never_reach_the_consent_page() {
    let (world, gateway) = setup().await;
    let (status, body) = register(
        &gateway,
        json!({"redirect_uris": [REDIRECT], "client_name": "Test client\u{202E}lanigirO\u{200B}"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["client_name"], "Test clientlanigirO");
    let client = Client {
        id: body["client_id"].as_str().unwrap().to_owned(),
        verifier: "v".repeat(50),
    };
    let html = step_client()
        .get(authorize_url(&gateway, &client, &[]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Test clientlanigirO"), "{html}");
    assert!(!html.contains('\u{202E}') && !html.contains('\u{200B}'));

    // A name stored before registration stripped them shows them, visibly.
    sqlx::query("UPDATE oauth_clients SET client_name = ? WHERE client_id = ?")
        .bind("Old\u{2067}name")
        .bind(&client.id)
        .execute(&world.sqlite().await)
        .await
        .unwrap();
    let html = step_client()
        .get(authorize_url(&gateway, &client, &[]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Old[U+2067]name"), "{html}");
    assert!(!html.contains('\u{2067}'));
    gateway.stop().await;
}

/// A client names itself: markup in its name is shown on the consent page as text, never run.
#[tokio::test]
async fn markup_in_a_client_name_is_shown_as_text_on_the_consent_page() {
    let (_world, gateway) = setup().await;
    let (status, body) = register(
        &gateway,
        json!({"redirect_uris": [REDIRECT], "client_name": "\"><img src=x onerror=alert(1)><script>alert(1)</script>"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let client = Client {
        id: body["client_id"].as_str().unwrap().to_owned(),
        verifier: "v".repeat(50),
    };
    let html = step_client()
        .get(authorize_url(&gateway, &client, &[]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Allow access?"), "{html}");
    assert!(
        html_escape::decode_html_entities(&html)
            .contains("\"><img src=x onerror=alert(1)><script>alert(1)</script>"),
        "{html}"
    );
    assert!(
        !html.contains("<img src=x") && !html.contains("<script>alert(1)"),
        "{html}"
    );
    gateway.stop().await;
}

async fn refresh_with(
    gateway: &InProcess,
    client: &Client,
    refresh_token: &str,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client.id.as_str()),
    ];
    form.extend_from_slice(extra);
    token_request(gateway, &form).await
}

/// The only connection of the world's user that is not revoked.
async fn live_connection(gateway: &InProcess) -> String {
    let live: Vec<_> = gateway
        .store
        .list_connections(Some("acme"))
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.status != gw_store::ConnectionStatus::Revoked)
        .collect();
    assert_eq!(live.len(), 1, "{live:?}");
    live[0].id.clone()
}

/// H1: revoking a connection revokes what it issued to MCP clients, and the user connecting again
/// does not bring any of it back: only a new authorization gives access.
#[tokio::test]
async fn revoked_grant_stays_revoked_after_reconnect() {
    let (_world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    let code = authorize(&gateway, &client, &[]).await["code"].clone();
    let (status, tokens) = exchange(&gateway, &client, &code).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(gateway.initialize_status(access).await, 200);
    // A code issued but not yet redeemed when the connection is revoked.
    let pending_code = authorize(&gateway, &client, &[]).await["code"].clone();

    let revoked = live_connection(&gateway).await;
    assert!(
        gateway
            .store
            .revoke_connection(&revoked)
            .await
            .unwrap()
            .is_some()
    );
    // The same user connects again (a GET any site can send a signed-in browser to).
    let reconnected = gateway.connect().await;

    assert_eq!(
        gateway.initialize_status(access).await,
        401,
        "old access token"
    );
    let (status, body) = refresh_with(&gateway, &client, refresh, &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "old refresh token: {body}"
    );
    let (status, body) = exchange(&gateway, &client, &pending_code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "old unredeemed code: {body}"
    );

    assert_ne!(
        reconnected["connection_id"].as_str(),
        Some(revoked.as_str()),
        "a reconnect after revocation is a new connection"
    );
    // A new authorization works, for the new connection.
    let code = authorize(&gateway, &client, &[]).await["code"].clone();
    let (status, tokens) = exchange(&gateway, &client, &code).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        gateway
            .initialize_status(tokens["access_token"].as_str().unwrap())
            .await,
        200
    );
    gateway.stop().await;
}

/// L3: a token request that fails its checks leaves the code or refresh token for the real
/// client.
#[tokio::test]
async fn a_failed_redemption_does_not_spend_the_code_or_refresh_token() {
    let (_world, gateway) = setup().await;
    let client = new_client(&gateway).await;
    let other = new_client(&gateway).await;
    let code = authorize(&gateway, &client, &[]).await["code"].clone();
    let resource = format!("{}/mcp", gateway.base);
    let wrong_requests: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "wrong verifier",
            vec![
                ("redirect_uri", REDIRECT),
                ("client_id", &client.id),
                (
                    "code_verifier",
                    "not-the-verifier-at-all-but-long-enough-0123456789",
                ),
            ],
        ),
        (
            "wrong redirect_uri",
            vec![
                ("redirect_uri", "http://127.0.0.1:9/elsewhere"),
                ("client_id", &client.id),
                ("code_verifier", &client.verifier),
            ],
        ),
        (
            "another client",
            vec![
                ("redirect_uri", REDIRECT),
                ("client_id", &other.id),
                ("code_verifier", &client.verifier),
            ],
        ),
        (
            "another resource",
            vec![
                ("redirect_uri", REDIRECT),
                ("client_id", &client.id),
                ("code_verifier", &client.verifier),
                ("resource", "https://other.example/mcp"),
            ],
        ),
    ];
    for (case, fields) in wrong_requests {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ];
        form.extend(fields);
        let (status, body) = token_request(&gateway, &form).await;
        assert_eq!(status, 400, "{case}: {body}");
    }
    let (status, tokens) = token_request(
        &gateway,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client.id),
            ("code_verifier", &client.verifier),
            ("resource", &resource),
        ],
    )
    .await;
    assert_eq!(
        status, 200,
        "the real client's exchange still works: {tokens}"
    );
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();

    let (status, body) = refresh_with(&gateway, &other, refresh, &[]).await;
    assert_eq!(status, 400, "another client: {body}");
    let (status, body) = refresh_with(
        &gateway,
        &client,
        refresh,
        &[("resource", "https://other.example/mcp")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target")),
        "another resource: {body}"
    );
    let (status, narrow) =
        refresh_with(&gateway, &client, refresh, &[("scope", "read:users")]).await;
    assert_eq!(
        status, 200,
        "the real client's refresh still works: {narrow}"
    );
    let narrow_refresh = narrow["refresh_token"].as_str().unwrap();
    let (status, body) = refresh_with(
        &gateway,
        &client,
        narrow_refresh,
        &[("scope", "read:users delete:users")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "widening: {body}"
    );
    let (status, body) = refresh_with(&gateway, &client, narrow_refresh, &[]).await;
    assert_eq!(
        status, 200,
        "and again after a widening was refused: {body}"
    );
    assert_eq!(
        gateway.initialize_status(access).await,
        200,
        "no family was revoked by the failed attempts"
    );
    gateway.stop().await;
}
