//! What masking a tool result costs, in process (issue 18): a 100-user `auth0_list_users` page
//! (the fake tenant's demo-user shape: e-mail, name, Gravatar picture, `last_ip`, metadata, one
//! identity, dates) masked by a tenant with no rule, by every built-in detector in `redact` and in
//! `pseudonym` mode, by detectors plus field paths, and its text block (the same page as JSON
//! text) by every detector. Each iteration masks a fresh copy made just before the clock starts
//! (warm in cache, like a result just parsed); the figure is the median of runs, per call and per
//! KB of the page's compact JSON.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use gw_masking::{Detector, FieldPath, Masker, Mode, PseudonymKey, Rule};
use serde_json::{Value, json};

const USERS: usize = 100;
const ITERATIONS: usize = 200;
const EMPTY_ITERATIONS: u32 = 1_000_000;

const NAMES: &[(&str, &str)] = &[
    ("Alice", "Johnson"),
    ("Bob", "Smith"),
    ("Carol", "Williams"),
    ("Dave", "Brown"),
    ("Erin", "Jones"),
    ("Frank", "Garcia"),
    ("Grace", "Miller"),
    ("Heidi", "Davis"),
    ("Ivan", "Rodriguez"),
    ("Judy", "Martinez"),
];

/// A page as `auth0_list_users` returns it (`items`, `total`, `has_more`), users rendered the way
/// `crates/fake-auth0/src/model/user.rs` renders the demo seed.
pub(crate) fn list_users_page() -> Value {
    let items: Vec<Value> = (0..USERS)
        .map(|i| {
            let (given, family) = NAMES[i % NAMES.len()];
            let local = format!("{}{i}", given.to_lowercase());
            let email = format!("{}.{}{i}@example.com", given.to_lowercase(), family.to_lowercase());
            let locale = ["en-US", "fr-FR", "de-DE", "es-ES"][i % 4];
            let plan = ["free", "pro", "enterprise"][i % 3];
            json!({
                "user_id": format!("auth0|{local}"),
                "email": email,
                "email_verified": i % 4 != 3,
                "name": format!("{given} {family}"),
                "given_name": given,
                "family_name": family,
                "nickname": local,
                "picture": format!("https://s.gravatar.com/avatar/{:064x}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F{}{}.png", i * 7919 + 12345, &given[..1].to_lowercase(), &family[..1].to_lowercase()),
                "last_ip": format!("203.0.113.{}", 10 + i),
                "user_metadata": {"locale": locale, "theme": if i % 2 == 0 { "light" } else { "dark" }},
                "app_metadata": {"plan": plan},
                "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": local, "isSocial": false}],
                "created_at": format!("2024-{:02}-{:02}T09:{:02}:00.000Z", 1 + i % 12, 1 + i % 28, i % 60),
                "updated_at": format!("2024-{:02}-{:02}T09:{:02}:00.000Z", 1 + (i + 1) % 12, 1 + i % 28, i % 60),
                "last_login": format!("2025-05-01T{:02}:30:00.000Z", i % 24),
                "logins_count": (i * 7) % 40 + 1,
            })
        })
        .collect();
    json!({"items": items, "total": 250, "has_more": true})
}

fn all_detectors() -> Vec<Detector> {
    gw_masking::BUILTIN_NAMES
        .iter()
        .map(|n| Detector::builtin(n).expect("built-in"))
        .collect()
}

fn masker(rules: Vec<Rule>) -> Masker {
    let key = Arc::new(PseudonymKey::new([7; 32]));
    Masker::new(rules, Some(key)).expect("the bench's rules are valid")
}

/// Microseconds per masking of a fresh copy of `page`, median of `runs`. The copy is made just
/// before each timed masking (outside the clock), so the page is as warm in cache as a result the
/// gateway has just parsed.
fn time_json(masker: &Masker, page: &Value, runs: usize) -> (f64, usize) {
    let mut replaced = 0;
    let mut per_run: Vec<f64> = (0..runs)
        .map(|_| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..ITERATIONS {
                let mut copy = page.clone();
                let started = Instant::now();
                replaced = black_box(masker.mask_json(&mut copy)).replaced;
                total += started.elapsed();
                drop(copy);
            }
            total.as_secs_f64() * 1e6 / ITERATIONS as f64
        })
        .collect();
    per_run.sort_by(f64::total_cmp);
    (per_run[per_run.len() / 2], replaced)
}

fn time_text(masker: &Masker, text: &str, runs: usize) -> f64 {
    let mut per_run: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..ITERATIONS {
                black_box(masker.mask_text(black_box(text)));
            }
            started.elapsed().as_secs_f64() * 1e6 / ITERATIONS as f64
        })
        .collect();
    per_run.sort_by(f64::total_cmp);
    per_run[per_run.len() / 2]
}

/// The figures, as JSON.
pub(crate) fn measure(runs: usize) -> Value {
    let page = list_users_page();
    let text = serde_json::to_string(&page).expect("serialisable");
    let kb = text.len() as f64 / 1024.0;
    let empty = Masker::new(vec![], None).expect("no rules");
    let redact = masker(vec![Rule {
        detectors: all_detectors(),
        fields: vec![],
        mode: Mode::Redact,
    }]);
    let pseudonym = masker(vec![Rule {
        detectors: all_detectors(),
        fields: vec![],
        mode: Mode::Pseudonym,
    }]);
    let with_fields = masker(vec![
        Rule {
            detectors: vec![],
            fields: [
                "last_ip",
                "user_metadata.*",
                "identities[].profileData",
                "name",
            ]
            .iter()
            .map(|p| FieldPath::parse(p).expect("a path"))
            .collect(),
            mode: Mode::Redact,
        },
        Rule {
            detectors: all_detectors(),
            fields: vec![],
            mode: Mode::Pseudonym,
        },
    ]);

    // A tenant without rules: the call the gateway makes on every result.
    let mut untouched = page.clone();
    let mut per_run: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..EMPTY_ITERATIONS {
                black_box(empty.mask_json(black_box(&mut untouched)));
            }
            started.elapsed().as_nanos() as f64 / f64::from(EMPTY_ITERATIONS)
        })
        .collect();
    per_run.sort_by(f64::total_cmp);
    let empty_ns = per_run[per_run.len() / 2];

    let (redact_us, redact_n) = time_json(&redact, &page, runs);
    let (pseudonym_us, pseudonym_n) = time_json(&pseudonym, &page, runs);
    let (fields_us, fields_n) = time_json(&with_fields, &page, runs);
    let text_us = time_text(&redact, &text, runs);
    let row = |us: f64, replaced: usize| json!({"us_per_call": us, "us_per_kb": us / kb, "replaced_per_call": replaced});
    json!({
        "page": {"users": USERS, "bytes": text.len(), "shape": "auth0_list_users structuredContent (items, total, has_more)"},
        "iterations_per_run": ITERATIONS,
        "no_rules_ns_per_call": empty_ns,
        "all_detectors_redact": row(redact_us, redact_n),
        "all_detectors_pseudonym": row(pseudonym_us, pseudonym_n),
        "field_paths_redact_and_all_detectors_pseudonym": row(fields_us, fields_n),
        "text_block_all_detectors_redact": {"us_per_call": text_us, "us_per_kb": text_us / kb},
    })
}
