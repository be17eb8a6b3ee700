//! Data protection: a tenant's `[[tenants.masking]]` rules mask personal data in what tools
//! return — pseudonyms the model can hand back, partial and redacted values, dropped fields — for
//! the callers they name; pseudonyms in arguments are resolved only for callers allowed the round
//! trip; nothing unmasked reaches the model, the tool descriptions of callers without rules, or
//! the audit log.

use gw_store::NewKey;
use rmcp::RoleClient;
use rmcp::model::CallToolResult;
use rmcp::service::RunningService;
use serde_json::{Value, json};

use crate::harness::mcp::tool_call;
use crate::harness::{InProcess, World, world};

/// Contact details as pseudonyms for the `support` key (which may hand them back), partial for
/// the `analyst` key (which may not); addresses redacted and metadata dropped for everyone.
const RULES: &str = r#"
[[tenants.masking]]
name = "support works on pseudonyms"
detectors = ["email", "phone"]
fields = ["user_id"]
mode = "pseudonym"
agent_keys = ["support"]

[[tenants.masking]]
name = "analysts see partial contacts"
detectors = ["email"]
mode = "partial"
agent_keys = ["analyst"]

[[tenants.masking]]
name = "analysts see pseudonymous ids"
fields = ["user_id"]
mode = "pseudonym"
agent_keys = ["analyst"]
round_trip = false

[[tenants.masking]]
name = "no addresses"
detectors = ["ip"]
fields = ["last_ip"]
mode = "redact"

[[tenants.masking]]
name = "no metadata"
fields = ["user_metadata"]
mode = "drop"
"#;

/// Emails the fake tenant's seed holds (none may reach a masked caller).
const PLANTED: [&str; 3] = ["admin@example.com", "alice@example.com", "bob@example.com"];

async fn masked_world() -> (World, InProcess) {
    world().policies(RULES).in_process().await
}

async fn client_as(gateway: &InProcess, name: &str) -> RunningService<RoleClient, ()> {
    let (_, key) = gateway
        .store
        .create_key(NewKey {
            tenant: "acme".into(),
            name: name.into(),
            scopes: gw_oauth::ScopeSet::parse_list("read:users,update:users,read:logs").unwrap(),
            expires_at: None,
            connection_id: None,
        })
        .await
        .unwrap();
    gateway.mcp_client(key.expose_secret()).await
}

async fn call(
    client: &RunningService<RoleClient, ()>,
    tool: &str,
    arguments: Value,
) -> CallToolResult {
    client.call_tool(tool_call(tool, arguments)).await.unwrap()
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect()
}

/// The whole result as the client got it: structured content and text.
fn everything(result: &CallToolResult) -> String {
    format!(
        "{} {}",
        text(result),
        result.structured_content.clone().unwrap_or_default()
    )
}

async fn ok(client: &RunningService<RoleClient, ()>, tool: &str, arguments: Value) -> Value {
    let result = call(client, tool, arguments).await;
    assert_ne!(result.is_error, Some(true), "{tool}: {}", text(&result));
    for planted in PLANTED {
        assert!(
            !everything(&result).contains(planted),
            "{tool} let {planted} through: {}",
            everything(&result)
        );
    }
    result.structured_content.unwrap()
}

fn user_with_name<'v>(listed: &'v Value, name: &str) -> &'v Value {
    listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {listed}"))
}

#[tokio::test]
async fn the_model_finds_and_blocks_a_user_by_pseudonyms_without_seeing_their_email() {
    let (world, gateway) = masked_world().await;
    let support = client_as(&gateway, "support").await;

    let listed = ok(&support, "auth0_list_users", json!({})).await;
    let admin = user_with_name(&listed, "Ada Admin").clone();
    let email = admin["email"].as_str().unwrap().to_owned();
    let id = admin["user_id"].as_str().unwrap().to_owned();
    assert!(email.starts_with("pii:email:"), "{admin}");
    assert!(id.starts_with("pii:field:"), "{admin}");
    assert!(admin.get("user_metadata").is_none(), "dropped: {admin}");
    assert!(
        admin["last_ip"].is_null() || admin["last_ip"] == "[masked]",
        "{admin}"
    );
    let again = ok(&support, "auth0_list_users", json!({})).await;
    assert_eq!(
        user_with_name(&again, "Ada Admin")["email"],
        email,
        "the same value gets the same pseudonym"
    );

    let found = ok(
        &support,
        "auth0_find_users_by_email",
        json!({"email": email}),
    )
    .await;
    assert_eq!(found["users"][0]["user_id"], id.as_str());
    let queried = ok(
        &support,
        "auth0_list_users",
        json!({"q": format!("email:\"{email}\"")}),
    )
    .await;
    assert_eq!(queried["items"].as_array().unwrap().len(), 1, "{queried}");

    let updated = ok(
        &support,
        "auth0_update_user",
        json!({"user_id": id, "blocked": true}),
    )
    .await;
    assert_eq!(updated["blocked"], true);
    assert_eq!(
        world.fake.fake.user("auth0|admin").unwrap()["blocked"],
        true
    );
    assert_ne!(
        world.fake.fake.user("auth0|alice").unwrap()["blocked"],
        true
    );
    gateway.stop().await;
}

#[tokio::test]
async fn a_caller_without_the_round_trip_or_with_a_foreign_pseudonym_is_refused_and_nothing_changes()
 {
    let (world, gateway) = masked_world().await;
    let support = client_as(&gateway, "support").await;
    let analyst = client_as(&gateway, "analyst").await;
    let listed = ok(&support, "auth0_list_users", json!({})).await;
    let id = user_with_name(&listed, "Ada Admin")["user_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let refused = call(
        &analyst,
        "auth0_update_user",
        json!({"user_id": id, "blocked": true}),
    )
    .await;
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text(&refused).contains("may not pass pseudonyms"),
        "{}",
        text(&refused)
    );

    // Altered, and another tenant's (another key): neither opens.
    let mut altered = id.clone();
    altered.pop();
    altered.push(if id.ends_with('A') { 'B' } else { 'A' });
    let (_other_world, other) = masked_world().await;
    let other_support = client_as(&other, "support").await;
    let foreign = ok(&other_support, "auth0_list_users", json!({})).await;
    let foreign_id = user_with_name(&foreign, "Ada Admin")["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(
        foreign_id, id,
        "each gateway's store key seals its own pseudonyms"
    );
    for bad in [altered, foreign_id, "pii:email:not-a-token".to_owned()] {
        let refused = call(
            &support,
            "auth0_update_user",
            json!({"user_id": bad, "blocked": true}),
        )
        .await;
        assert_eq!(refused.is_error, Some(true), "{bad}");
        assert!(
            text(&refused).contains("A pseudonym in the arguments cannot be used"),
            "{}",
            text(&refused)
        );
    }
    assert_ne!(
        world.fake.fake.user("auth0|admin").unwrap()["blocked"],
        true
    );
    let audited = gateway.audited("pseudonym_refused").await;
    assert_eq!(audited.tool, "auth0_update_user");
    other.stop().await;
    gateway.stop().await;
}

#[tokio::test]
async fn partial_and_redact_modes_and_log_events_are_masked_for_the_callers_named() {
    let (_world, gateway) = masked_world().await;
    let analyst = client_as(&gateway, "analyst").await;
    let listed = ok(&analyst, "auth0_list_users", json!({})).await;
    let admin = user_with_name(&listed, "Ada Admin");
    assert_eq!(admin["email"], "a***@example.com", "{admin}");
    assert!(admin["user_id"].as_str().unwrap().starts_with("pii:field:"));

    let logs = ok(&analyst, "auth0_list_logs", json!({})).await;
    let shown = logs.to_string();
    assert!(
        !shown.contains("203.0.113."),
        "log events keep no address: {shown}"
    );

    // A caller no rule names but the tenant-wide ones sees emails, not addresses.
    let other = client_as(&gateway, "other").await;
    let plain = call(&other, "auth0_list_users", json!({})).await;
    assert!(everything(&plain).contains("admin@example.com"));
    assert!(!everything(&plain).contains("203.0.113."));
    gateway.stop().await;
}

#[tokio::test]
async fn tool_descriptions_mention_masking_only_to_callers_it_applies_to() {
    let (_world, gateway) = masked_world().await;
    let described = |client: RunningService<RoleClient, ()>| async move {
        client
            .list_all_tools()
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.name == "auth0_list_users")
            .and_then(|t| t.description.map(|d| d.to_string()))
            .unwrap()
    };
    let support = described(client_as(&gateway, "support").await).await;
    assert!(support.contains("pass them back unchanged"), "{support}");
    let analyst = described(client_as(&gateway, "analyst").await).await;
    assert!(
        analyst.contains("partly hidden") && !analyst.contains("pass them back"),
        "{analyst}"
    );

    let (_plain_world, plain) = world().in_process().await;
    let key = plain.key("read:users").await;
    let catalog = gw_mcp::catalog()
        .get("auth0_list_users")
        .unwrap()
        .description;
    assert_eq!(
        described(plain.mcp_client(key.expose_secret()).await).await,
        catalog
    );
    plain.stop().await;
    gateway.stop().await;
}

/// Everyone's results give emails and addresses as pseudonyms.
const EVERYONE: &str = r#"
[[tenants.masking]]
name = "pseudonyms for everyone"
detectors = ["email", "ip"]
fields = ["last_ip"]
mode = "pseudonym"
"#;

#[tokio::test]
async fn the_audit_log_and_a_trace_level_log_hold_none_of_the_masked_values() {
    let world = world().policies(EVERYONE).rust_log("trace").build().await;
    let served = world.serve().await;
    let key = world.create_key().await;
    let client = crate::harness::mcp::client(&world.base(), &key).await;
    let listed = ok(&client, "auth0_list_users", json!({})).await;
    let email = user_with_name(&listed, "Ada Admin")["email"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &client,
        "auth0_find_users_by_email",
        json!({"email": email}),
    )
    .await;
    ok(&client, "auth0_list_logs", json!({})).await;
    // A call that fails after its pseudonym was resolved: Auth0 knows no user by that id.
    let failed = call(&client, "auth0_get_user", json!({"user_id": email})).await;
    assert_eq!(failed.is_error, Some(true));
    for planted in PLANTED {
        assert!(
            !everything(&failed).contains(planted),
            "{}",
            everything(&failed)
        );
    }
    let _ = client.cancel().await;
    served.stop().await;

    let log = std::fs::read_to_string(world.serve_log()).unwrap();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the log is at trace level"
    );
    let audit = world
        .open_store()
        .await
        .audit_since(0, None, 1_000)
        .await
        .unwrap();
    let audit = format!("{audit:?}");
    for planted in PLANTED.iter().copied().chain(["203.0.113."]) {
        // Also as a URL would carry it (`users-by-email?email=admin%40example.com`).
        let encoded = planted.replace('@', "%40");
        let line = log
            .lines()
            .find(|line| line.contains(planted) || line.contains(&encoded));
        assert!(line.is_none(), "the trace log holds {planted}: {line:?}");
        assert!(!audit.contains(planted), "the audit log holds {planted}");
    }
}
