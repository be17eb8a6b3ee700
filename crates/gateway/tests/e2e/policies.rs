//! Tool policies (issue 17): what `tools/list` shows, a denial the model can read, and an
//! approval that lets exactly one identical call run — decided by the operator at the CLI — and
//! a confirmation asked of the person at the client (in a session, and on 2026-07-28).

use rmcp::model::{CallToolRequestParams, CallToolResponse, InputResponses};
use serde_json::{Value, json};

use crate::harness::mcp::tool_call as call;
use crate::harness::person::{Person, Says, in_session, on_2026_07_28};
use crate::harness::request_page::request_id;
use crate::harness::{text, world};

const POLICIES: &str = r#"
[[tenants.policies]]
name = "roles stay"
tools = ["auth0_delete_role"]
action = "deny"
reason = "roles are managed in Terraform"

[[tenants.policies]]
name = "deletes need a yes"
tools = ["auth0_delete_*"]
action = "approve"
approvers = ["sec@example.com", "@secops.example.com"]
"#;

#[tokio::test]
async fn tools_list_hides_what_is_denied_outright_and_says_what_needs_approval() {
    let world = world().policies(POLICIES).build().await;
    let gateway = world.in_process().await;
    let key = gateway
        .key("openid,read:users,delete:users,delete:roles,read:roles")
        .await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert!(!names.contains(&"auth0_delete_role"), "{names:?}");
    assert!(names.contains(&"auth0_list_roles"), "{names:?}");
    let delete_user = tools
        .iter()
        .find(|t| t.name == "auth0_delete_user")
        .unwrap();
    let description = delete_user.description.as_deref().unwrap();
    assert!(
        description.contains("needs approval from sec@example.com, anyone @secops.example.com")
            && description.contains("deletes need a yes"),
        "{description}"
    );
    let get_user = tools.iter().find(|t| t.name == "auth0_get_user").unwrap();
    assert!(!get_user.description.as_deref().unwrap().contains("Policy"));
    // auth0_whoami lists the same tools.
    let whoami = client
        .call_tool(CallToolRequestParams::new("auth0_whoami"))
        .await
        .unwrap();
    let listed: Vec<&str> = whoami.structured_content.as_ref().unwrap()["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(listed, names);
    gateway.stop().await;
}

#[tokio::test]
async fn a_denied_call_tells_the_model_why_changes_nothing_and_is_audited() {
    let world = world().policies(POLICIES).build().await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,delete:roles,read:roles").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let result = client
        .call_tool(call(
            "auth0_delete_role",
            json!({"role_id": "rol_admin00000000000"}),
        ))
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(true));
    let said = text(&result);
    assert!(
        said.contains("roles are managed in Terraform") && said.contains("`roles stay`"),
        "{said}"
    );
    assert!(world.fake.fake.role("rol_admin00000000000").is_some());
    let record = gateway.audited("policy_denied").await;
    assert_eq!(record.tool, "auth0_delete_role");
    assert_eq!(record.policy.rule.as_deref(), Some("roles stay"));
    assert_eq!(record.policy.action, Some("deny"));
    gateway.stop().await;
}

#[tokio::test]
async fn an_approved_call_runs_once_with_exactly_its_arguments() {
    let world = world().policies(POLICIES).build().await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,read:users,delete:users").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let delete_bob = || call("auth0_delete_user", json!({"user_id": "auth0|bob"}));

    // The first call asks; nothing is deleted.
    let first = client.call_tool(delete_bob()).await.unwrap();
    assert_eq!(first.is_error, Some(true));
    let said = text(&first);
    let id = request_id(&said);
    assert!(
        said.contains("sec@example.com") && said.contains("repeat exactly this call"),
        "{said}"
    );
    assert!(said.contains(&format!("/approvals/{id}")), "{said}");
    assert!(world.fake.fake.user("auth0|bob").is_some());
    let audited = gateway.audited("awaiting_approval").await;
    assert_eq!(audited.policy.request_id.as_deref(), Some(id.as_str()));

    // Repeating before a decision finds the same request; other arguments make another.
    let again = text(&client.call_tool(delete_bob()).await.unwrap());
    assert_eq!(request_id(&again), id, "{again}");
    assert!(again.contains("have not yet decided"), "{again}");
    let other = text(
        &client
            .call_tool(call("auth0_delete_user", json!({"user_id": "auth0|admin"})))
            .await
            .unwrap(),
    );
    assert_ne!(request_id(&other), id);

    // The operator sees it, with the arguments, and approves it.
    let (status, listed, _) = world.run(&["approvals", "list", "--json"]).await;
    assert!(status.success());
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{id} not listed: {listed}"));
    assert_eq!(entry["status"], "pending");
    assert_eq!(entry["tool"], "auth0_delete_user");
    assert_eq!(entry["arguments"], json!({"user_id": "auth0|bob"}));
    assert_eq!(entry["rule"], "deletes need a yes");
    let (status, out, err) = world
        .run(&["approvals", "approve", &id, "--note", "ok"])
        .await;
    assert!(status.success(), "{out}{err}");
    assert!(out.contains("Approved"), "{out}");

    // A call with other arguments is not covered; the same call runs, once.
    let not_covered = text(
        &client
            .call_tool(call("auth0_delete_user", json!({"user_id": "auth0|admin"})))
            .await
            .unwrap(),
    );
    assert!(not_covered.contains("needs approval"), "{not_covered}");
    assert!(world.fake.fake.user("auth0|admin").is_some());
    let ran = client.call_tool(delete_bob()).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|bob").is_none());
    let record = gateway.audited("ok").await;
    assert_eq!(record.tool, "auth0_delete_user");
    assert_eq!(record.policy.request_id.as_deref(), Some(id.as_str()));
    assert_eq!(record.policy.approvers, ["operator (cli)"]);
    let (_, log, _) = world.run(&["audit"]).await;
    assert!(
        log.contains(&format!(
            "[rule `deletes need a yes`: approve, {id}, approved by operator (cli)]"
        )),
        "{log}"
    );

    // The approval is spent: the same call again needs a new one.
    let spent = text(&client.call_tool(delete_bob()).await.unwrap());
    assert_ne!(request_id(&spent), id, "{spent}");
    gateway.stop().await;
}

#[tokio::test]
async fn a_denial_with_a_note_is_told_to_the_model_and_stands() {
    let world = world().policies(POLICIES).build().await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,delete:users").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let delete = || call("auth0_delete_user", json!({"user_id": "auth0|bob"}));
    let id = request_id(&text(&client.call_tool(delete()).await.unwrap()));
    let (status, _, err) = world
        .run(&["approvals", "deny", &id, "--note", "bob is the CFO"])
        .await;
    assert!(status.success(), "{err}");
    let said = text(&client.call_tool(delete()).await.unwrap());
    assert!(
        said.contains("denied") && said.contains("bob is the CFO"),
        "{said}"
    );
    assert!(world.fake.fake.user("auth0|bob").is_some());
    gateway.audited("approval_denied").await;

    // Deciding twice, or an unknown id, is refused with a clear word and exit code 2.
    let (status, _, err) = world.run(&["approvals", "approve", &id]).await;
    assert_eq!(status.code(), Some(2));
    assert!(err.contains("already denied"), "{err}");
    let (status, _, err) = world.run(&["approvals", "approve", "preq_nope"]).await;
    assert_eq!(status.code(), Some(2));
    assert!(err.contains("no approval request preq_nope"), "{err}");
    gateway.stop().await;
}

const CONFIRM_DELETES: &str = r#"
[[tenants.policies]]
name = "confirm deletes"
tools = ["auth0_delete_user"]
action = "confirm"
"#;

#[tokio::test]
async fn in_a_session_the_person_at_the_client_confirms_the_exact_call() {
    let world = world().policies(CONFIRM_DELETES).build().await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,delete:users").await;
    let delete = |user: &str| call("auth0_delete_user", json!({"user_id": user}));

    let person = Person::saying(Says::Yes);
    let client = in_session(&gateway.base, key.expose_secret(), person.clone()).await;
    let ran = client.call_tool(delete("auth0|bob")).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|bob").is_none());
    let asked = person.questions();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].contains("auth0_delete_user") && asked[0].contains("auth0|bob"),
        "{asked:?}"
    );
    let record = gateway.audited("ok").await;
    assert_eq!(record.policy.action, Some("confirm"));

    for (says, word) in [
        (Says::Decline, "declined"),
        (Says::Unticked, "declined"),
        (Says::Cancel, "dismissed"),
    ] {
        let client = in_session(&gateway.base, key.expose_secret(), Person::saying(says)).await;
        let refused = client.call_tool(delete("auth0|admin")).await.unwrap();
        assert_eq!(refused.is_error, Some(true));
        let said = text(&refused);
        assert!(
            said.contains(word) && said.contains("confirm deletes"),
            "{said}"
        );
        assert!(world.fake.fake.user("auth0|admin").is_some());
    }
    gateway.audited("confirmation_declined").await;
    gateway.stop().await;
}

#[tokio::test]
async fn on_2026_07_28_the_confirmation_round_trips_through_input_required() {
    let world = world().policies(CONFIRM_DELETES).build().await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,delete:users").await;
    let delete = |user: &str| call("auth0_delete_user", json!({"user_id": user}));

    // The client asks its person and repeats the call with the answer and the sealed state.
    let person = Person::saying(Says::Yes);
    let client = on_2026_07_28(&gateway.base, key.expose_secret(), person.clone()).await;
    let ran = client.call_tool(delete("auth0|bob")).await.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|bob").is_none());
    assert_eq!(person.questions().len(), 1);
    let waited = gateway.audited("awaiting_confirmation").await;
    let ok = gateway.audited("ok").await;
    assert_eq!(ok.policy.request_id, waited.policy.request_id);

    let declining = on_2026_07_28(
        &gateway.base,
        key.expose_secret(),
        Person::saying(Says::Decline),
    )
    .await;
    let refused = declining.call_tool(delete("auth0|admin")).await.unwrap();
    assert!(text(&refused).contains("declined"), "{}", text(&refused));
    assert!(world.fake.fake.user("auth0|admin").is_some());
    gateway.stop().await;
}

#[tokio::test]
async fn a_request_state_that_is_tampered_replayed_or_for_other_arguments_changes_nothing() {
    let world = world().policies(CONFIRM_DELETES).build().await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,delete:users").await;
    let client = on_2026_07_28(
        &gateway.base,
        key.expose_secret(),
        Person::saying(Says::Yes),
    )
    .await;
    let delete = |user: &str| call("auth0_delete_user", json!({"user_id": user}));
    let CallToolResponse::InputRequired(asked) =
        client.call_tool_once(delete("auth0|bob")).await.unwrap()
    else {
        panic!("expected input_required");
    };
    let state = asked.request_state.clone().unwrap();
    assert!(
        asked
            .input_requests
            .as_ref()
            .unwrap()
            .contains_key("confirm")
    );
    let yes: InputResponses = [(
        "confirm".to_owned(),
        json!({"action": "accept", "content": {"confirm": true}}),
    )]
    .into_iter()
    .collect();
    let repeat = |params: CallToolRequestParams, state: &str| {
        params
            .with_input_responses(yes.clone())
            .with_request_state(state.to_owned())
    };
    let refused = |response: CallToolResponse| match response {
        CallToolResponse::Complete(result) if result.is_error == Some(true) => text(&result),
        other => panic!("expected a refusal, got {other:?}"),
    };

    // Altered: one character changed.
    let mut tampered = state.clone().into_bytes();
    let last = tampered.len() - 3;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let said = refused(
        client
            .call_tool_once(repeat(
                delete("auth0|bob"),
                &String::from_utf8(tampered).unwrap(),
            ))
            .await
            .unwrap(),
    );
    assert!(
        said.contains("not issued by this gateway, or was altered"),
        "{said}"
    );
    // Carried to a call with other arguments.
    let said = refused(
        client
            .call_tool_once(repeat(delete("auth0|admin"), &state))
            .await
            .unwrap(),
    );
    assert!(said.contains("issued for another call"), "{said}");
    assert!(world.fake.fake.user("auth0|admin").is_some());
    assert!(world.fake.fake.user("auth0|bob").is_some());

    // The genuine repeat runs once; replaying it is refused.
    let ran = client
        .call_tool_once(repeat(delete("auth0|bob"), &state))
        .await
        .unwrap();
    assert!(
        matches!(&ran, CallToolResponse::Complete(r) if r.is_error != Some(true)),
        "{ran:?}"
    );
    assert!(world.fake.fake.user("auth0|bob").is_none());
    let said = refused(
        client
            .call_tool_once(repeat(delete("auth0|bob"), &state))
            .await
            .unwrap(),
    );
    assert!(said.contains("was used already"), "{said}");
    gateway.stop().await;
}

#[tokio::test]
async fn a_client_that_cannot_ask_its_person_is_told_so() {
    let world = world().policies(CONFIRM_DELETES).build().await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,delete:users").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let result = client
        .call_tool(call("auth0_delete_user", json!({"user_id": "auth0|bob"})))
        .await
        .unwrap();
    let said = text(&result);
    assert!(
        said.contains("did not declare MCP form elicitation"),
        "{said}"
    );
    assert!(world.fake.fake.user("auth0|bob").is_some());
    gateway.stop().await;
}

/// Over stdio the gateway opens no store: a call no rule matches runs all the same (the policy
/// costs no store round trip), while one that needs an approval says it cannot be kept.
#[tokio::test]
async fn a_call_no_rule_matches_needs_no_store() {
    let (world, gateway) = world().policies(POLICIES).stdio().await;
    let users = gateway.ok("auth0_list_users", json!({"per_page": 1})).await;
    assert_eq!(users["items"].as_array().unwrap().len(), 1);
    let held = gateway
        .call("auth0_delete_user", json!({"user_id": "auth0|bob"}))
        .await;
    let said = text(&held);
    assert!(
        said.contains("keeps no requests (it has no store)"),
        "{said}"
    );
    assert!(world.fake.fake.user("auth0|bob").is_some());
    gateway.stop().await;
}

#[tokio::test]
async fn check_lists_the_policies_and_names_the_key_of_a_bad_one() {
    let good = world().policies(POLICIES).build().await;
    let (status, out, err) = good.run(&["check"]).await;
    assert!(status.success(), "{out}{err}");
    assert!(
        out.contains("policies, in order: `roles stay` (deny), `deletes need a yes` (approve)"),
        "{out}"
    );

    let broken = world()
        .policies(
            r#"
[[tenants.policies]]
name = "no approvers"
tools = ["auth0_delete_user"]
action = "approve"
"#,
        )
        .build()
        .await;
    let (status, out, err) = broken.run(&["check"]).await;
    assert!(!status.success());
    assert!(
        err.contains("tenants[0].policies[0].approvers: is required for `approve`"),
        "{out}{err}"
    );
}

#[tokio::test]
async fn the_portal_shows_each_tenants_policies_as_enforced_and_the_calls_waiting() {
    let world = world().portal().policies(POLICIES).build().await;
    let gateway = world.in_process().await;
    let (browser, _) = gateway.signed_in().await;
    let (_, page) = gateway.page(&browser, "/admin/tenants/acme").await;
    assert!(
        page.contains("No calls are waiting for approval."),
        "{page}"
    );
    let key = gateway.key("openid,delete:users").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let held = client
        .call_tool(call("auth0_delete_user", json!({"user_id": "auth0|bob"})))
        .await
        .unwrap();
    let id = request_id(&text(&held));
    let (status, page) = gateway.page(&browser, "/admin/tenants/acme").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("/approvals/{id}\"><code>{id}</code></a>"))
            && page.contains("<td>0 of 1</td>"),
        "{page}"
    );
    assert!(page.contains("<h2>Policies</h2>"), "{page}");
    assert!(
        page.contains("roles stay")
            && page.contains("deny: &#34;roles are managed in Terraform&#34;"),
        "{page}"
    );
    // The glob is shown as the tools it resolved to.
    assert!(
        page.contains("<code>auth0_delete_organization</code>, <code>auth0_delete_role</code>"),
        "{page}"
    );
    assert!(
        page.contains("approve: 1 of sec@example.com, @secops.example.com (within 60 min)"),
        "{page}"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn the_connect_page_lists_the_tools_the_new_key_will_see() {
    let world = world()
        .policies(POLICIES)
        .user_policy(vec![gw_oauth::UserGrant {
            matches: gw_oauth::UserMatch::UserId("auth0|admin".into()),
            scopes: gw_oauth::ScopeSet::all(),
        }])
        .build()
        .await;
    let gateway = world.in_process().await;
    let connected = gateway.connect().await;
    let tools: Vec<&str> = connected["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{connected}"))
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tools.contains(&"auth0_delete_user"), "{tools:?}");
    assert!(!tools.contains(&"auth0_delete_role"), "{tools:?}");
    gateway.stop().await;
}

/// With `[approvals] wait_seconds`, a client that asked for progress is kept waiting (told
/// progress) while the approvers decide, and the call runs as soon as it is approved.
#[tokio::test]
async fn a_client_that_takes_progress_waits_for_the_decision() {
    let world = world()
        .policies(POLICIES)
        .approval_wait(std::time::Duration::from_secs(10))
        .build()
        .await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,delete:users").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let with_progress = |user: &str| {
        let mut params = call("auth0_delete_user", json!({"user_id": user}));
        let mut meta = rmcp::model::RequestMetaObject::new();
        meta.set_progress_token(rmcp::model::ProgressToken(
            rmcp::model::NumberOrString::Number(7),
        ));
        params.meta = Some(meta);
        params
    };
    let pending = || async {
        for _ in 0..100 {
            let waiting = gateway
                .store
                .policy_requests(gw_store::RequestFilter {
                    tenant: Some("acme"),
                    pending_only: true,
                    limit: 10,
                })
                .await
                .unwrap();
            if let Some(request) = waiting.first() {
                return request.id.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no request was made");
    };

    let call_bob = client.call_tool(with_progress("auth0|bob"));
    let approve = async {
        let id = pending().await;
        let (status, _, err) = world.run(&["approvals", "approve", &id]).await;
        assert!(status.success(), "{err}");
    };
    let (ran, ()) = tokio::join!(call_bob, approve);
    let ran = ran.unwrap();
    assert_ne!(ran.is_error, Some(true), "{}", text(&ran));
    assert!(world.fake.fake.user("auth0|bob").is_none());

    // Denied while it waits: told at once, nothing runs.
    let call_admin = client.call_tool(with_progress("auth0|admin"));
    let deny = async {
        let id = pending().await;
        let (status, _, err) = world.run(&["approvals", "deny", &id, "--note", "no"]).await;
        assert!(status.success(), "{err}");
    };
    let (denied, ()) = tokio::join!(call_admin, deny);
    let said = text(&denied.unwrap());
    assert!(
        said.contains("was denied") && said.contains("\"no\""),
        "{said}"
    );
    assert!(world.fake.fake.user("auth0|admin").is_some());
    gateway.stop().await;
}
