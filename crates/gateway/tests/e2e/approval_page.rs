//! The approval page (issue 17): approvers sign in at the tenant's (fake) Auth0 and decide at
//! `/approvals/{id}`; the requester, strangers and unverified emails are refused and audited;
//! decision forms work once, in the browser they were shown to; strangers learn nothing.

use gw_oauth::{ScopeSet, UserGrant, UserMatch};
use rmcp::model::CallToolRequestParams;
use serde_json::json;

use crate::harness::mcp::tool_call as call;
use crate::harness::request_page::{decide, request_id, shown, sign_in};
use crate::harness::webhook::webhook_receiver;
use crate::harness::{InProcess, World, browser, text, world};

const POLICIES: &str = r#"
[[tenants.policies]]
name = "deletes need a yes"
tools = ["auth0_delete_*"]
action = "approve"
approvers = ["sec@example.com", "@secops.example.com"]
"#;

fn delete_bob() -> CallToolRequestParams {
    call("auth0_delete_user", json!({"user_id": "auth0|bob"}))
}

/// A gateway over `policies`, an agent key that may delete users, and the request its first
/// deletion of auth0|bob made.
async fn asked(policies: &str) -> (World, InProcess, String, String) {
    let world = world().policies(policies).build().await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,read:users,delete:users").await;
    let key = key.expose_secret().to_owned();
    let client = gateway.mcp_client(&key).await;
    let id = request_id(&text(&client.call_tool(delete_bob()).await.unwrap()));
    (world, gateway, key, id)
}

async fn status(gateway: &InProcess, id: &str) -> gw_store::RequestStatus {
    gateway
        .store
        .policy_request(id)
        .await
        .unwrap()
        .unwrap()
        .status
}

#[tokio::test]
async fn a_listed_approver_signs_in_approves_and_the_repeated_call_runs_once() {
    let (world, gateway, key, id) = asked(POLICIES).await;

    // A stranger is told only which request, on which tenant, and to sign in.
    let gate = shown(
        browser()
            .get(gateway.url(&format!("/approvals/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(gate.status, 200);
    assert_eq!(gate.cache_control, "no-store");
    assert_eq!(gate.referrer_policy, "same-origin");
    assert!(
        gate.body.contains(&id)
            && gate.body.contains("acme")
            && gate.body.contains("needs your decision")
            && gate.body.contains("Sign in with Auth0"),
        "{}",
        gate.body
    );
    assert!(
        !gate.body.contains("auth0|bob") && !gate.body.contains("auth0_delete_user"),
        "the arguments are shown only to approvers: {}",
        gate.body
    );

    world.sign_in_next_as("sec@example.com", true).await;
    let (approver, page) = sign_in(&gateway, &id).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.cache_control, "no-store");
    assert_eq!(page.referrer_policy, "same-origin");
    for expected in [
        "sec@example.com",
        "auth0_delete_user",
        "auth0|bob",
        "deletes need a yes",
        "anyone @secops.example.com",
        "0 of 1",
        "waiting for approvers",
    ] {
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
    }
    let done = decide(&approver, &gateway, &id, &page.token(), "approve", "fine").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Approved — 1 of 1"), "{}", done.body);
    assert!(world.fake.fake.user("auth0|bob").is_some());

    // The model repeats the call: it runs, once, recorded with its approver.
    let client = gateway.mcp_client(&key).await;
    let ran = client.call_tool(delete_bob()).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|bob").is_none());
    let record = gateway.audited("ok").await;
    assert_eq!(record.policy.request_id.as_deref(), Some(id.as_str()));
    assert_eq!(record.policy.approvers, ["sec@example.com"]);
    let again = text(&client.call_tool(delete_bob()).await.unwrap());
    assert_ne!(request_id(&again), id, "the approval is spent: {again}");

    // Signing in to approve made no connection and no key.
    assert!(
        gateway
            .store
            .list_connections(None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(gateway.store.list_keys(None).await.unwrap().len(), 1);
    gateway.stop().await;
}

#[tokio::test]
async fn two_of_n_needs_two_different_approvers() {
    let policies = format!("{POLICIES}approvals_required = 2\n");
    let (world, gateway, key, id) = asked(&policies).await;
    let client = gateway.mcp_client(&key).await;

    // Someone @secops.example.com, in two browsers at once.
    world
        .sign_in_next_as("alice@secops.example.com", true)
        .await;
    let (first, first_page) = sign_in(&gateway, &id).await;
    let (second, second_page) = sign_in(&gateway, &id).await;
    let done = decide(&first, &gateway, &id, &first_page.token(), "approve", "").await;
    assert!(done.body.contains("Approved — 1 of 2"), "{}", done.body);
    assert_eq!(
        status(&gateway, &id).await,
        gw_store::RequestStatus::Pending
    );
    let waiting = text(&client.call_tool(delete_bob()).await.unwrap());
    assert_eq!(request_id(&waiting), id, "{waiting}");
    assert!(world.fake.fake.user("auth0|bob").is_some());

    // The same person cannot count twice, from the other browser or by signing in again.
    let twice = decide(&second, &gateway, &id, &second_page.token(), "approve", "").await;
    assert_eq!(twice.status, 409, "{}", twice.body);
    assert!(
        twice.body.contains("You have already decided"),
        "{}",
        twice.body
    );
    let (_, again) = sign_in(&gateway, &id).await;
    assert!(!again.has_form(), "{}", again.body);
    assert!(
        again.body.contains("You have already decided"),
        "{}",
        again.body
    );

    // A second approver makes it two.
    world.sign_in_next_as("sec@example.com", true).await;
    let (other, page) = sign_in(&gateway, &id).await;
    assert!(page.body.contains("1 of 2"), "{}", page.body);
    let done = decide(&other, &gateway, &id, &page.token(), "approve", "").await;
    assert!(done.body.contains("Approved — 2 of 2"), "{}", done.body);
    let ran = client.call_tool(delete_bob()).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|bob").is_none());
    let record = gateway.audited("ok").await;
    let mut approvers = record.policy.approvers.clone();
    approvers.sort();
    assert_eq!(approvers, ["alice@secops.example.com", "sec@example.com"]);
    gateway.stop().await;
}

#[tokio::test]
async fn the_requester_cannot_approve_their_own_call() {
    // The fake signs in admin@example.com unless told otherwise: the user who connects, calls,
    // and is also named as an approver.
    let policies = POLICIES.replace(
        r#""sec@example.com","#,
        r#""sec@example.com", "admin@example.com","#,
    );
    let world = world()
        .policies(&policies)
        .user_policy(vec![UserGrant {
            matches: UserMatch::UserId("auth0|admin".into()),
            scopes: ScopeSet::parse_list("read:users,delete:users").unwrap(),
        }])
        .build()
        .await;
    let gateway = world.in_process().await;
    let connected = gateway.connect().await;
    let client = gateway.mcp_client(connected["key"].as_str().unwrap()).await;
    let id = request_id(&text(&client.call_tool(delete_bob()).await.unwrap()));

    let (browser, refused) = sign_in(&gateway, &id).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("You cannot approve your own call"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("auth0|bob"), "{}", refused.body);
    let record = gateway.audited("refused_approver").await;
    assert_eq!(
        (record.tenant.as_str(), record.principal.as_str()),
        ("acme", "admin@example.com")
    );
    assert_eq!(record.tool, format!("/approvals/{id}"));
    // The refused browser holds no sign-in: the page still asks to sign in.
    let page = shown(
        browser
            .get(gateway.url(&format!("/approvals/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.body.contains("Sign in with Auth0") && !page.has_form(),
        "{}",
        page.body
    );
    assert_eq!(
        status(&gateway, &id).await,
        gw_store::RequestStatus::Pending
    );
    gateway.stop().await;
}

#[tokio::test]
async fn someone_not_among_the_approvers_is_refused() {
    let (world, gateway, _, id) = asked(POLICIES).await;
    world.sign_in_next_as("mallory@example.org", true).await;
    let (_, refused) = sign_in(&gateway, &id).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("You (mallory@example.org) are not among the approvers")
            && refused.body.contains("sec@example.com"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("auth0|bob"), "{}", refused.body);
    let record = gateway.audited("refused_approver").await;
    assert_eq!(record.principal, "mallory@example.org");
    assert_eq!(
        status(&gateway, &id).await,
        gw_store::RequestStatus::Pending
    );
    gateway.stop().await;
}

#[tokio::test]
async fn an_approver_whose_email_is_not_verified_is_refused() {
    let (world, gateway, _, id) = asked(POLICIES).await;
    world.sign_in_next_as("sec@example.com", false).await;
    let (_, refused) = sign_in(&gateway, &id).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("is not verified"), "{}", refused.body);
    assert!(!refused.body.contains("auth0|bob"), "{}", refused.body);
    let record = gateway.audited("refused_approver").await;
    assert_eq!(record.principal, "sec@example.com");
    assert_eq!(
        status(&gateway, &id).await,
        gw_store::RequestStatus::Pending
    );
    gateway.stop().await;
}

#[tokio::test]
async fn forged_stale_and_replayed_forms_change_nothing() {
    let (world, gateway, _, id) = asked(POLICIES).await;
    world.sign_in_next_as("sec@example.com", true).await;
    let (approver, first) = sign_in(&gateway, &id).await;
    let stale = first.token();
    // Showing the page again issues a new token; the earlier one stops working.
    let page = shown(
        approver
            .get(gateway.url(&format!("/approvals/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let token = page.token();
    assert_ne!(token, stale);

    let refusals = [
        ("forged", &approver, "forged-token".to_owned()),
        ("stale", &approver, stale),
        // The right token from a browser without the approver's cookie.
        ("another browser", &browser(), token.clone()),
    ];
    for (what, from, token) in refusals {
        let refused = decide(from, &gateway, &id, &token, "approve", "").await;
        assert_eq!(refused.status, 403, "{what}: {}", refused.body);
        assert!(
            refused.body.contains("This form was refused"),
            "{what}: {}",
            refused.body
        );
        assert_eq!(
            status(&gateway, &id).await,
            gw_store::RequestStatus::Pending,
            "{what}"
        );
    }
    let record = gateway.audited("refused_csrf").await;
    assert_eq!(record.tool, format!("/approvals/{id}"));

    // A bad form spends nothing; then the real one denies, once.
    let bad = decide(&approver, &gateway, &id, &token, "maybe", "").await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let long = "x".repeat(1001);
    let bad = decide(&approver, &gateway, &id, &token, "deny", &long).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(
        status(&gateway, &id).await,
        gw_store::RequestStatus::Pending
    );
    let denied = decide(&approver, &gateway, &id, &token, "deny", "bob is the CFO").await;
    assert_eq!(denied.status, 200, "{}", denied.body);
    assert!(denied.body.contains("Denied"), "{}", denied.body);
    let replayed = decide(&approver, &gateway, &id, &token, "approve", "").await;
    assert_eq!(replayed.status, 403, "{}", replayed.body);
    let request = gateway.store.policy_request(&id).await.unwrap().unwrap();
    assert_eq!(request.status, gw_store::RequestStatus::Denied);
    assert_eq!(request.decisions.len(), 1);
    assert_eq!(request.decisions[0].note.as_deref(), Some("bob is the CFO"));
    gateway.stop().await;
}

#[tokio::test]
async fn unknown_and_malformed_ids_get_the_same_not_found_page() {
    let (_world, gateway, _, _id) = asked(POLICIES).await;
    let get = |path: String| {
        let url = gateway.url(&path);
        async move { shown(browser().get(url).send().await.unwrap()).await }
    };
    let unknown = get("/approvals/preq_000000000000000000000000".to_owned()).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(unknown.cache_control, "no-store");
    assert!(
        unknown.body.contains("There is no approval request"),
        "{}",
        unknown.body
    );
    for malformed in [
        "/approvals/x".to_owned(),
        "/approvals/preq_%3Cscript%3E".to_owned(),
        format!("/approvals/preq_{}", "a".repeat(500)),
    ] {
        let page = get(malformed.clone()).await;
        assert_eq!(
            (page.status, &page.body),
            (404, &unknown.body),
            "{malformed}"
        );
    }
    let sign_in = shown(
        browser()
            .post(gateway.url("/approvals/preq_000000000000000000000000/sign-in"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (sign_in.status, &sign_in.body),
        (404, &unknown.body),
        "no sign-in starts for an unknown request"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn an_expired_request_says_so() {
    let (world, gateway, _, id) = asked(POLICIES).await;
    world.sign_in_next_as("sec@example.com", true).await;
    let (approver, page) = sign_in(&gateway, &id).await;
    let token = page.token();
    sqlx::query("UPDATE policy_requests SET expires_at = 1 WHERE id = $1")
        .bind(&id)
        .execute(&world.sqlite().await)
        .await
        .unwrap();

    let gate = shown(
        browser()
            .get(gateway.url(&format!("/approvals/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        gate.body.contains("expired before it was decided") && !gate.body.contains("Sign in"),
        "{}",
        gate.body
    );
    let late = decide(&approver, &gateway, &id, &token, "approve", "").await;
    assert_eq!(late.status, 409, "{}", late.body);
    assert!(late.body.contains("expired"), "{}", late.body);
    assert_eq!(
        status(&gateway, &id).await,
        gw_store::RequestStatus::Expired
    );
    gateway.stop().await;
}

#[tokio::test]
async fn a_decision_on_the_page_is_told_to_the_webhook() {
    let (url, heard) = webhook_receiver().await;
    let world = world()
        .policies(POLICIES)
        .approval_webhook(url)
        .build()
        .await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,delete:users").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let id = request_id(&text(&client.call_tool(delete_bob()).await.unwrap()));
    world.sign_in_next_as("bob@secops.example.com", true).await;
    let (approver, page) = sign_in(&gateway, &id).await;
    let done = decide(&approver, &gateway, &id, &page.token(), "approve", "").await;
    assert_eq!(done.status, 200, "{}", done.body);

    let decided = 'wait: {
        for _ in 0..50 {
            let found = heard
                .lock()
                .unwrap()
                .iter()
                .find(|(event, _, _)| event == "approval.decided")
                .cloned();
            if let Some(found) = found {
                break 'wait found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no decision notice; heard {:?}", heard.lock().unwrap());
    };
    let (_, body, signed) = decided;
    assert!(signed, "{body}");
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["status"], "approved");
    gateway.stop().await;
}
