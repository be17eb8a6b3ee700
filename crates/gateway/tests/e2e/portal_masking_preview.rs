//! The portal's data-protection preview (issue 18): an operator picks a tool and a result of it
//! and sees that result as each caller the tenant's masking rules name would get it, and as any
//! other caller — masked as the call path masks it, pseudonyms included — for gateway.toml and
//! portal tenants alike; read-only; a form without its token, an oversized sample and one that is
//! not JSON are refused in words. The same page in a real browser is `tests/browser/portal.mjs`.

use gw_store::NewKey;
use serde_json::{Value, json};

use crate::harness::mcp::tool_call;
use crate::harness::portal::portal_gateway;
use crate::harness::{InProcess, world};

/// Contact details as pseudonyms for the `support` key, partial emails for one analyst,
/// addresses redacted for everyone.
const RULES: &str = r#"
[[tenants.masking]]
name = "support works on pseudonyms"
detectors = ["email", "phone"]
fields = ["user_id"]
mode = "pseudonym"
agent_keys = ["support"]

[[tenants.masking]]
name = "analysts see partial emails"
detectors = ["email"]
mode = "partial"
users = ["analyst@example.com"]

[[tenants.masking]]
name = "no addresses"
detectors = ["ip"]
fields = ["last_ip"]
mode = "redact"
"#;

const PLANTED_EMAIL: &str = "planted.person@example.org";
const PLANTED_PHONE: &str = "+14155550199";
const PLANTED_IP: &str = "203.0.113.9";

fn planted_sample() -> String {
    json!({
        "items": [{
            "user_id": "auth0|planted0001",
            "email": PLANTED_EMAIL,
            "phone_number": PLANTED_PHONE,
            "last_ip": PLANTED_IP,
            "description": format!("reach me at {PLANTED_EMAIL} from {PLANTED_IP}"),
        }],
        "has_more": false,
    })
    .to_string()
}

/// One caller's part of a preview: its heading and what it gets, as text.
struct Shown {
    label: String,
    text: String,
    /// The masked result, when one is shown.
    json: Option<Value>,
}

fn decoded(html: &str) -> String {
    html_escape::decode_html_entities(html).to_string()
}

/// The callers a preview page shows, in order.
fn callers(page: &str) -> Vec<Shown> {
    page.split("<section class=\"caller\"")
        .skip(1)
        .map(|section| {
            let section = &section[..section.find("</section>").expect("a closed section")];
            let label = section.split("<h3").nth(1).unwrap();
            let label = &label[label.find('>').unwrap() + 1..label.find("</h3>").unwrap()];
            let json = section
                .split("<pre class=\"json\"><code>")
                .nth(1)
                .map(|rest| {
                    let json = decoded(&rest[..rest.find("</code></pre>").unwrap()]);
                    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
                });
            Shown {
                label: decoded(label),
                text: decoded(section),
                json,
            }
        })
        .collect()
}

fn shown<'s>(callers: &'s [Shown], label: &str) -> &'s Shown {
    callers
        .iter()
        .find(|c| c.label == label)
        .unwrap_or_else(|| {
            let labels: Vec<&str> = callers.iter().map(|c| c.label.as_str()).collect();
            panic!("no {label} in {labels:?}")
        })
}

async fn preview(
    gateway: &InProcess,
    browser: &reqwest::Client,
    csrf: &str,
    tenant: &str,
    tool: &str,
    sample: &str,
) -> (u16, String) {
    let (status, _, page) = gateway
        .post(
            browser,
            &format!("/admin/tenants/{tenant}/masking"),
            &[
                ("csrf", csrf),
                ("tool", tool),
                ("sample", sample),
                ("action", "preview"),
            ],
        )
        .await;
    (status, page)
}

#[tokio::test]
async fn each_caller_the_rules_name_sees_the_sample_as_its_rules_mask_it() {
    let (_world, gateway) = world().portal().policies(RULES).in_process().await;
    let (browser, csrf) = gateway.signed_in().await;

    // The Policies page links to the preview, which starts with a sample of the chosen tool.
    let (_, policies) = gateway.page(&browser, "/admin/tenants/acme/policies").await;
    assert!(
        policies.contains("href=\"/admin/tenants/acme/masking\""),
        "{policies}"
    );
    let (status, page) = gateway.page(&browser, "/admin/tenants/acme/masking").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<option value=\"auth0_list_users\" selected>"),
        "{page}"
    );
    assert!(
        page.contains("jane.doe@example.com"),
        "a users sample: {page}"
    );
    assert!(callers(&page).is_empty(), "nothing previewed yet");
    let (_, page) = gateway
        .page(&browser, "/admin/tenants/acme/masking?tool=auth0_list_logs")
        .await;
    assert!(
        decoded(&page).contains("\"user_agent\""),
        "a log sample: {page}"
    );

    let (status, page) = preview(
        &gateway,
        &browser,
        &csrf,
        "acme",
        "auth0_list_users",
        &planted_sample(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let shown_callers = callers(&page);
    let labels: Vec<&str> = shown_callers.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "agent key support",
            "user analyst@example.com",
            "any other caller"
        ]
    );

    let support = shown(&shown_callers, "agent key support");
    let user = &support.json.as_ref().unwrap()["items"][0];
    assert!(
        user["email"].as_str().unwrap().starts_with("pii:email:"),
        "{user}"
    );
    assert!(
        user["phone_number"]
            .as_str()
            .unwrap()
            .starts_with("pii:phone:"),
        "{user}"
    );
    assert!(
        user["user_id"].as_str().unwrap().starts_with("pii:field:"),
        "{user}"
    );
    assert!(support.text.contains("support works on pseudonyms"));
    assert!(support.text.contains("no addresses"));
    assert!(support.text.contains("May pass pseudonyms back"));

    let analyst = shown(&shown_callers, "user analyst@example.com");
    let user = &analyst.json.as_ref().unwrap()["items"][0];
    assert_eq!(user["email"], "p***@example.org", "{user}");
    assert_eq!(
        user["phone_number"], PLANTED_PHONE,
        "no rule hides it from them"
    );
    assert!(analyst.text.contains("analysts see partial emails"));
    assert!(!analyst.text.contains("support works on pseudonyms"));

    for masked in [support, analyst] {
        let text = masked.json.as_ref().unwrap().to_string();
        for planted in [PLANTED_EMAIL, PLANTED_IP] {
            assert!(
                !text.contains(planted),
                "{}: {planted} in {text}",
                masked.label
            );
        }
    }
    let other = shown(&shown_callers, "any other caller");
    let text = other.json.as_ref().unwrap().to_string();
    assert!(!text.contains(PLANTED_IP), "{text}");
    assert!(
        text.contains(PLANTED_EMAIL),
        "no rule hides emails from them: {text}"
    );
    assert!(!other.text.contains("May pass pseudonyms back"));
}

#[tokio::test]
async fn the_pseudonyms_shown_are_those_the_caller_gets_from_the_tool() {
    let (_world, gateway) = world().portal().policies(RULES).in_process().await;
    let (browser, csrf) = gateway.signed_in().await;
    let (_, key) = gateway
        .store
        .create_key(NewKey {
            tenant: "acme".into(),
            name: "support".into(),
            scopes: gw_oauth::ScopeSet::parse_list("read:users").unwrap(),
            expires_at: None,
            connection_id: None,
        })
        .await
        .unwrap();
    let support = gateway.mcp_client(key.expose_secret()).await;
    let got = support
        .call_tool(tool_call(
            "auth0_get_user",
            json!({"user_id": "auth0|admin"}),
        ))
        .await
        .unwrap()
        .structured_content
        .expect("a user");

    // The same user, unmasked, as a sample.
    let sample = json!({"user_id": "auth0|admin", "email": "admin@example.com"});
    let (status, page) = preview(
        &gateway,
        &browser,
        &csrf,
        "acme",
        "auth0_get_user",
        &sample.to_string(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let shown_callers = callers(&page);
    let previewed = shown(&shown_callers, "agent key support")
        .json
        .clone()
        .unwrap();
    assert_eq!(previewed["email"], got["email"], "{got}");
    assert_eq!(previewed["user_id"], got["user_id"], "{got}");
}

#[tokio::test]
async fn a_portal_tenants_rules_are_previewed_and_the_preview_changes_nothing() {
    let (_world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    gateway.add_tenant(&browser, &csrf, "beta").await;
    let rules = "[[masking]]\nname = \"no emails\"\ndetectors = [\"email\"]\nmode = \"redact\"\n";
    let (status, _, page) = gateway
        .post(
            &browser,
            "/admin/tenants/beta/policies",
            &[("csrf", &csrf), ("rules", rules)],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let versions = gateway.store.tenant_versions().await.unwrap();

    let (status, page) = preview(
        &gateway,
        &browser,
        &csrf,
        "beta",
        "auth0_list_users",
        &planted_sample(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let shown_callers = callers(&page);
    assert_eq!(shown_callers.len(), 1, "the rule names nobody");
    let everyone = shown(&shown_callers, "every caller");
    let text = everyone.json.as_ref().unwrap().to_string();
    assert!(!text.contains(PLANTED_EMAIL), "{text}");
    assert!(text.contains("[email]"), "{text}");
    assert_eq!(gateway.store.tenant_versions().await.unwrap(), versions);
    assert_eq!(
        gateway
            .store
            .tenant_policies("beta")
            .await
            .unwrap()
            .unwrap()
            .text,
        rules
    );

    // A tenant without rules: every caller gets the result as Auth0 gives it.
    gateway.add_tenant(&browser, &csrf, "gamma").await;
    let (status, page) = preview(
        &gateway,
        &browser,
        &csrf,
        "gamma",
        "auth0_list_users",
        &planted_sample(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("No data-protection rules"), "{page}");
    let shown_callers = callers(&page);
    let everyone = shown(&shown_callers, "every caller");
    assert!(everyone.json.is_none());
    assert!(
        everyone.text.contains("No rule applies"),
        "{}",
        everyone.text
    );
}

#[tokio::test]
async fn a_form_without_its_token_an_oversized_sample_and_one_not_json_are_refused() {
    let (_world, gateway) = world().portal().policies(RULES).in_process().await;
    let (browser, csrf) = gateway.signed_in().await;

    let (status, _, page) = gateway
        .post(
            &browser,
            "/admin/tenants/acme/masking",
            &[("tool", "auth0_list_users"), ("sample", &planted_sample())],
        )
        .await;
    assert_eq!(status, 403, "{page}");
    assert!(callers(&page).is_empty());

    let padding = " ".repeat(64 * 1024);
    let oversized = format!("{}{padding}", planted_sample());
    // (what is wrong, tool, sample, status, what the page says)
    let cases = [
        (
            "larger than 64 KB",
            "auth0_list_users",
            oversized.as_str(),
            413,
            "the preview takes at most 65536",
        ),
        (
            "not JSON",
            "auth0_list_users",
            "email: planted.person@example.org",
            422,
            "The sample is not JSON",
        ),
        (
            "not one of the tenant's tools",
            "auth0_drop_database",
            "{}",
            422,
            "`auth0_drop_database` is not one of this tenant's tools",
        ),
    ];
    for (what, tool, sample, expected, says) in cases {
        let (status, page) = preview(&gateway, &browser, &csrf, "acme", tool, sample).await;
        assert_eq!(status, expected, "{what}: {page}");
        assert!(decoded(&page).contains(says), "{what}: {page}");
        assert!(page.contains("aria-invalid=\"true\""), "{what}");
        assert!(callers(&page).is_empty(), "{what}: nothing previewed");
    }

    // No such tenant; and signed out, the page asks to sign in.
    let (status, _) = preview(&gateway, &browser, &csrf, "ghost", "auth0_list_users", "{}").await;
    assert_eq!(status, 404);
    let (status, _) = gateway
        .page(
            &crate::harness::browser::step_client(),
            "/admin/tenants/acme/masking",
        )
        .await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn without_a_store_key_the_preview_says_pseudonyms_cannot_be_shown() {
    let (_world, gateway) = world()
        .portal()
        .without_store_key()
        .policies(RULES)
        .in_process()
        .await;
    let (browser, csrf) = gateway.signed_in().await;
    let (status, page) = preview(
        &gateway,
        &browser,
        &csrf,
        "acme",
        "auth0_list_users",
        &planted_sample(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Pseudonyms can't be shown"), "{page}");
    let shown_callers = callers(&page);
    let support = shown(&shown_callers, "agent key support");
    assert!(support.json.is_none(), "nothing shown unmasked");
    assert!(
        support.text.contains("Calls are refused"),
        "{}",
        support.text
    );
    assert!(!support.text.contains(PLANTED_EMAIL));
    let analyst = shown(&shown_callers, "user analyst@example.com");
    assert!(analyst.json.is_some(), "no pseudonym rule applies to them");
}
