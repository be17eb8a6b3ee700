//! The data a tenant starts with. Everything here is deterministic (fixed ids, dates and
//! values) so tests can name records; the well-known ids are listed in the README.

mod demo_clients;
mod demo_logs;
mod demo_orgs;
mod demo_roles;
mod demo_users;

use std::collections::BTreeSet;

use time::macros::datetime;

use crate::config::{FakeConfig, MANAGEMENT_SCOPES, OTHER_MANAGEMENT_SCOPES, Seed};
use crate::model::client::{Client, new_client_doc};
use crate::model::resource_server::ResourceServer;
use crate::model::user::{Identity, User, gravatar};
use crate::tenant::{Connection, Tenant};

pub(crate) const DATABASE_CONNECTION: &str = "Username-Password-Authentication";
pub(crate) const GOOGLE_CONNECTION: &str = "google-oauth2";
/// The demo API whose permissions the seeded roles hold.
pub(crate) const EXAMPLE_API: &str = "https://api.example.com";

pub(crate) fn build(config: &FakeConfig) -> Tenant {
    let tenant_name = config
        .domain
        .split('.')
        .next()
        .unwrap_or("tenant")
        .to_owned();
    let mut t = Tenant::new(tenant_name, config.domain.clone());
    t.connections = vec![
        Connection {
            id: "con_database00000001".into(),
            name: DATABASE_CONNECTION.into(),
            strategy: "auth0".into(),
        },
        Connection {
            id: "con_google0000000001".into(),
            name: GOOGLE_CONNECTION.into(),
            strategy: "google-oauth2".into(),
        },
    ];
    t.resource_servers.push(management_api(&config.domain));
    for rc in &config.clients {
        let doc = new_client_doc(
            &t.name,
            &rc.client_id,
            &rc.client_secret,
            &rc.name,
            "regular_web",
            &rc.callbacks,
        );
        t.clients.insert(
            rc.client_id.clone(),
            Client {
                doc,
                management_scopes: rc.management_scopes.clone(),
            },
        );
    }
    if config.seed == Seed::Demo {
        t.resource_servers.push(example_api());
        demo_users::seed(&mut t);
        demo_orgs::seed(&mut t);
        demo_roles::seed(&mut t);
        demo_clients::seed(&mut t);
        demo_logs::seed(&mut t);
    }
    ensure_login_user(&mut t, &config.login_user);
    t
}

fn describe(scope: &str) -> String {
    let (verb, object) = scope.split_once(':').unwrap_or((scope, ""));
    let mut verb = verb.to_owned();
    if let Some(first) = verb.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    format!("{verb} {}", object.replace('_', " "))
}

fn management_api(domain: &str) -> ResourceServer {
    ResourceServer {
        identifier: format!("https://{domain}/api/v2/"),
        name: "Auth0 Management API".into(),
        scopes: MANAGEMENT_SCOPES
            .iter()
            .chain(OTHER_MANAGEMENT_SCOPES)
            .map(|s| ((*s).to_owned(), describe(s)))
            .collect(),
    }
}

fn example_api() -> ResourceServer {
    let scopes = [
        ("read:reports", "Read reports"),
        ("write:reports", "Create and edit reports"),
        ("read:tickets", "Read support tickets"),
        ("write:tickets", "Answer and close support tickets"),
        ("read:billing", "Read invoices and plans"),
        ("write:billing", "Change plans and payment methods"),
        ("admin:settings", "Change account-wide settings"),
    ];
    ResourceServer {
        identifier: EXAMPLE_API.into(),
        name: "Example API".into(),
        scopes: scopes
            .iter()
            .map(|(s, d)| ((*s).to_owned(), (*d).to_owned()))
            .collect(),
    }
}

/// The login user must exist for `/authorize` to work, whatever the seed.
fn ensure_login_user(t: &mut Tenant, user_id: &str) {
    if t.users.contains_key(user_id) {
        return;
    }
    let (provider, local) = user_id.split_once('|').unwrap_or(("auth0", user_id));
    let email = if user_id == crate::config::DEFAULT_LOGIN_USER {
        "admin@example.com".to_owned()
    } else {
        format!("{}@example.com", local.to_lowercase())
    };
    let at = datetime!(2024-01-02 09:00 UTC);
    let social = provider != "auth0";
    t.users.insert(
        user_id.to_owned(),
        User {
            user_id: user_id.to_owned(),
            email: Some(email.clone()),
            email_verified: true,
            username: None,
            phone_number: None,
            phone_verified: None,
            name: Some(email.clone()),
            given_name: None,
            family_name: None,
            nickname: Some(local.to_owned()),
            picture: Some(gravatar(&email, local)),
            blocked: None,
            user_metadata: None,
            app_metadata: None,
            identities: vec![Identity {
                connection: if social {
                    provider.to_owned()
                } else {
                    DATABASE_CONNECTION.to_owned()
                },
                provider: provider.to_owned(),
                user_id: local.to_owned(),
                is_social: social,
                access_token: None,
                refresh_token: None,
                expires_in: None,
            }],
            created_at: at,
            updated_at: at,
            last_login: None,
            last_ip: None,
            logins_count: 0,
            password_hash: None,
            direct_permissions: BTreeSet::new(),
            multifactor: Vec::new(),
        },
    );
}
