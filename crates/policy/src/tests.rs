use std::net::IpAddr;

use serde_json::{Value, json};

use super::*;

const TOOLS: &[(&str, Effect)] = &[
    ("auth0_list_users", Effect::Read),
    ("auth0_get_user", Effect::Read),
    ("auth0_create_user", Effect::Write),
    ("auth0_delete_user", Effect::Destructive),
    ("auth0_delete_role", Effect::Destructive),
    ("auth0_assign_user_roles", Effect::Write),
    ("auth0_list_logs", Effect::Read),
    ("auth0_update_client", Effect::Write),
];

fn rules(toml_text: &str) -> Vec<RuleSpec> {
    #[derive(serde::Deserialize)]
    struct File {
        policies: Vec<RuleSpec>,
    }
    toml::from_str::<File>(toml_text).unwrap().policies
}

fn policy(toml_text: &str) -> PolicySet {
    compile(&rules(toml_text), TOOLS).unwrap_or_else(|p| panic!("{p:?}"))
}

fn problems(toml_text: &str) -> Vec<String> {
    match compile(&rules(toml_text), TOOLS) {
        Ok(_) => panic!("accepted"),
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

const ALICE: Caller<'static> = Caller {
    kind: CallerKind::User,
    email: Some("alice@example.com"),
    key_name: None,
    oauth_client: None,
    client_name: Some("claude-code"),
};

const BOT: Caller<'static> = Caller {
    kind: CallerKind::AgentKey,
    email: None,
    key_name: Some("ci-bot"),
    oauth_client: None,
    client_name: None,
};

struct Facts {
    tool: &'static str,
    caller: Caller<'static>,
    arguments: Value,
    source: Option<IpAddr>,
    now: jiff::Timestamp,
}

fn call(tool: &'static str, caller: Caller<'static>) -> Facts {
    Facts {
        tool,
        caller,
        arguments: json!({}),
        source: None,
        // A Monday, 10:00 in Berlin.
        now: "2026-11-30T09:00:00Z".parse().unwrap(),
    }
}

impl Facts {
    fn with(mut self, arguments: Value) -> Self {
        self.arguments = arguments;
        self
    }

    fn from(mut self, ip: &str) -> Self {
        self.source = Some(ip.parse().unwrap());
        self
    }

    fn at(mut self, when: &str) -> Self {
        self.now = when.parse().unwrap();
        self
    }

    /// The action and rule name of the decision, `"none"` when no rule matched.
    fn judged_by(&self, set: &PolicySet) -> (String, String) {
        let call = Call {
            tool: self.tool,
            caller: self.caller,
            arguments: &self.arguments,
            source: self.source,
            now: self.now,
        };
        match set.evaluate(&call) {
            None => ("none".into(), String::new()),
            Some(decision) => {
                let action = match &decision {
                    Decision::Allow { .. } => "allow",
                    Decision::Deny { .. } => "deny",
                    Decision::Confirm { .. } => "confirm",
                    Decision::Approve { .. } => "approve",
                    Decision::StepUp { .. } => "step_up",
                };
                (action.into(), decision.rule().name.clone())
            }
        }
    }
}

fn judged(action: &str, rule: &str) -> (String, String) {
    (action.into(), rule.into())
}

const WORKED_EXAMPLE: &str = r#"
[[policies]]
name = "deletes need a yes"
tools = ["auth0_delete_*"]
action = "approve"
approvers = ["sec@example.com", "@secops.example.com"]

[[policies]]
name = "client changes need MFA"
tools = ["auth0_update_client"]
action = "step_up"

[[policies]]
name = "logs in office hours"
tools = ["auth0_list_logs"]
action = "allow"
hours = { days = ["mon", "tue", "wed", "thu", "fri"], from = "09:00", to = "18:00", time_zone = "Europe/Berlin" }

[[policies]]
name = "no logs after hours"
tools = ["auth0_list_logs"]
action = "deny"
reason = "log events may be read in office hours only (Mon–Fri 09:00–18:00 Berlin)"
"#;

#[test]
fn the_first_matching_rule_decides_and_no_match_leaves_the_call_to_scopes() {
    let set = policy(WORKED_EXAMPLE);
    assert_eq!(
        call("auth0_delete_user", ALICE).judged_by(&set),
        judged("approve", "deletes need a yes")
    );
    assert_eq!(
        call("auth0_update_client", ALICE).judged_by(&set),
        judged("step_up", "client changes need MFA")
    );
    assert_eq!(
        call("auth0_list_logs", ALICE).judged_by(&set),
        judged("allow", "logs in office hours")
    );
    assert_eq!(
        call("auth0_list_logs", ALICE)
            .at("2026-11-30T19:00:00Z")
            .judged_by(&set),
        judged("deny", "no logs after hours")
    );
    assert_eq!(
        call("auth0_get_user", ALICE).judged_by(&set),
        judged("none", "")
    );
}

#[test]
fn a_step_up_rule_denies_callers_without_a_person_unless_it_says_otherwise() {
    let set = policy(WORKED_EXAMPLE);
    assert_eq!(
        call("auth0_update_client", BOT).judged_by(&set),
        judged("deny", "client changes need MFA")
    );
    let lenient = policy(
        r#"
        [[policies]]
        name = "mfa"
        tools = ["auth0_update_client"]
        action = "step_up"
        agent_keys_step_up = "allow"
        "#,
    );
    assert_eq!(
        call("auth0_update_client", BOT).judged_by(&lenient),
        judged("allow", "mfa")
    );
}

#[test]
fn rules_match_on_effects_callers_and_clients() {
    let set = policy(
        r#"
        [[policies]]
        name = "bots never destroy"
        effects = ["destructive"]
        agent_keys = ["ci-bot"]
        action = "deny"

        [[policies]]
        name = "example staff confirm writes from claude"
        effects = ["write", "destructive"]
        users = ["@example.com"]
        client_names = ["claude-*"]
        action = "confirm"
        "#,
    );
    assert_eq!(
        call("auth0_delete_role", BOT).judged_by(&set),
        judged("deny", "bots never destroy")
    );
    assert_eq!(
        call("auth0_create_user", BOT).judged_by(&set),
        judged("none", "")
    );
    assert_eq!(
        call("auth0_create_user", ALICE).judged_by(&set),
        judged("confirm", "example staff confirm writes from claude")
    );
    let other_client = Caller {
        client_name: Some("cursor"),
        ..ALICE
    };
    assert_eq!(
        call("auth0_create_user", other_client).judged_by(&set),
        judged("none", "")
    );
    let other_domain = Caller {
        email: Some("alice@example.org"),
        ..ALICE
    };
    assert_eq!(
        call("auth0_create_user", other_domain).judged_by(&set),
        judged("none", "")
    );
    assert_eq!(
        call("auth0_list_users", ALICE).judged_by(&set),
        judged("none", "")
    );
}

#[test]
fn rules_match_on_arguments() {
    let set = policy(
        r#"
        [[policies]]
        name = "database users"
        tools = ["auth0_create_user"]
        action = "confirm"
        arguments = [{ pointer = "/connection", equals = "Username-Password-Authentication" }]

        [[policies]]
        name = "admin role"
        tools = ["auth0_assign_user_roles"]
        action = "approve"
        approvers = ["sec@example.com"]
        arguments = [{ pointer = "/roles", contains = "rol_admin" }]

        [[policies]]
        name = "big pages"
        tools = ["auth0_list_users"]
        action = "deny"
        arguments = [{ pointer = "/per_page", min = 51 }]

        [[policies]]
        name = "test users"
        tools = ["auth0_delete_user"]
        action = "allow"
        arguments = [{ pointer = "/user_id", starts_with = "auth0|test-" }]

        [[policies]]
        name = "sso users"
        tools = ["auth0_delete_user"]
        action = "deny"
        arguments = [{ pointer = "/user_id", matches = "^(samlp|oidc)\\|" }]

        [[policies]]
        name = "named people"
        tools = ["auth0_get_user"]
        action = "confirm"
        arguments = [{ pointer = "/user_id", in = ["auth0|ceo", "auth0|cfo"] }]
        "#,
    );
    let cases = [
        (
            "auth0_create_user",
            json!({"connection": "Username-Password-Authentication"}),
            "database users",
        ),
        (
            "auth0_create_user",
            json!({"connection": "google-oauth2"}),
            "",
        ),
        ("auth0_create_user", json!({}), ""),
        (
            "auth0_assign_user_roles",
            json!({"roles": ["rol_1", "rol_admin"]}),
            "admin role",
        ),
        ("auth0_assign_user_roles", json!({"roles": ["rol_1"]}), ""),
        ("auth0_assign_user_roles", json!({"roles": "rol_admin"}), ""),
        ("auth0_list_users", json!({"per_page": 100}), "big pages"),
        ("auth0_list_users", json!({"per_page": 50}), ""),
        (
            "auth0_delete_user",
            json!({"user_id": "auth0|test-1"}),
            "test users",
        ),
        (
            "auth0_delete_user",
            json!({"user_id": "samlp|acme|bob"}),
            "sso users",
        ),
        ("auth0_delete_user", json!({"user_id": "auth0|bob"}), ""),
        (
            "auth0_get_user",
            json!({"user_id": "auth0|cfo"}),
            "named people",
        ),
        ("auth0_get_user", json!({"user_id": "auth0|cto"}), ""),
    ];
    for (tool, arguments, rule) in cases {
        let (_, matched) = call(tool, ALICE).with(arguments.clone()).judged_by(&set);
        assert_eq!(matched, rule, "{tool} {arguments}");
    }
}

#[test]
fn rules_match_on_the_source_address() {
    let set = policy(
        r#"
        [[policies]]
        name = "office network"
        tools = ["auth0_delete_user"]
        sources = ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]
        action = "allow"

        [[policies]]
        name = "elsewhere"
        tools = ["auth0_delete_user"]
        action = "deny"
        "#,
    );
    for (ip, rule) in [
        ("10.1.2.3", "office network"),
        ("2001:db8::1", "office network"),
        ("192.0.2.7", "office network"),
        ("192.0.2.8", "elsewhere"),
        ("11.0.0.1", "elsewhere"),
    ] {
        assert_eq!(
            call("auth0_delete_user", ALICE).from(ip).judged_by(&set).1,
            rule,
            "{ip}"
        );
    }
    // No source (stdio) is not inside any range.
    assert_eq!(
        call("auth0_delete_user", ALICE).judged_by(&set).1,
        "elsewhere"
    );
}

#[test]
fn listing_hides_outright_denials_and_notes_what_needs_a_person() {
    let set = policy(WORKED_EXAMPLE);
    let listed = |tool: &str, caller: Caller<'_>| set.listing(tool, &caller);
    assert_eq!(listed("auth0_get_user", ALICE), Listing::Plain);
    let Listing::Noted(note) = listed("auth0_delete_user", ALICE) else {
        panic!()
    };
    assert!(
        note.contains("approval from sec@example.com, anyone @secops.example.com"),
        "{note}"
    );
    let Listing::Noted(note) = listed("auth0_update_client", ALICE) else {
        panic!()
    };
    assert!(note.contains("multi-factor"), "{note}");
    // An agent key cannot step up: the tool is hidden from it.
    assert_eq!(listed("auth0_update_client", BOT), Listing::Hidden);
    // Logs depend on the time: shown, with the condition noted, never hidden.
    let Listing::Noted(note) = listed("auth0_list_logs", ALICE) else {
        panic!()
    };
    assert!(
        note.contains("otherwise refused") && note.contains("office hours"),
        "{note}"
    );

    let deny_all = policy(
        r#"
        [[policies]]
        name = "no deletes"
        tools = ["auth0_delete_*"]
        action = "deny"
        "#,
    );
    assert_eq!(
        deny_all.listing("auth0_delete_user", &ALICE),
        Listing::Hidden
    );
    assert_eq!(deny_all.listing("auth0_get_user", &ALICE), Listing::Plain);
}

#[test]
fn a_tool_is_denied_to_everyone_only_by_an_unconditional_deny_nothing_before_lets_through() {
    let set = policy(
        r#"
        [[policies]]
        name = "no role deletes"
        tools = ["auth0_delete_role"]
        action = "deny"

        [[policies]]
        name = "bots never create"
        tools = ["auth0_create_user"]
        agent_keys = ["ci-bot"]
        action = "deny"

        [[policies]]
        name = "admins may delete users"
        tools = ["auth0_delete_user"]
        users = ["@admins.example.com"]
        action = "allow"

        [[policies]]
        name = "no logs at night"
        tools = ["auth0_list_logs"]
        hours = { from = "20:00", to = "08:00" }
        action = "deny"

        [[policies]]
        name = "nobody else"
        tools = ["auth0_delete_*", "auth0_create_user", "auth0_list_logs"]
        action = "deny"

        [[policies]]
        name = "confirm updates"
        tools = ["auth0_update_client"]
        action = "confirm"
        "#,
    );
    // (tool, denied to everyone, why)
    let cases = [
        ("auth0_delete_role", true, "the first rule denies it to all"),
        (
            "auth0_create_user",
            true,
            "a narrower denial first, then all",
        ),
        (
            "auth0_list_logs",
            true,
            "denied at night, then at all times",
        ),
        (
            "auth0_delete_user",
            false,
            "admins are allowed before the denial",
        ),
        ("auth0_update_client", false, "confirmed, not denied"),
        ("auth0_list_users", false, "no rule"),
    ];
    for (tool, denied, why) in cases {
        assert_eq!(set.denied_to_everyone(tool), denied, "{tool}: {why}");
    }
}

#[test]
fn the_time_window_is_judged_at_the_calls_time_in_its_zone() {
    let set = policy(WORKED_EXAMPLE);
    // Saturday 10:00 Berlin.
    assert_eq!(
        call("auth0_list_logs", ALICE)
            .at("2026-12-05T09:00:00Z")
            .judged_by(&set)
            .0,
        "deny"
    );
    // Monday 08:59 Berlin.
    assert_eq!(
        call("auth0_list_logs", ALICE)
            .at("2026-11-30T07:59:00Z")
            .judged_by(&set)
            .0,
        "deny"
    );
}

#[test]
fn every_problem_is_named_by_its_key() {
    let found = problems(
        r#"
        [[policies]]
        tools = ["auth0_delet_*", "auth0_frobnicate"]
        action = "approve"

        [[policies]]
        name = "bad conditions"
        tools = ["auth0_list_users"]
        effects = ["write"]
        sources = ["10.0.0.0/33", "not-an-ip"]
        hours = { days = ["monday"], from = "9:00", to = "25:00", time_zone = "Mars/Olympus" }
        arguments = [
            { pointer = "connection", equals = "x" },
            { pointer = "/a", equals = 1, starts_with = "b" },
            { pointer = "/a" },
            { pointer = "/a", matches = "(" },
            { pointer = "/a", min = 5, max = 1 },
        ]
        action = "deny"
        reason = ""

        [[policies]]
        name = "bad approve"
        tools = ["auth0_delete_user"]
        action = "approve"
        approvers = ["sec@example.com", "not-an-email"]
        approvals_required = 3
        expires_minutes = 0
        reason = "no"

        [[policies]]
        name = "bad approve"
        tools = ["auth0_delete_user"]
        action = "escalate"
        agent_keys_step_up = "sometimes"
        "#,
    );
    let expected = [
        "[0].name: is required",
        "[0].tools[0]: `auth0_delet_*` matches no tool",
        "[0].tools[1]: `auth0_frobnicate` is not a tool",
        "[0].approvers: is required for `approve`",
        "[1].effects: no tool named in `tools` has these effects",
        "[1].arguments[0].pointer: `connection` is not a JSON pointer",
        "[1].arguments[1]: has equals and starts_with",
        "[1].arguments[2]: needs one test",
        "[1].arguments[3].matches: is not a regular expression",
        "[1].arguments[4].min: 5 is above max 1",
        "[1].sources[0]: `10.0.0.0/33` is neither",
        "[1].sources[1]: `not-an-ip` is neither",
        "[1].hours.days[0]: `monday` is not one of",
        "[1].hours.from: `9:00` is not a time of day",
        "[1].hours.to: `25:00` is not a time of day",
        "[1].hours.time_zone: `Mars/Olympus` is not an IANA time zone",
        "[1].reason: must be 1 to 500 characters",
        "[2].reason: applies only to `action = \"deny\"`",
        "[2].approvers[1]: `not-an-email` is neither an email address nor `@domain`",
        "[2].approvals_required: 3 approvals are required but only 1 approvers are listed",
        "[2].expires_minutes: 0 is outside 1 to 10080",
        "[3].agent_keys_step_up: applies only to `action = \"step_up\"`",
        "[3].action: `escalate` is not allow, deny, confirm, approve or step_up",
    ];
    for want in expected {
        assert!(
            found.iter().any(|p| p.starts_with(want)),
            "missing `{want}` in:\n{}",
            found.join("\n")
        );
    }
    assert_eq!(found.len(), expected.len(), "{}", found.join("\n"));
}

#[test]
fn rule_names_are_unique() {
    let found = problems(
        r#"
        [[policies]]
        name = "same"
        tools = ["auth0_get_user"]
        action = "allow"

        [[policies]]
        name = "same"
        tools = ["auth0_list_users"]
        action = "allow"
        "#,
    );
    assert_eq!(
        found,
        ["[1].name: `same` is used by an earlier rule; names must be unique"]
    );
}

#[test]
fn unknown_keys_are_refused_when_read() {
    let error = toml::from_str::<toml::Table>("x = 1")
        .and_then(|_| {
            #[derive(Debug, serde::Deserialize)]
            #[allow(dead_code)]
            struct File {
                policies: Vec<RuleSpec>,
            }
            toml::from_str::<File>(
                r#"
                [[policies]]
                name = "typo"
                tool = ["auth0_get_user"]
                action = "deny"
                "#,
            )
        })
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `tool`"), "{error}");
}

#[test]
fn a_rule_reads_back_as_what_it_enforces() {
    let set = policy(
        r#"
        [[policies]]
        name = "admins"
        tools = ["auth0_delete_*"]
        users = ["@example.com"]
        sources = ["10.0.0.0/8"]
        arguments = [{ pointer = "/user_id", matches = "^auth0\\|admin" }]
        hours = { days = ["mon", "fri"], from = "09:00", to = "24:00", time_zone = "Europe/Berlin" }
        action = "approve"
        approvers = ["sec@example.com", "@ops.example.com"]
        approvals_required = 2
        "#,
    );
    let summary = set.rules()[0].summary();
    assert_eq!(summary.tools, ["auth0_delete_role", "auth0_delete_user"]);
    assert_eq!(
        summary.conditions,
        [
            "users: @example.com",
            "argument /user_id matches /^auth0\\|admin/",
            "from 10.0.0.0/8",
            "mon, fri 09:00–24:00 (Europe/Berlin)",
        ]
    );
    assert_eq!(
        summary.action,
        "approve: 2 of sec@example.com, @ops.example.com (within 60 min)"
    );
}
