//! Connecting a user through `/connect/{tenant}` and `/integration-callback`, in both grant
//! modes, against the fake tenant with a redirect-following client; and every way it can fail,
//! each of which explains itself and stores nothing.

use fake_auth0::UserGrants;
use gw_oauth::GrantMode::AuthorizationCode;
use gw_oauth::{ScopeSet, UserGrant, UserMatch};
use rmcp::model::CallToolRequestParams;

use crate::harness::mcp::{tool_names, tools_for};
use crate::harness::{Builder, CLIENT_ID, browser, get_json, location, step_client, text, world};

fn scopes(names: &[&str]) -> ScopeSet {
    ScopeSet::parse_list(&names.join(",")).unwrap()
}

#[tokio::test]
async fn a_user_connects_and_their_key_sees_exactly_what_auth0_granted() {
    let (world, gateway) = world().grant(AuthorizationCode).in_process().await;

    let connected = gateway.connect().await;
    let key = connected["key"].as_str().unwrap();
    assert!(key.starts_with("mcpgw_"));
    assert!(
        connected["connection_id"]
            .as_str()
            .unwrap()
            .starts_with("con_")
    );
    assert_eq!(connected["user"]["user_id"], "auth0|admin");
    let granted: Vec<&str> = connected["granted_scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(granted, ScopeSet::all().names());

    let client = gateway.mcp_client(key).await;
    assert_eq!(tool_names(&client).await, tools_for(ScopeSet::all()));
    let result = client
        .call_tool(CallToolRequestParams::new("auth0_whoami"))
        .await
        .unwrap();
    let who = result.structured_content.clone().unwrap();
    assert_eq!(who["principal_kind"], "user");
    assert!(who["principal"].as_str().unwrap().contains("con_"), "{who}");
    let result = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    // The call went out with the user's own token: the gateway never asked for a machine token.
    assert_eq!(world.stats().token_requests_for("client_credentials"), 0);
    assert_eq!(world.stats().token_requests_for("authorization_code"), 1);
    client.cancel().await.unwrap();
    gateway.stop().await;
}

#[tokio::test]
async fn when_auth0_grants_less_than_asked_the_tool_list_follows_the_grant() {
    let (world, gateway) = world().grant(AuthorizationCode).in_process().await;
    world.fake.fake.set_user_grants(UserGrants::Only(vec![
        "read:users".into(),
        "read:logs".into(),
    ]));
    let connected = gateway.connect().await;
    let expected = scopes(&[
        "openid",
        "profile",
        "email",
        "offline_access",
        "read:users",
        "read:logs",
    ]);
    assert_eq!(
        connected["granted_scopes"],
        serde_json::json!(expected.names())
    );
    let client = gateway.mcp_client(connected["key"].as_str().unwrap()).await;
    assert_eq!(tool_names(&client).await, tools_for(expected));

    // A tool the tenant allows but the grant lacks: the error links to consent for exactly that.
    let refused = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_eq!(refused.is_error, Some(true));
    let message = text(&refused);
    assert!(message.contains("read:roles"), "{message}");
    let consent = message
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no consent link in {message}"))
        .to_owned();
    // The link names every scope to ask for (what the user holds and what the tool lacks), so
    // /connect looks nothing up for a caller who has not signed in.
    let query: std::collections::HashMap<_, _> = url::Url::parse(&consent)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert!(!query.contains_key("connection"), "{consent}");
    // It is for this connection: only its user may finish it (`incremental_consent.rs`).
    assert_eq!(query["for"], connected["connection_id"].as_str().unwrap());
    assert_eq!(
        ScopeSet::parse_list(&query["add"]).unwrap(),
        expected.union(scopes(&["read:roles"])),
        "{consent}"
    );

    // After consenting, the same key gains the tool.
    world
        .fake
        .fake
        .set_user_grants(UserGrants::AllRequestedUnlikeAuth0);
    let (status, again) = get_json(&browser(), &consent).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["connection_id"], connected["connection_id"]);
    let client = gateway.mcp_client(connected["key"].as_str().unwrap()).await;
    assert!(
        tool_names(&client)
            .await
            .contains(&"auth0_list_roles".to_owned())
    );
    let listed = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(listed.is_error, Some(true), "{}", text(&listed));
    gateway.stop().await;
}

#[tokio::test]
async fn with_client_credentials_the_policy_decides_and_calls_use_the_machine_token() {
    let (world, gateway) = world()
        .user_policy(vec![UserGrant {
            matches: UserMatch::UserId("auth0|admin".into()),
            scopes: scopes(&["read:users", "read:roles"]),
        }])
        .in_process()
        .await;
    let connected = gateway.connect().await;
    let client = gateway.mcp_client(connected["key"].as_str().unwrap()).await;
    let expected = scopes(&[
        "openid",
        "profile",
        "email",
        "offline_access",
        "read:users",
        "read:roles",
    ]);
    assert_eq!(tool_names(&client).await, tools_for(expected));
    let result = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    assert_eq!(world.stats().token_requests_for("client_credentials"), 1);
    // The user's own tokens are not kept: nothing to leak, nothing to refresh.
    let connection = gateway
        .store
        .connection(connected["connection_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(connection.expires_at, None);
    assert!(!connection.has_refresh_token);
    gateway.stop().await;
}

#[tokio::test]
async fn a_user_the_policy_does_not_name_connects_but_gets_no_tools_beyond_whoami() {
    let (_world, gateway) = world()
        .user_policy(vec![UserGrant {
            matches: UserMatch::EmailDomain("elsewhere.example".into()),
            scopes: ScopeSet::all(),
        }])
        .in_process()
        .await;
    let connected = gateway.connect().await;
    let client = gateway.mcp_client(connected["key"].as_str().unwrap()).await;
    assert_eq!(tool_names(&client).await, vec!["auth0_whoami".to_owned()]);
    gateway.stop().await;
}

#[tokio::test]
async fn the_success_page_shows_the_user_the_scopes_the_tools_and_the_key() {
    let (_world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let response = browser()
        .get(format!("{}/connect/acme", gateway.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.unwrap();
    for expected in [
        "Connected",
        "auth0|admin",
        "read:users",
        "auth0_list_users",
        "mcpgw_",
        "/mcp",
        "Authorization: Bearer",
    ] {
        assert!(
            page.contains(expected),
            "`{expected}` missing from the page"
        );
    }
    gateway.stop().await;
}

/// Nothing was stored: no connection, no key.
async fn nothing_stored(store: &gw_store::Store) {
    assert!(store.list_connections(None).await.unwrap().is_empty());
    assert!(store.list_keys(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_denied_consent_explains_itself_and_stores_nothing() {
    let (_world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let (browser, callback) = gateway.callback_url("&fake_deny=1").await;
    assert!(callback.contains("error=access_denied"), "{callback}");
    let (status, body) = get_json(&browser, &callback).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "authorization_failed");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("access_denied")
    );
    assert!(
        body["next_step"]
            .as_str()
            .unwrap()
            .contains("/connect/acme")
    );
    // The same as a page, for a person.
    let (browser, callback) = gateway.callback_url("&fake_deny=1").await;
    let page = browser
        .get(&callback)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Could not connect"), "{page}");
    assert!(page.contains("access_denied"), "{page}");
    nothing_stored(&gateway.store).await;
    gateway.stop().await;
}

#[tokio::test]
async fn missing_unknown_and_replayed_states_are_refused() {
    let (_world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let (status, body) = get_json(
        &step_client(),
        &format!("{}/integration-callback?code=abc", gateway.base),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("missing_state"))
    );
    let (status, body) = get_json(
        &step_client(),
        &format!(
            "{}/integration-callback?code=abc&state=forged",
            gateway.base
        ),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_state"))
    );
    nothing_stored(&gateway.store).await;

    let (browser, callback) = gateway.callback_url("").await;
    let (status, _) = get_json(&browser, &callback).await;
    assert_eq!(status, 200);
    // The same browser reloading the success page hears what happened, and how to get a new key.
    let (status, body) = get_json(&browser, &callback).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("already_connected")),
        "{body}"
    );
    assert!(
        body["next_step"]
            .as_str()
            .unwrap()
            .contains("/connect/acme"),
        "{body}"
    );
    // Anyone else replaying the callback is refused.
    let (status, body) = get_json(&step_client(), &callback).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_state")),
        "a replayed callback is refused"
    );
    assert_eq!(gateway.store.list_connections(None).await.unwrap().len(), 1);
    assert_eq!(
        gateway.store.list_keys(None).await.unwrap().len(),
        1,
        "the replay made no second key"
    );
    let refused = gateway.audited("refused_state").await;
    assert_eq!(refused.tool, "/integration-callback");
    gateway.stop().await;
}

#[tokio::test]
async fn an_expired_state_is_refused_with_a_way_to_start_again() {
    let (world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let (browser, callback) = gateway.callback_url("").await;
    let pool = world.sqlite().await;
    sqlx::query("UPDATE pending_authorizations SET expires_at = 0")
        .execute(&pool)
        .await
        .unwrap();
    let (status, body) = get_json(&browser, &callback).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("expired_state"))
    );
    assert!(
        body["next_step"]
            .as_str()
            .unwrap()
            .contains("/connect/acme")
    );
    nothing_stored(&gateway.store).await;
    gateway.stop().await;
}

#[tokio::test]
async fn a_failed_code_exchange_explains_itself_and_stores_nothing() {
    let (_world, gateway) = world().grant(AuthorizationCode).in_process().await;
    let (browser, callback) = gateway.callback_url("").await;
    let mut url = url::Url::parse(&callback).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    url.query_pairs_mut()
        .clear()
        .append_pair("code", "not-the-code")
        .append_pair("state", &state);
    let (status, body) = get_json(&browser, url.as_str()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (502, Some("exchange_failed"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("invalid_grant"),
        "{body}"
    );
    nothing_stored(&gateway.store).await;
    gateway.stop().await;
}

#[tokio::test]
async fn connect_refuses_unknown_tenants_and_scopes_the_tenant_does_not_allow() {
    let (_world, gateway) = world()
        .grant(AuthorizationCode)
        .scopes("openid,offline_access,read:users")
        .in_process()
        .await;
    let (status, body) = get_json(&step_client(), &format!("{}/connect/nope", gateway.base)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_tenant"))
    );
    let (status, body) = get_json(
        &step_client(),
        &format!("{}/connect/acme?add=delete:users", gateway.base),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("delete:users")
    );

    // The authorize request asks for the tenant's scopes in Auth0's terms, for the Management API.
    let response = step_client()
        .get(format!("{}/connect/acme", gateway.base))
        .send()
        .await
        .unwrap();
    let authorize = url::Url::parse(&location(&response)).unwrap();
    let query: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], CLIENT_ID);
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(
        query["audience"],
        "https://demo-tenant.us.auth0.com/api/v2/"
    );
    assert_eq!(
        query["redirect_uri"],
        format!("{}/integration-callback", gateway.base)
    );
    assert_eq!(query["scope"], "openid offline_access read:users");
    assert!(query["state"].len() >= 16);
    gateway.stop().await;
}

#[tokio::test]
async fn a_callback_carried_to_another_browser_is_refused() {
    let (_world, gateway) = world().grant(AuthorizationCode).in_process().await;
    // Login CSRF: someone signs in as themselves and sends the callback link to a victim.
    let (_attacker, callback) = gateway.callback_url("").await;
    let (status, body) = get_json(&step_client(), &callback).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("browser_mismatch"))
    );
    nothing_stored(&gateway.store).await;
    assert_eq!(gateway.audited("refused_browser").await.tenant, "acme");
    gateway.stop().await;
}

/// `POST /mcp` `initialize` with `key`: the status and the body (JSON on a refusal).
async fn initialize_with(base: &str, key: &str) -> (u16, String) {
    let response = crate::harness::mcp::initialize(base, key).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Polls `initialize` until it answers `want` (a resolved credential is remembered for up to
/// 500 ms, so a change shows on a later request, not necessarily the next one).
async fn until_status(base: &str, key: &str, want: u16) -> String {
    let mut last = (0, String::new());
    for _ in 0..100 {
        last = initialize_with(base, key).await;
        if last.0 == want {
            return last.1;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never answered {want}; last {} {}", last.0, last.1);
}

/// A machine-token tenant whose connections' user is checked at Auth0 on every use, and whose
/// policy gives `auth0|admin` `read:users` and `read:roles`.
fn checked_every_use() -> Builder {
    world()
        .user_policy(vec![UserGrant {
            matches: UserMatch::UserId("auth0|admin".into()),
            scopes: scopes(&["read:users", "read:roles"]),
        }])
        .user_check_interval(std::time::Duration::ZERO)
}

/// M3: a `client_credentials` connection's user blocked in Auth0 loses the connection at the next
/// check (with the reason, in the 401 and in the store the portal reads, and audited), and gets it
/// back once unblocked.
#[tokio::test]
async fn a_blocked_user_s_connection_is_suspended_until_they_are_unblocked() {
    let (world, gateway) = checked_every_use().in_process().await;
    let connected = gateway.connect().await;
    let key = connected["key"].as_str().unwrap();
    let id = connected["connection_id"].as_str().unwrap();
    assert_eq!(initialize_with(&gateway.base, key).await.0, 200);

    assert!(world.fake.fake.set_user_blocked("auth0|admin", true));
    let refused = until_status(&gateway.base, key, 401).await;
    assert!(refused.contains("suspended"), "{refused}");
    assert!(
        refused.contains(mcp_gateway::user_check::BLOCKED),
        "{refused}"
    );
    let record = gateway.store.connection(id).await.unwrap().unwrap();
    assert_eq!(
        record.status,
        gw_store::ConnectionStatus::Suspended(mcp_gateway::user_check::BLOCKED.into())
    );
    gateway.audited("refused_credential").await;

    assert!(world.fake.fake.set_user_blocked("auth0|admin", false));
    until_status(&gateway.base, key, 200).await;
    let record = gateway.store.connection(id).await.unwrap().unwrap();
    assert_eq!(record.status, gw_store::ConnectionStatus::Active);
    gateway.stop().await;
}

/// M3: a user deleted in Auth0 loses the connection at the next check.
#[tokio::test]
async fn a_deleted_user_s_connection_is_suspended() {
    let (world, gateway) = checked_every_use().in_process().await;
    let connected = gateway.connect().await;
    let key = connected["key"].as_str().unwrap();
    assert_eq!(initialize_with(&gateway.base, key).await.0, 200);
    assert!(world.fake.fake.delete_user("auth0|admin"));
    let refused = until_status(&gateway.base, key, 401).await;
    assert!(
        refused.contains(mcp_gateway::user_check::DELETED),
        "{refused}"
    );
    gateway.stop().await;
}

/// M3: a check Auth0 cannot answer suspends nobody and lets nobody back in: the last verdict
/// stands until a check succeeds.
#[tokio::test]
async fn a_failed_user_check_keeps_the_last_verdict() {
    let (world, gateway) = checked_every_use().in_process().await;
    let connected = gateway.connect().await;
    let key = connected["key"].as_str().unwrap();
    let outage = || fake_auth0::Fault {
        method: Some("GET".into()),
        path_prefix: "/api/v2/users/".into(),
        kind: fake_auth0::FaultKind::Status(503),
        times: None,
    };
    let checks = || {
        world
            .stats()
            .management_requests_for("GET /api/v2/users/{id}")
    };
    let base = gateway.base.as_str();
    // Requests go on answering `want` while two more checks fail.
    let through_failed_checks = |want: u16| async move {
        let before = checks();
        for _ in 0..200 {
            assert_eq!(initialize_with(base, key).await.0, want);
            if checks() >= before + 2 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the user was never checked");
    };

    world.fake.fake.add_fault(outage());
    assert!(world.fake.fake.set_user_blocked("auth0|admin", true));
    through_failed_checks(200).await;
    world.fake.fake.clear_faults();
    until_status(&gateway.base, key, 401).await;

    world.fake.fake.add_fault(outage());
    assert!(world.fake.fake.set_user_blocked("auth0|admin", false));
    through_failed_checks(401).await;
    world.fake.fake.clear_faults();
    until_status(&gateway.base, key, 200).await;
    gateway.stop().await;
}

/// M3: the operator's policy matches on the email Auth0 holds now, not on the one the user had
/// when they connected: an email changed in Auth0 to one the policy does not name leaves the
/// connection no Management API tool at the next check.
#[tokio::test]
async fn a_user_whose_auth0_email_leaves_the_policy_loses_the_tools() {
    let (world, gateway) = checked_every_use()
        .user_policy(vec![UserGrant {
            matches: UserMatch::Email("admin@example.com".into()),
            scopes: scopes(&["read:users", "read:roles"]),
        }])
        .in_process()
        .await;
    let connected = gateway.connect().await;
    let client = gateway.mcp_client(connected["key"].as_str().unwrap()).await;
    let listed = client
        .call_tool(CallToolRequestParams::new("auth0_list_roles"))
        .await
        .unwrap();
    assert_ne!(listed.is_error, Some(true), "{}", text(&listed));

    let token = world
        .fake
        .fake
        .issue_management_token(CLIENT_ID, &["update:users"]);
    let changed = reqwest::Client::new()
        .patch(world.fake.url("/api/v2/users/auth0%7Cadmin"))
        .bearer_auth(token)
        .json(&serde_json::json!({"email": "ada@elsewhere.example", "email_verified": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let mut refused = None;
    for _ in 0..100 {
        let result = client
            .call_tool(CallToolRequestParams::new("auth0_list_roles"))
            .await
            .unwrap();
        if result.is_error == Some(true) {
            refused = Some(text(&result));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let refused = refused.expect("the connection kept its tools");
    assert!(refused.contains("read:roles"), "{refused}");
    let record = gateway
        .store
        .connection(connected["connection_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.email.as_deref(), Some("ada@elsewhere.example"));
    gateway.stop().await;
}

/// The scopes `/connect/{tenant}?{query}` would ask Auth0 for, read from its redirect.
async fn requested_scopes(base: &str, tenant: &str, query: &str) -> String {
    let response = step_client()
        .get(format!("{base}/connect/{tenant}?{query}"))
        .send()
        .await
        .unwrap();
    let authorize = url::Url::parse(&location(&response)).unwrap();
    authorize
        .query_pairs()
        .find(|(name, _)| name == "scope")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// L7: `/connect` answers an unauthenticated caller alike whatever connection id it names (a
/// real one, an unknown one, another tenant's), so it tells nothing about connections or grants.
#[tokio::test]
async fn the_connect_page_answers_alike_for_any_connection_id() {
    let (_world, gateway) = world()
        .grant(AuthorizationCode)
        .tenants(&["acme", "beta"])
        .in_process()
        .await;
    let real = gateway.connect().await["connection_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, beta) = get_json(&browser(), &format!("{}/connect/beta", gateway.base)).await;
    assert_eq!(status, 200, "{beta}");
    let foreign = beta["connection_id"].as_str().unwrap().to_owned();

    let unknown = requested_scopes(
        &gateway.base,
        "acme",
        "connection=con_doesnotexist00000&add=openid",
    )
    .await;
    for id in [&real, &foreign] {
        assert_eq!(
            requested_scopes(
                &gateway.base,
                "acme",
                &format!("connection={id}&add=openid")
            )
            .await,
            unknown,
            "connection {id}"
        );
    }
    assert!(!unknown.contains("read:users"), "{unknown}");
    gateway.stop().await;
}

/// Reloading the success page used to say "Could not connect … Nothing was stored" although the
/// connection was stored; it now says what happened and how to get a new key.
#[tokio::test]
async fn reloading_the_success_page_says_already_connected() {
    let (_world, gateway) = world().in_process().await;
    let (browser, callback) = gateway.callback_url("").await;
    let first = browser.get(&callback).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let reload = browser.get(&callback).send().await.unwrap();
    assert_eq!(reload.status(), 200);
    let page = reload.text().await.unwrap();
    assert!(page.contains("Already connected"), "{page}");
    assert!(!page.contains("Could not connect") && !page.contains("Nothing was stored"));
    assert!(
        page.contains("/connect/acme\">"),
        "a link to connect again: {page}"
    );
    assert_eq!(gateway.store.list_keys(None).await.unwrap().len(), 1);
    gateway.stop().await;
}

/// The pages a tenant's users see wear the portal's look (its stylesheet and copy script, under
/// a policy that runs no other code), with a Copy button for the key and snippets that name
/// their client; messages show `quoted` names as code, not raw backticks.
#[tokio::test]
async fn the_success_page_has_a_copy_button_and_snippets_naming_each_client() {
    let (_world, gateway) = world().in_process().await;
    let (browser, callback) = gateway.callback_url("").await;
    let response = browser.get(&callback).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("href=\"/assets/site.css\"") && page.contains("src=\"/assets/site.js\""));
    assert!(page.contains("data-copy=\"new-key\""), "{page}");
    for client in ["Cursor", "VS Code", "Claude Code"] {
        assert!(page.contains(&format!("<h3>{client}")), "{client}: {page}");
    }
    let stylesheet = reqwest::get(format!("{}/assets/site.css", gateway.base))
        .await
        .unwrap();
    assert_eq!(stylesheet.status(), 200);

    let unknown = browser
        .get(format!("{}/connect/nobody", gateway.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        unknown.contains("<code>nobody</code>") && !unknown.contains('`'),
        "{unknown}"
    );
    gateway.stop().await;
}

/// What Auth0 says about a user, or puts in the callback, is shown as text on the pages, never
/// run as markup: an email and an error (with its description) that carry HTML.
#[tokio::test]
async fn markup_from_auth0_is_shown_as_text() {
    const IMG: &str = "\"><img src=x onerror=alert(1)>";
    const SCRIPT: &str = "<script>alert(1)</script>";
    // Shown: the page, read as text, has `value`; as HTML, no tag or attribute of it.
    let shown_as_text = |page: &str, value: &str| {
        assert!(
            html_escape::decode_html_entities(page).contains(value),
            "{value} not shown: {page}"
        );
        assert!(
            !page.contains("<img src=x") && !page.contains(SCRIPT),
            "raw markup: {page}"
        );
    };
    let (world, gateway) = world().grant(AuthorizationCode).in_process().await;

    // A user whose email (as the tenant stores it) carries markup signs in.
    world
        .sign_in_next_as_new_user(&format!("{IMG}@evil.example"))
        .await;
    let (browser, callback) = gateway.callback_url("").await;
    let page = browser
        .get(&callback)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<h1>Connected</h1>"), "{page}");
    shown_as_text(&page, &format!("{IMG}@evil.example"));

    // Auth0 sends the browser back with an error whose code and description carry markup.
    let (browser, callback) = gateway.callback_url("").await;
    let mut url = url::Url::parse(&callback).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    url.query_pairs_mut()
        .clear()
        .append_pair("state", &state)
        .append_pair("error", SCRIPT)
        .append_pair("error_description", IMG);
    let response = browser.get(url).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains("Could not connect"), "{page}");
    shown_as_text(&page, &format!("<code>{SCRIPT}</code>"));
    shown_as_text(&page, IMG);
    gateway.stop().await;
}
