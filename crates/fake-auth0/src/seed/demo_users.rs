//! Forty demo users: database users `auth0|<first name>` (plus `auth0|admin`) and Google
//! users `google-oauth2|100000000000000000NNN`, some blocked, some holding IdP tokens.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use time::Duration;
use time::macros::datetime;

use super::{DATABASE_CONNECTION, EXAMPLE_API, GOOGLE_CONNECTION};
use crate::model::resource_server::PermissionRef;
use crate::model::user::{Identity, User, gravatar};
use crate::tenant::Tenant;

/// `(local id, given name, family name, blocked)`.
const DATABASE_USERS: &[(&str, &str, &str, bool)] = &[
    ("admin", "Ada", "Admin", false),
    ("alice", "Alice", "Johnson", false),
    ("bob", "Bob", "Smith", false),
    ("carol", "Carol", "Williams", false),
    ("dave", "Dave", "Brown", false),
    ("erin", "Erin", "Jones", false),
    ("frank", "Frank", "Garcia", true),
    ("grace", "Grace", "Miller", false),
    ("heidi", "Heidi", "Davis", false),
    ("ivan", "Ivan", "Rodriguez", false),
    ("judy", "Judy", "Martinez", false),
    ("mallory", "Mallory", "Hernandez", true),
    ("niaj", "Niaj", "Lopez", false),
    ("olivia", "Olivia", "Gonzalez", false),
    ("peggy", "Peggy", "Wilson", false),
    ("rupert", "Rupert", "Anderson", false),
    ("sybil", "Sybil", "Thomas", false),
    ("trent", "Trent", "Taylor", true),
    ("uma", "Uma", "Moore", false),
    ("victor", "Victor", "Jackson", false),
    ("walter", "Walter", "Martin", false),
    ("xena", "Xena", "Lee", false),
    ("yusuf", "Yusuf", "Perez", false),
    ("zoe", "Zoe", "Thompson", false),
    ("liam", "Liam", "White", false),
    ("mia", "Mia", "Harris", false),
    ("noah", "Noah", "Sanchez", false),
    ("emma", "Emma", "Clark", false),
];

/// `(given name, family name, blocked, holds IdP tokens)`.
const GOOGLE_USERS: &[(&str, &str, bool, bool)] = &[
    ("Sophia", "Ramirez", false, true),
    ("Jackson", "Lewis", false, true),
    ("Ava", "Robinson", false, true),
    ("Lucas", "Walker", false, true),
    ("Isabella", "Young", false, false),
    ("Ethan", "Allen", false, false),
    ("Amelia", "King", true, true),
    ("Mason", "Wright", false, false),
    ("Harper", "Scott", false, true),
    ("Logan", "Torres", false, false),
    ("Ella", "Nguyen", false, false),
    ("James", "Hill", false, false),
];

const PLANS: &[&str] = &["free", "pro", "enterprise"];
const LOCALES: &[&str] = &["en-US", "fr-FR", "de-DE", "es-ES"];

/// The Google user id of the `n`-th (from 1) seeded Google user.
pub(crate) fn google_id(n: usize) -> String {
    format!(
        "google-oauth2|{}",
        100_000_000_000_000_000_000u128 + n as u128
    )
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub(super) fn seed(t: &mut Tenant) {
    let base = datetime!(2024-01-08 09:00 UTC);
    let login_base = datetime!(2025-05-01 07:30 UTC);
    let all = DATABASE_USERS
        .iter()
        .map(|(l, g, f, b)| (Some(*l), *g, *f, *b, false))
        .chain(
            GOOGLE_USERS
                .iter()
                .map(|(g, f, b, tok)| (None, *g, *f, *b, *tok)),
        );
    let mut google_n = 0;
    for (i, (local, given, family, blocked, tokens)) in all.enumerate() {
        let n = i64::try_from(i).unwrap_or(0);
        let created_at = base + Duration::days(5 * n) + Duration::minutes(37 * n);
        let never_logged_in = i % 5 == 4;
        let (user_id, email, identity, picture, nickname) = match local {
            Some(local) => {
                let email = if local == "admin" {
                    "admin@example.com".to_owned()
                } else {
                    format!(
                        "{}.{}@example.com",
                        given.to_lowercase(),
                        family.to_lowercase()
                    )
                };
                let identity = Identity {
                    connection: DATABASE_CONNECTION.into(),
                    provider: "auth0".into(),
                    user_id: local.into(),
                    is_social: false,
                    access_token: None,
                    refresh_token: None,
                    expires_in: None,
                };
                let initials = format!("{}{}", &given[..1], &family[..1]);
                (
                    format!("auth0|{local}"),
                    email.clone(),
                    identity,
                    gravatar(&email, &initials),
                    local.to_owned(),
                )
            }
            None => {
                google_n += 1;
                let user_id = google_id(google_n);
                let email = format!(
                    "{}.{}@gmail.com",
                    given.to_lowercase(),
                    family.to_lowercase()
                );
                let lower = given.to_lowercase();
                let identity = Identity {
                    connection: GOOGLE_CONNECTION.into(),
                    provider: GOOGLE_CONNECTION.into(),
                    user_id: user_id.trim_start_matches("google-oauth2|").to_owned(),
                    is_social: true,
                    access_token: tokens
                        .then(|| format!("ya29.fake-google-access-token-for-{lower}")),
                    refresh_token: tokens
                        .then(|| format!("1//fake-google-refresh-token-for-{lower}")),
                    expires_in: tokens.then_some(3599),
                };
                let picture = format!("https://lh3.googleusercontent.com/a/fake-{lower}=s96-c");
                let nickname = format!("{lower}.{}", family.to_lowercase());
                (user_id, email, identity, picture, nickname)
            }
        };
        let mut app_metadata = obj(json!({"plan": PLANS[i % PLANS.len()]}));
        if local == Some("admin") {
            app_metadata = obj(json!({"plan": "enterprise", "is_staff": true}));
        }
        let user_metadata = obj(
            json!({"locale": LOCALES[i % LOCALES.len()], "theme": if i % 2 == 0 { "light" } else { "dark" }}),
        );
        let user = User {
            user_id: user_id.clone(),
            email: Some(email),
            email_verified: identity.is_social || i % 4 != 3,
            username: None,
            phone_number: None,
            phone_verified: None,
            name: Some(format!("{given} {family}")),
            given_name: Some(given.to_owned()),
            family_name: Some(family.to_owned()),
            nickname: Some(nickname),
            picture: Some(picture),
            blocked: blocked.then_some(true),
            user_metadata: Some(user_metadata),
            app_metadata: Some(app_metadata),
            identities: vec![identity],
            created_at,
            updated_at: created_at + Duration::days(20),
            last_login: (!never_logged_in).then(|| login_base + Duration::hours(n)),
            last_ip: (!never_logged_in).then(|| format!("203.0.113.{}", 10 + i)),
            logins_count: if never_logged_in {
                0
            } else {
                u64::try_from((i * 7) % 40 + 1).unwrap_or(1)
            },
            password_hash: None,
            direct_permissions: BTreeSet::new(),
            multifactor: Vec::new(),
        };
        t.users.insert(user_id, user);
    }
    // One direct permission, so permission listings show a DIRECT source.
    if let Some(bob) = t.users.get_mut("auth0|bob") {
        bob.direct_permissions
            .insert(PermissionRef::new(EXAMPLE_API, "write:reports"));
    }
}
