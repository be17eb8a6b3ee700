//! `confirm` for a client that cannot ask its person (issue 17): a connected user gets a link,
//! signs in at the tenant's (fake) Auth0 as themselves, sees the exact call and confirms or
//! declines it; the repeated call then runs once, or is told it was declined. Nobody else can
//! answer for them.

use rmcp::model::CallToolRequestParams;
use serde_json::json;

use crate::harness::mcp::tool_call;
use crate::harness::request_page::{decide, request_id, sign_in};
use crate::harness::webhook::webhook_receiver;
use crate::harness::{InProcess, World, text, world};

const CONFIRM_DELETES: &str = r#"
[[tenants.policies]]
name = "deletes are confirmed"
tools = ["auth0_delete_user"]
action = "confirm"
"#;

fn delete(user_id: &str) -> CallToolRequestParams {
    tool_call("auth0_delete_user", json!({"user_id": user_id}))
}

/// A gateway over the confirm rule where auth0|admin (the fake's login user) may delete users,
/// and the key admin got by connecting.
async fn connected() -> (World, InProcess, String) {
    connected_with(world()).await
}

async fn connected_with(builder: crate::harness::Builder) -> (World, InProcess, String) {
    let world = builder
        .policies(CONFIRM_DELETES)
        .admin_has_every_scope()
        .build()
        .await;
    let gateway = world.in_process().await;
    let key = gateway.connected_key().await;
    (world, gateway, key)
}

#[tokio::test]
async fn the_user_confirms_at_the_link_and_the_repeated_call_runs_once() {
    let (world, gateway, key) = connected().await;
    let client = gateway.mcp_client(&key).await;

    let said = text(&client.call_tool(delete("auth0|bob")).await.unwrap());
    assert!(
        said.contains("confirm this exact call") && said.contains("/approvals/preq_"),
        "{said}"
    );
    assert!(world.fake.fake.user("auth0|bob").is_some(), "nothing ran");
    gateway.audited("awaiting_confirmation").await;
    let id = request_id(&said);
    // The operator's list says whose answer it waits for; the operator cannot give it.
    let (_, listed, _) = world.run(&["approvals", "list"]).await;
    assert!(
        listed.contains(&format!(
            "{id}  pending (confirm: the caller's own user answers it)"
        )),
        "{listed}"
    );
    let (status, _, said_no) = world.run(&["approvals", "approve", &id]).await;
    assert_eq!(status.code(), Some(2), "{said_no}");

    let (browser, page) = sign_in(&gateway, &id).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Confirm your call") && page.body.contains("auth0|bob"),
        "{}",
        page.body
    );
    let done = decide(&browser, &gateway, &id, &page.token(), "approve", "").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Confirmed"), "{}", done.body);

    let ran = client.call_tool(delete("auth0|bob")).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|bob").is_none());
    let ok = gateway.audited("ok").await;
    assert_eq!(ok.policy.request_id.as_deref(), Some(id.as_str()));

    // A confirmation covers one call with exactly its arguments.
    let said = text(&client.call_tool(delete("auth0|carol")).await.unwrap());
    assert_ne!(request_id(&said), id, "{said}");
    assert!(world.fake.fake.user("auth0|carol").is_some());
    gateway.stop().await;
}

#[tokio::test]
async fn only_the_user_who_made_the_call_answers_it_and_a_decline_stands() {
    let (world, gateway, key) = connected().await;
    let client = gateway.mcp_client(&key).await;
    let id = request_id(&text(&client.call_tool(delete("auth0|bob")).await.unwrap()));

    world.fake.fake.set_login_user("auth0|alice");
    let (_, refused) = sign_in(&gateway, &id).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("someone else"), "{}", refused.body);
    assert!(!refused.body.contains("auth0|bob"), "{}", refused.body);
    let audited = gateway.audited("refused_approver").await;
    assert_eq!(audited.tenant, "acme");

    world.fake.fake.set_login_user("auth0|admin");
    let (browser, page) = sign_in(&gateway, &id).await;
    let done = decide(&browser, &gateway, &id, &page.token(), "deny", "not today").await;
    assert!(done.body.contains("Declined"), "{}", done.body);
    // The form was spent: posting it again decides nothing.
    let again = decide(&browser, &gateway, &id, &page.token(), "approve", "").await;
    assert_eq!(again.status, 403, "{}", again.body);

    let said = text(&client.call_tool(delete("auth0|bob")).await.unwrap());
    assert!(said.contains("declined"), "{said}");
    assert!(world.fake.fake.user("auth0|bob").is_some());
    gateway.stop().await;
}

/// Approvers' webhook hears of approvals only: a user's confirmation of their own call (its
/// arguments included) is nobody else's business.
#[tokio::test]
async fn a_confirmation_is_not_told_to_the_approvers_webhook() {
    let (url, heard) = webhook_receiver().await;
    let (world, gateway, key) = connected_with(world().approval_webhook(url)).await;
    let client = gateway.mcp_client(&key).await;
    let id = request_id(&text(&client.call_tool(delete("auth0|bob")).await.unwrap()));
    let (browser, page) = sign_in(&gateway, &id).await;
    decide(&browser, &gateway, &id, &page.token(), "approve", "").await;
    let ran = client.call_tool(delete("auth0|bob")).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|bob").is_none());
    // Notices are sent in the background: give one time to arrive.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        heard.lock().unwrap().is_empty(),
        "{:?}",
        heard.lock().unwrap()
    );
    gateway.stop().await;
}
