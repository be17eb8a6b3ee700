//! What judging a call by the tenant's policy costs, in process: the work every tool call does
//! between the scope check and Auth0 when the tenant has `[[tenants.policies]]`. A call that no
//! rule matches, or that a rule allows or denies, touches nothing but memory (no store round
//! trip; `tests/e2e/policies.rs` shows it over stdio, where there is no store at all); only
//! `approve` and `confirm` go to the store. Timed with `Instant` over many evaluations of one
//! call, median of runs.

use std::hint::black_box;
use std::time::Instant;

use serde_json::{Value, json};

const ITERATIONS: u32 = 200_000;

/// Twenty rules of the kinds operators write: globs, effects, people, arguments, sources, hours.
fn twenty_rules() -> Vec<gw_policy::RuleSpec> {
    let mut text = String::new();
    for i in 0..19 {
        text += &format!(
            r#"
[[policies]]
name = "rule {i}"
tools = ["auth0_*_organization*"]
users = ["person{i}@example.com", "@team{i}.example.com"]
arguments = [{{ pointer = "/organization_id", starts_with = "org_{i}" }}]
sources = ["10.{i}.0.0/16"]
hours = {{ days = ["mon", "tue", "wed", "thu", "fri"], from = "09:00", to = "18:00", time_zone = "Europe/Berlin" }}
action = "deny"
"#
        );
    }
    text += r#"
[[policies]]
name = "deletes of admins"
tools = ["auth0_delete_user"]
arguments = [{ pointer = "/user_id", matches = "^auth0\\|admin" }]
action = "approve"
approvers = ["sec@example.com"]
"#;
    #[derive(serde::Deserialize)]
    struct File {
        policies: Vec<gw_policy::RuleSpec>,
    }
    toml::from_str::<File>(&text)
        .expect("the bench's rules parse")
        .policies
}

fn delete_user<'a>(
    arguments: &'a Value,
    caller: gw_policy::Caller<'a>,
    now: jiff::Timestamp,
) -> gw_policy::Call<'a> {
    gw_policy::Call {
        tool: "auth0_delete_user",
        caller,
        arguments,
        source: Some(std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1))),
        now,
    }
}

fn time_per_call(mut judge: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..ITERATIONS {
        judge();
    }
    started.elapsed().as_nanos() as f64 / f64::from(ITERATIONS)
}

/// Nanoseconds per evaluation (median of `runs`), for: no policy; twenty rules none of which
/// matches; twenty rules, the last matching on an argument; and listing all 37 tools.
pub(crate) fn measure(runs: usize) -> Value {
    let tools = gw_mcp::catalog().policy_tools();
    let none = gw_policy::compile(&[], &tools).expect("empty");
    let twenty = gw_policy::compile(&twenty_rules(), &tools).expect("the bench's rules compile");
    let caller = gw_policy::Caller {
        kind: gw_policy::CallerKind::User,
        email: Some("alice@example.com"),
        key_name: None,
        oauth_client: None,
        client_name: Some("bench"),
    };
    let miss = json!({"user_id": "auth0|bob"});
    let hit = json!({"user_id": "auth0|admin"});
    let now = jiff::Timestamp::now();
    let call = |arguments| delete_user(arguments, caller, now);
    let (miss, hit) = (&miss, &hit);
    let median = |f: &mut dyn FnMut() -> f64| {
        let mut v: Vec<f64> = (0..runs).map(|_| f()).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let no_policy = median(&mut || time_per_call(|| drop(black_box(none.evaluate(&call(miss))))));
    let no_match = median(&mut || time_per_call(|| drop(black_box(twenty.evaluate(&call(miss))))));
    let last_matches =
        median(&mut || time_per_call(|| drop(black_box(twenty.evaluate(&call(hit))))));
    let listing = median(&mut || {
        time_per_call(|| {
            for (tool, _) in &tools {
                black_box(twenty.listing(tool, &caller));
            }
        })
    });
    json!({
        "unit": "nanoseconds per call",
        "iterations_per_run": ITERATIONS,
        "no_policy": no_policy,
        "twenty_rules_none_matching": no_match,
        "twenty_rules_last_matching_on_an_argument": last_matches,
        "tools_list_of_37_tools_with_twenty_rules": listing,
        "store_round_trips_unless_approve_or_confirm": 0,
    })
}
