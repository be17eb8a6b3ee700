//! Incremental consent (issue 20): a connected user's call that needs a scope their connection
//! lacks but the tenant allows sends them to consent to exactly the missing scopes — by URL
//! elicitation where the client declared it (-32042 on 2025-11-25, `input_required` on
//! 2026-07-28), else by the link in the tool result. The link is for the caller's connection:
//! only its user may finish it; then the repeated call runs.

use std::sync::Arc;

use fake_auth0::UserGrants;
use gw_oauth::GrantMode::AuthorizationCode;
use gw_oauth::ScopeSet;
use rmcp::model::CallToolRequestParams;
use serde_json::Value;

use crate::harness::person::{Person, Says, in_session, on_2026_07_28};
use crate::harness::{InProcess, World, browser, get_json, text, world};

fn list_roles() -> CallToolRequestParams {
    CallToolRequestParams::new("auth0_list_roles")
}

/// A gateway acting with users' own tokens, and the key and connection id of auth0|admin, whose
/// connection Auth0 granted `read:users` and `read:logs` only (no `read:roles`). Auth0 grants
/// whatever is asked from then on.
async fn connected_without_read_roles() -> (World, InProcess, String, String) {
    let (world, gateway) = world().grant(AuthorizationCode).in_process().await;
    world.fake.fake.set_user_grants(UserGrants::Only(vec![
        "read:users".into(),
        "read:logs".into(),
    ]));
    let connected = gateway.connect().await;
    world
        .fake
        .fake
        .set_user_grants(UserGrants::AllRequestedUnlikeAuth0);
    let key = connected["key"].as_str().unwrap().to_owned();
    let connection = connected["connection_id"].as_str().unwrap().to_owned();
    (world, gateway, key, connection)
}

/// The consent link a tool result names.
fn link_in(said: &str) -> String {
    said.split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no link in {said}"))
        .trim_end_matches(['.', ')'])
        .to_owned()
}

fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// The user the fake signs in opens `url` in a new browser; the page's status and JSON.
async fn open(url: &str) -> (u16, Value) {
    get_json(&browser(), url).await
}

async fn granted_scopes(gateway: &InProcess, connection: &str) -> ScopeSet {
    gateway
        .store
        .connection(connection)
        .await
        .unwrap()
        .unwrap()
        .granted_scopes()
}

#[tokio::test]
async fn the_link_in_the_result_is_for_the_callers_connection_and_the_same_key_gains_the_tool() {
    let (_world, gateway, key, connection) = connected_without_read_roles().await;
    let client = gateway.mcp_client(&key).await;

    let refused = client.call_tool(list_roles()).await.unwrap();
    assert_eq!(refused.is_error, Some(true));
    let said = text(&refused);
    let link = link_in(&said);
    let query = query_of(&link);
    assert_eq!(query["for"], connection, "{link}");
    assert!(
        ScopeSet::parse_list(&query["add"])
            .unwrap()
            .covers(ScopeSet::parse_list("read:roles,read:users,read:logs").unwrap()),
        "{link}"
    );
    assert_eq!(
        gateway.audited("missing_scopes").await.tool,
        "auth0_list_roles"
    );

    let keys_before = gateway.store.list_keys(None).await.unwrap().len();
    let (status, page) = open(&link).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["connection_id"], connection.as_str());
    assert_eq!(
        page["key"],
        Value::Null,
        "a consent makes no new key: {page}"
    );
    assert_eq!(
        gateway.store.list_keys(None).await.unwrap().len(),
        keys_before,
        "no key is left live that nobody asked for"
    );
    let ran = client.call_tool(list_roles()).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    gateway.stop().await;
}

#[tokio::test]
async fn someone_else_finishing_the_link_is_refused_audited_and_changes_nothing() {
    let (world, gateway, key, connection) = connected_without_read_roles().await;
    let client = gateway.mcp_client(&key).await;
    let link = link_in(&text(&client.call_tool(list_roles()).await.unwrap()));

    // The model passes the link on, and alice (a user of the same tenant) opens it.
    world.fake.fake.set_login_user("auth0|alice");
    let (status, page) = open(&link).await;
    assert_eq!(
        (status, page["error"].as_str()),
        (403, Some("wrong_user")),
        "{page}"
    );
    let refused = gateway.audited("refused_consent").await;
    assert_eq!(refused.principal, "auth0|alice");
    assert_eq!(refused.connection_id.as_deref(), Some(connection.as_str()));

    // Nothing was stored: no connection for alice, and admin's still lacks read:roles.
    let connections = gateway.store.list_connections(Some("acme")).await.unwrap();
    assert_eq!(connections.len(), 1, "{connections:?}");
    assert!(
        !granted_scopes(&gateway, &connection)
            .await
            .covers(ScopeSet::parse_list("read:roles").unwrap())
    );
    let still = client.call_tool(list_roles()).await.unwrap();
    assert_eq!(still.is_error, Some(true), "{}", text(&still));

    // A link naming no connection at all is refused before anyone signs in.
    let forged = link.replace(&format!("for={connection}"), "for=someone");
    let (status, page) = open(&forged).await;
    assert_eq!(
        (status, page["error"].as_str()),
        (400, Some("invalid_request")),
        "{page}"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn a_client_that_opens_links_is_sent_by_url_elicitation_on_2025_11_25() {
    let (_world, gateway, key, connection) = connected_without_read_roles().await;
    let person = Person::saying(Says::Yes).opening_links(Arc::new(|_| Box::pin(async {})));
    let client = in_session(&gateway.base, &key, person).await;

    let error = client
        .call_tool(list_roles())
        .await
        .expect_err("a URL elicitation is required");
    let rmcp::ServiceError::McpError(error) = error else {
        panic!("not a JSON-RPC error: {error:?}");
    };
    assert_eq!(error.code.0, -32042, "{error:?}");
    let asked: &Value = &error.data.as_ref().unwrap()["elicitations"][0];
    assert_eq!(asked["mode"], "url", "{asked}");
    assert!(
        asked["message"].as_str().unwrap().contains("read:roles"),
        "{asked}"
    );
    let url = asked["url"].as_str().unwrap();
    assert_eq!(query_of(url)["for"], connection, "{asked}");
    assert_eq!(
        gateway.audited("missing_scopes").await.tool,
        "auth0_list_roles"
    );

    let (status, page) = open(url).await;
    assert_eq!(status, 200, "{page}");
    let ran = client.call_tool(list_roles()).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    gateway.stop().await;
}

#[tokio::test]
async fn on_2026_07_28_the_client_opens_the_link_and_repeats_the_call_by_itself() {
    let (_world, gateway, key, _) = connected_without_read_roles().await;
    let person = Person::saying(Says::Yes).opening_links(Arc::new(|url| {
        Box::pin(async move {
            let (status, page) = open(&url).await;
            assert_eq!(status, 200, "{page}");
        })
    }));
    let client = on_2026_07_28(&gateway.base, &key, person.clone()).await;

    let ran = client.call_tool(list_roles()).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    let asked = person.questions();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].contains("consent") && asked[0].contains("read:roles"),
        "{asked:?}"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn on_2026_07_28_a_person_who_declines_gets_the_link_in_the_result() {
    let (_world, gateway, key, connection) = connected_without_read_roles().await;
    let person = Person::saying(Says::Decline).opening_links(Arc::new(|_| Box::pin(async {})));
    let client = on_2026_07_28(&gateway.base, &key, person).await;

    let refused = client.call_tool(list_roles()).await.unwrap();
    assert_eq!(refused.is_error, Some(true));
    let said = text(&refused);
    assert!(said.contains("read:roles"), "{said}");
    assert_eq!(query_of(&link_in(&said))["for"], connection, "{said}");
    gateway.stop().await;
}

#[tokio::test]
async fn a_scope_the_tenant_does_not_allow_gets_no_link() {
    let (world, gateway) = world()
        .grant(AuthorizationCode)
        .scopes("openid,offline_access,read:users")
        .in_process()
        .await;
    let person = Person::saying(Says::Yes).opening_links(Arc::new(|_| Box::pin(async {})));
    let key = gateway.connected_key().await;
    let client = in_session(&gateway.base, &key, person).await;
    let refused = client.call_tool(list_roles()).await.unwrap();
    assert_eq!(refused.is_error, Some(true));
    let said = text(&refused);
    assert!(said.contains("Ask the tenant's operator"), "{said}");
    assert!(!said.contains("http://"), "{said}");
    drop(world);
    gateway.stop().await;
}
