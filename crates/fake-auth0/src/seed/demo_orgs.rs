//! Five demo organizations with branding, metadata and members.

use serde_json::{Value, json};
use time::Duration;
use time::macros::datetime;

use super::demo_users::google_id;
use crate::model::organization::Organization;
use crate::tenant::Tenant;

/// `(id, name, display name, primary color, tier, region, member local ids)`; a member
/// given as a number is the n-th seeded Google user.
type OrgRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const ORGS: &[OrgRow] = &[
    (
        "org_acme000000000000",
        "acme",
        "Acme Corporation",
        "#0059d6",
        "enterprise",
        "us-east",
        &["admin", "alice", "bob", "carol", "dave", "erin", "1", "2"],
    ),
    (
        "org_globex0000000000",
        "globex",
        "Globex Inc.",
        "#1b8a5a",
        "pro",
        "eu-west",
        &["admin", "frank", "grace", "heidi", "3", "4"],
    ),
    (
        "org_initech000000000",
        "initech",
        "Initech",
        "#6b3fa0",
        "free",
        "us-west",
        &["ivan", "judy", "mallory", "peggy"],
    ),
    (
        "org_umbrella00000000",
        "umbrella",
        "Umbrella Health",
        "#c62828",
        "enterprise",
        "ap-southeast",
        &["olivia", "rupert", "sybil", "5", "6", "7"],
    ),
    (
        "org_stark00000000000",
        "stark-industries",
        "Stark Industries",
        "#b8860b",
        "pro",
        "us-east",
        &["trent", "uma", "victor", "walter", "xena", "yusuf", "zoe"],
    ),
];

pub(super) fn seed(t: &mut Tenant) {
    let base = datetime!(2024-02-01 10:00 UTC);
    for (i, (id, name, display, color, tier, region, members)) in ORGS.iter().enumerate() {
        let members = members
            .iter()
            .map(|m| match m.parse::<usize>() {
                Ok(n) => google_id(n),
                Err(_) => format!("auth0|{m}"),
            })
            .collect();
        let metadata = json!({"tier": tier, "region": region});
        t.organizations.insert(
            (*id).to_owned(),
            Organization {
                id: (*id).to_owned(),
                name: (*name).to_owned(),
                display_name: Some((*display).to_owned()),
                branding: Some(json!({
                    "logo_url": format!("https://cdn.example.com/logos/{name}.png"),
                    "colors": {"primary": color, "page_background": "#f4f6fb"},
                })),
                metadata: match metadata {
                    Value::Object(m) => Some(m),
                    _ => None,
                },
                created_at: base + Duration::days(7 * i64::try_from(i).unwrap_or(0)),
                members,
            },
        );
    }
}
