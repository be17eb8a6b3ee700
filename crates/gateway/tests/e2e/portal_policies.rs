//! A tenant's Policies page in the operator portal (issue 17): rules saved for a portal tenant
//! are obeyed at once by MCP clients (tools/list and calls), by other replicas at their next
//! sync and by a gateway started later; a bad rule set is refused with every problem named by
//! its key and nothing changed; a gateway.toml tenant's rules are read-only; what the operator
//! typed is shown as text. The same page in a real browser is `tests/browser/portal.mjs`.

use rmcp::model::CallToolRequestParams;
use serde_json::json;

use crate::harness::browser::connect;
use crate::harness::mcp::tool_names;
use crate::harness::portal::portal_gateway;
use crate::harness::{InProcess, text, world};

const NO_USER_CREATION: &str = r#"[[policies]]
name = "users come from HR"
tools = ["auth0_create_user"]
action = "deny"
reason = "new users are created by the HR system"
"#;

/// Saves `rules` as the portal tenant `tenant`'s policies; the status, `Location` and page.
async fn save(
    gateway: &InProcess,
    browser: &reqwest::Client,
    csrf: &str,
    tenant: &str,
    rules: &str,
) -> (u16, Option<String>, String) {
    gateway
        .post(
            browser,
            &format!("/admin/tenants/{tenant}/policies"),
            &[("csrf", csrf), ("rules", rules)],
        )
        .await
}

fn create_user() -> CallToolRequestParams {
    let arguments = json!({
        "connection": "Username-Password-Authentication",
        "email": "new@example.com",
        "password": "Passw0rd!Passw0rd!",
    });
    CallToolRequestParams::new("auth0_create_user")
        .with_arguments(arguments.as_object().unwrap().clone())
}

#[tokio::test]
async fn policies_saved_in_the_portal_are_obeyed_at_once_by_clients_replicas_and_restarts() {
    let (world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    gateway.add_tenant(&browser, &csrf, "acme").await;
    let connected = connect(&gateway.url("/connect/acme")).await;
    let client = gateway.mcp_client(connected["key"].as_str().unwrap()).await;
    assert!(
        tool_names(&client)
            .await
            .contains(&"auth0_create_user".to_owned())
    );

    // The tenant page links to the Policies page, which starts empty with an example.
    let (_, tenant_page) = gateway.page(&browser, "/admin/tenants/acme").await;
    assert!(
        tenant_page.contains("href=\"/admin/tenants/acme/policies\""),
        "{tenant_page}"
    );
    let (status, page) = gateway.page(&browser, "/admin/tenants/acme/policies").await;
    assert_eq!(status, 200);
    assert!(page.contains("No policies"), "{page}");
    assert!(page.contains("An example"), "{page}");
    assert!(
        page.contains("<textarea id=\"rules\" name=\"rules\""),
        "{page}"
    );

    let (status, location, page) = save(&gateway, &browser, &csrf, "acme", NO_USER_CREATION).await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/admin/tenants/acme/policies?saved=1")),
        "{page}"
    );
    let (_, page) = gateway
        .page(&browser, "/admin/tenants/acme/policies?saved=1")
        .await;
    assert!(page.contains("Saved."), "{page}");
    assert!(page.contains("users come from HR"), "{page}");
    assert!(page.contains("Last saved by tester"), "{page}");
    assert!(!page.contains("An example"), "{page}");
    let stored = gateway
        .store
        .tenant_policies("acme")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.text, NO_USER_CREATION);
    assert_eq!(stored.updated_by, "tester");

    // The client connected before the save sees and meets the rule on its next request.
    let users = world.fake.fake.counts().users;
    let names = tool_names(&client).await;
    assert!(
        !names.contains(&"auth0_create_user".to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"auth0_list_users".to_owned()), "{names:?}");
    let refused = client.call_tool(create_user()).await.unwrap();
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text(&refused).contains("new users are created by the HR system"),
        "{}",
        text(&refused)
    );
    assert_eq!(world.fake.fake.counts().users, users, "no user was created");
    let record = gateway.audited("policy_denied").await;
    assert_eq!(record.policy.rule.as_deref(), Some("users come from HR"));

    // The tenant page counts the denied tool apart from those on offer.
    let (_, tenant_page) = gateway.page(&browser, "/admin/tenants/acme").await;
    assert!(
        tenant_page.contains("besides 1 its policies deny to everyone"),
        "{tenant_page}"
    );

    // Another replica follows at its next sync; a gateway started later loads them.
    let (b_tenants, b) = world.replica().await;
    b.sync().await.unwrap();
    let names: Vec<String> = b_tenants
        .get("acme")
        .unwrap()
        .policies
        .rules()
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(names, ["users come from HR"]);
    let later = world.in_process().await;
    assert_eq!(later.tenants.get("acme").unwrap().policies.rules().len(), 1);

    // Clearing them lets the tool back in.
    let (status, _, _) = save(&gateway, &browser, &csrf, "acme", "").await;
    assert_eq!(status, 303);
    assert!(
        tool_names(&client)
            .await
            .contains(&"auth0_create_user".to_owned())
    );
    b.sync().await.unwrap();
    assert!(b_tenants.get("acme").unwrap().policies.is_empty());
}

#[tokio::test]
async fn a_bad_rule_set_is_refused_by_key_and_the_rules_before_it_still_apply() {
    let (_world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    gateway.add_tenant(&browser, &csrf, "acme").await;
    let (status, _, _) = save(&gateway, &browser, &csrf, "acme", NO_USER_CREATION).await;
    assert_eq!(status, 303);
    let version = gateway.store.tenant_versions().await.unwrap();

    let bad = format!(
        "{NO_USER_CREATION}
[[policies]]
name = \"deletes need a yes\"
tools = [\"auth0_delete_user\"]
action = \"approve\"

[[policies]]
name = \"typo\"
tools = [\"auth0_delet_role\"]
action = \"deny\"
"
    );
    // (what is wrong, the text, what the page must say)
    let long = format!("{NO_USER_CREATION}{}", "# padding\n".repeat(7_000));
    let cases = [
        (
            "approve without approvers, and a tool that does not exist",
            bad.as_str(),
            vec![
                "<code>policies[1].approvers</code>: is required for `approve`",
                "<code>policies[2].tools[0]</code>: `auth0_delet_role` is not a tool",
            ],
        ),
        (
            "not TOML",
            "[[policies]\nname = \"x\"\n",
            vec!["<code>line 1</code>"],
        ),
        (
            "a misspelt key",
            "[[policies]]\nname = \"x\"\ntool = [\"auth0_list_users\"]\naction = \"deny\"\n",
            vec!["<code>line 3</code>: unknown field `tool`"],
        ),
        (
            "longer than the store keeps",
            long.as_str(),
            vec!["at most 65536 are kept"],
        ),
    ];
    for (what, rules, expected) in cases {
        let (status, _, page) = save(&gateway, &browser, &csrf, "acme", rules).await;
        assert_eq!(status, 422, "{what}: {page}");
        let shown = html_escape::decode_html_entities(&page).to_string();
        assert!(shown.contains("Not saved."), "{what}");
        for expected in expected {
            assert!(
                page.contains(expected) || shown.contains(expected),
                "{what}: expected {expected:?} in\n{page}"
            );
        }
        // What was typed stays in the editor to be fixed.
        assert!(shown.contains(rules.lines().next().unwrap()), "{what}");
        assert!(page.contains("aria-invalid=\"true\""), "{what}");
    }

    // Nothing changed: the saved text, the tenant's version and the rule enforced.
    let stored = gateway
        .store
        .tenant_policies("acme")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.text, NO_USER_CREATION);
    assert_eq!(gateway.store.tenant_versions().await.unwrap(), version);
    let served = gateway.tenants.get("acme").unwrap();
    assert!(served.policies.denied_to_everyone("auth0_create_user"));
    assert!(!served.policies.denied_to_everyone("auth0_delete_user"));
}

#[tokio::test]
async fn a_gateway_toml_tenants_policies_are_read_only_and_a_save_changes_nothing() {
    let (_world, gateway) = world()
        .portal()
        .grant(gw_oauth::GrantMode::AuthorizationCode)
        .tenants(&["prod"])
        .policies(
            r#"
            [[tenants.policies]]
            name = "roles stay"
            tools = ["auth0_delete_role"]
            action = "deny"
            "#,
        )
        .in_process()
        .await;
    let (browser, csrf) = gateway.signed_in().await;
    let (status, page) = gateway.page(&browser, "/admin/tenants/prod/policies").await;
    assert_eq!(status, 200);
    assert!(page.contains("roles stay"), "{page}");
    assert!(
        page.contains("This tenant comes from <code>gateway.toml</code>"),
        "{page}"
    );
    assert!(!page.contains("<textarea"), "no editor: {page}");
    assert!(!page.contains("method=\"post\" action=\"/admin/tenants/prod/policies\""));

    let (status, _, page) = save(&gateway, &browser, &csrf, "prod", NO_USER_CREATION).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("the portal does not change them"), "{page}");
    // A form without its token is refused before anything else.
    let (status, _, _) = gateway
        .post(
            &browser,
            "/admin/tenants/prod/policies",
            &[("rules", NO_USER_CREATION)],
        )
        .await;
    assert_eq!(status, 403);
    let rules: Vec<String> = gateway
        .tenants
        .get("prod")
        .unwrap()
        .policies
        .rules()
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(rules, ["roles stay"]);
    assert_eq!(gateway.store.tenant_policies("prod").await.unwrap(), None);

    // No such tenant: nothing to show or save.
    let (status, _) = gateway
        .page(&browser, "/admin/tenants/ghost/policies")
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = save(&gateway, &browser, &csrf, "ghost", NO_USER_CREATION).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn what_the_operator_typed_is_shown_as_text() {
    const MARKUP: &str = "</textarea><script>alert(1)</script><img src=x onerror=alert(1)>";
    let (_world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    gateway.add_tenant(&browser, &csrf, "acme").await;
    let shown_as_text = |page: &str| {
        assert!(
            html_escape::decode_html_entities(page).contains(MARKUP),
            "not shown: {page}"
        );
        assert!(
            !page.contains("<script>alert") && !page.contains("<img src=x"),
            "raw markup: {page}"
        );
    };

    // Refused (the tool does not exist): the typed name comes back in the editor.
    let refused =
        format!("[[policies]]\nname = \"{MARKUP}\"\ntools = [\"auth0_nope\"]\naction = \"deny\"\n");
    let (status, _, page) = save(&gateway, &browser, &csrf, "acme", &refused).await;
    assert_eq!(status, 422);
    shown_as_text(&page);

    // Saved: in the editor and in the table of rules enforced, on both pages.
    let saved = format!(
        "[[policies]]\nname = \"{MARKUP}\"\ntools = [\"auth0_create_user\"]\naction = \"deny\"\nreason = \"{MARKUP}\"\n"
    );
    let (status, _, page) = save(&gateway, &browser, &csrf, "acme", &saved).await;
    assert_eq!(status, 303, "{page}");
    let (_, page) = gateway.page(&browser, "/admin/tenants/acme/policies").await;
    shown_as_text(&page);
    let (_, page) = gateway.page(&browser, "/admin/tenants/acme").await;
    shown_as_text(&page);
}
