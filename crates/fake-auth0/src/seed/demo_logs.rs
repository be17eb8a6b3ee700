//! Sixty demo log events of mixed types, spread over May 2025, with the fields Auth0 puts
//! in each.

use serde_json::{Map, Value, json};
use time::Duration;
use time::macros::datetime;

use crate::model::user::User;
use crate::tenant::Tenant;

/// `(type, description, about a user?)`, cycled through.
const EVENTS: &[(&str, &str, bool)] = &[
    ("s", "Success Login", true),
    ("s", "Success Login", true),
    ("f", "Wrong email or password.", true),
    ("ss", "Success Signup", true),
    ("s", "Success Login", true),
    ("fp", "Wrong email or password.", true),
    ("sapi", "Update a User", false),
    ("seccft", "Client Credentials for Access Token", false),
    ("s", "Success Login", true),
    ("fu", "Wrong email or password.", true),
    ("slo", "Success Logout", true),
    ("seacft", "Authorization Code for Access Token", true),
    ("w", "Warning during login", true),
    ("sv", "Success Verification Email", true),
    ("scpr", "Success Change Password Request", true),
    ("limit_wc", "Blocked Account", true),
    ("fsa", "Login required", true),
    ("sapi", "Create a role", false),
];

const USER_AGENTS: &[&str] = &[
    "Chrome 124.0.0 / Mac OS X 10.15.7",
    "Firefox 125.0.0 / Windows 10.0.0",
    "Safari 17.4.1 / iOS 17.4.1",
    "Edge 124.0.0 / Windows 10.0.0",
    "node-fetch 1.0.0 / Other 0.0.0",
];

/// Interactive applications that users log in to.
const LOGIN_CLIENTS: &[&str] = &[
    "AcmeDashboardRegularWeb000000001",
    "AcmeSinglePageApp000000000000002",
];
const MACHINE_CLIENT: &str = "ReportingJobMachineToMachine0003";

fn user_fields(out: &mut Map<String, Value>, t: &Tenant, u: &User) {
    out.insert("user_id".into(), json!(u.user_id));
    out.insert(
        "user_name".into(),
        json!(u.email.clone().unwrap_or_default()),
    );
    let connection = u.connection().to_owned();
    if let Some(c) = t.connection(&connection) {
        out.insert("connection".into(), json!(c.name));
        out.insert("connection_id".into(), json!(c.id));
        out.insert("strategy".into(), json!(c.strategy));
        out.insert(
            "strategy_type".into(),
            json!(if c.is_database() {
                "database"
            } else {
                "social"
            }),
        );
    }
}

pub(super) fn seed(t: &mut Tenant) {
    let users: Vec<User> = t.users.values().cloned().collect();
    let base = datetime!(2025-05-01 00:00 UTC);
    let mut events = Vec::new();
    for i in 0..60usize {
        let (kind, description, about_user) = EVENTS[i % EVENTS.len()];
        let n = i64::try_from(i).unwrap_or(0);
        let date = base
            + Duration::hours(11 * n)
            + Duration::minutes(17 * n)
            + Duration::milliseconds(123 * n);
        let mut f = Map::new();
        f.insert("type".into(), json!(kind));
        f.insert("description".into(), json!(description));
        f.insert("ip".into(), json!(format!("203.0.113.{}", 20 + i % 200)));
        f.insert(
            "user_agent".into(),
            json!(USER_AGENTS[i % USER_AGENTS.len()]),
        );
        f.insert("hostname".into(), json!(t.domain));
        f.insert("isMobile".into(), json!(i % USER_AGENTS.len() == 2));
        let client_id = if about_user {
            LOGIN_CLIENTS[i % LOGIN_CLIENTS.len()]
        } else {
            MACHINE_CLIENT
        };
        f.insert("client_id".into(), json!(client_id));
        if let Some(c) = t.clients.get(client_id) {
            f.insert("client_name".into(), json!(c.name()));
        }
        if about_user && !users.is_empty() {
            // Blocked-account events are about a blocked user; others walk through everyone.
            let user = if kind == "limit_wc" {
                users.iter().find(|u| u.is_blocked()).unwrap_or(&users[0])
            } else {
                &users[(i * 7) % users.len()]
            };
            user_fields(&mut f, t, user);
        }
        let details = match kind {
            "s" | "seacft" => {
                json!({"prompts": [], "initiatedAt": 1_746_057_600_000i64 + n * 1000, "session_id": format!("sess-{i:04}")})
            }
            "f" | "fp" | "fu" => json!({"error": {"message": description}}),
            "sapi" => {
                json!({"request": {"method": "patch", "path": "/api/v2/users", "channel": "api"}, "response": {"statusCode": 200}})
            }
            "seccft" => json!({"audience": format!("https://{}/api/v2/", t.domain)}),
            _ => json!({}),
        };
        f.insert("details".into(), details);
        events.push((date, f));
    }
    for (date, f) in events {
        t.push_log(date, f);
    }
}
