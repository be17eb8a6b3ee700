//! `step_up` rules (issue 17): the caller's user signs in again at the tenant's (fake) Auth0 with
//! MFA before the call runs — sent there by a link in the result, by URL elicitation (-32042 on
//! 2025-11-25, `input_required` on 2026-07-28) — and the sign-in counts only for that user, with
//! MFA, freshly; then their step-up calls run for a few minutes. Agent keys have nobody to sign in.

use std::sync::Arc;

use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

use crate::harness::mcp::tool_call;
use crate::harness::person::{Person, Says, in_session, on_2026_07_28};
use crate::harness::request_page::{Shown, request_id, shown};
use crate::harness::{InProcess, World, browser, text, world};

const STEP_UP_DELETES: &str = r#"
[[tenants.policies]]
name = "deletes need MFA"
tools = ["auth0_delete_user"]
action = "step_up"
"#;

fn delete(user_id: &str) -> CallToolRequestParams {
    tool_call("auth0_delete_user", json!({"user_id": user_id}))
}

/// A gateway over the step-up rule where auth0|admin (the fake's login user) may delete users,
/// and the key admin got by connecting.
async fn connected() -> (World, InProcess, String) {
    let world = world()
        .policies(STEP_UP_DELETES)
        .admin_has_every_scope()
        .build()
        .await;
    let gateway = world.in_process().await;
    let key = gateway.connected_key().await;
    (world, gateway, key)
}

/// A browser opens `url` (a request's page), presses the sign-in button and follows Auth0 back.
async fn sign_in_at(url: &str) -> Shown {
    let browser = browser();
    let page = shown(browser.get(url).send().await.unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Sign in again with MFA"),
        "{}",
        page.body
    );
    shown(browser.post(format!("{url}/sign-in")).send().await.unwrap()).await
}

/// The request page's URL a result or error names.
fn link_in(said: &str, gateway: &InProcess) -> String {
    gateway.url(&format!("/approvals/{}", request_id(said)))
}

#[tokio::test]
async fn the_call_runs_after_its_user_signs_in_again_with_mfa_at_the_link() {
    let (world, gateway, key) = connected().await;
    let client = gateway.mcp_client(&key).await;

    let said = text(&client.call_tool(delete("auth0|bob")).await.unwrap());
    assert!(
        said.contains("sign in again with MFA") && said.contains("/approvals/preq_"),
        "{said}"
    );
    assert!(world.fake.fake.user("auth0|bob").is_some(), "nothing ran");
    let held = gateway.audited("awaiting_step_up").await;
    assert_eq!(held.policy.rule.as_deref(), Some("deletes need MFA"));

    world.fake.fake.set_user_mfa("auth0|admin", true);
    let done = sign_in_at(&link_in(&said, &gateway)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Signed in again"), "{}", done.body);
    let stepped = gateway.audited("stepped_up").await;
    assert_eq!(stepped.tool, "auth0_delete_user");

    let ran = client.call_tool(delete("auth0|bob")).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|bob").is_none());
    // The step-up counts for the user, not one call: another deletion runs without asking.
    let ran = client.call_tool(delete("auth0|carol")).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|carol").is_none());
    gateway.stop().await;
}

#[tokio::test]
async fn a_sign_in_without_mfa_or_as_someone_else_does_not_count_and_is_audited() {
    let (world, gateway, key) = connected().await;
    let client = gateway.mcp_client(&key).await;
    let said = text(&client.call_tool(delete("auth0|bob")).await.unwrap());
    let link = link_in(&said, &gateway);

    // auth0|admin is not enrolled in MFA: Auth0 signs them in, but the token shows no MFA.
    let refused = sign_in_at(&link).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("did not include multi-factor"),
        "{}",
        refused.body
    );
    let audited = gateway.audited("refused_step_up").await;
    assert_eq!(audited.tenant, "acme");

    // Someone else, with MFA, cannot step up for admin.
    world.fake.fake.set_user_mfa("auth0|alice", true);
    world.fake.fake.set_login_user("auth0|alice");
    let refused = sign_in_at(&link).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("someone else"), "{}", refused.body);

    let said = text(&client.call_tool(delete("auth0|bob")).await.unwrap());
    assert!(said.contains("sign in again with MFA"), "{said}");
    assert!(world.fake.fake.user("auth0|bob").is_some(), "nothing ran");
    gateway.stop().await;
}

#[tokio::test]
async fn a_client_that_opens_links_is_sent_by_url_elicitation_on_2025_11_25() {
    let (world, gateway, key) = connected().await;
    let person = Person::saying(Says::Yes).opening_links(Arc::new(|_| Box::pin(async {})));
    let client = in_session(&gateway.base, &key, person).await;

    let error = client
        .call_tool(delete("auth0|bob"))
        .await
        .expect_err("a URL elicitation is required");
    let rmcp::ServiceError::McpError(error) = error else {
        panic!("not a JSON-RPC error: {error:?}");
    };
    assert_eq!(error.code.0, -32042, "{error:?}");
    let asked: &Value = &error.data.as_ref().unwrap()["elicitations"][0];
    assert_eq!(asked["mode"], "url", "{asked}");
    let url = asked["url"].as_str().unwrap();
    assert_eq!(
        asked["elicitationId"].as_str().unwrap(),
        request_id(url),
        "{asked}"
    );
    assert!(world.fake.fake.user("auth0|bob").is_some());

    world.fake.fake.set_user_mfa("auth0|admin", true);
    assert_eq!(sign_in_at(url).await.status, 200);
    let ran = client.call_tool(delete("auth0|bob")).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|bob").is_none());
    gateway.stop().await;
}

#[tokio::test]
async fn on_2026_07_28_the_client_opens_the_link_and_repeats_the_call_by_itself() {
    let (world, gateway, key) = connected().await;
    world.fake.fake.set_user_mfa("auth0|admin", true);
    let person = Person::saying(Says::Yes).opening_links(Arc::new(|url| {
        Box::pin(async move {
            assert_eq!(sign_in_at(&url).await.status, 200);
        })
    }));
    let client = on_2026_07_28(&gateway.base, &key, person.clone()).await;

    let ran = client.call_tool(delete("auth0|bob")).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|bob").is_none());
    let asked = person.questions();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains("sign in again with MFA"), "{asked:?}");
    gateway.stop().await;
}

#[tokio::test]
async fn on_2026_07_28_a_person_who_declines_the_link_stops_the_call() {
    let (world, gateway, key) = connected().await;
    let person = Person::saying(Says::Decline).opening_links(Arc::new(|_| Box::pin(async {})));
    let client = on_2026_07_28(&gateway.base, &key, person).await;
    let said = text(&client.call_tool(delete("auth0|bob")).await.unwrap());
    assert!(said.contains("declined"), "{said}");
    assert!(world.fake.fake.user("auth0|bob").is_some());
    gateway.stop().await;
}

#[tokio::test]
async fn an_agent_key_has_nobody_to_sign_in_and_is_refused() {
    let (world, gateway, _) = connected().await;
    let key = gateway.key("openid,delete:users").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let said = text(&client.call_tool(delete("auth0|bob")).await.unwrap());
    assert!(said.contains("no person behind it"), "{said}");
    assert!(world.fake.fake.user("auth0|bob").is_some());
    gateway.stop().await;
}
