//! A user and its identities, rendered the way `GET /api/v2/users/{id}` does.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::resource_server::PermissionRef;
use super::timestamp::iso;

/// One linked account. IdP tokens are kept here because Auth0 keeps them here: they leave
/// the tenant only for a caller holding `read:user_idp_tokens`.
#[derive(Clone, Debug)]
pub(crate) struct Identity {
    pub(crate) connection: String,
    pub(crate) provider: String,
    pub(crate) user_id: String,
    pub(crate) is_social: bool,
    pub(crate) access_token: Option<String>,
    pub(crate) refresh_token: Option<String>,
    pub(crate) expires_in: Option<u64>,
}

impl Identity {
    fn render(&self, idp_tokens: bool) -> Value {
        let mut out = Map::new();
        out.insert("connection".into(), json!(self.connection));
        out.insert("provider".into(), json!(self.provider));
        out.insert("user_id".into(), json!(self.user_id));
        out.insert("isSocial".into(), json!(self.is_social));
        if idp_tokens {
            if let Some(t) = &self.access_token {
                out.insert("access_token".into(), json!(t));
            }
            if let Some(t) = &self.refresh_token {
                out.insert("refresh_token".into(), json!(t));
            }
            if let Some(e) = self.expires_in {
                out.insert("expires_in".into(), json!(e));
            }
        }
        Value::Object(out)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct User {
    pub(crate) user_id: String,
    pub(crate) email: Option<String>,
    pub(crate) email_verified: bool,
    pub(crate) username: Option<String>,
    pub(crate) phone_number: Option<String>,
    pub(crate) phone_verified: Option<bool>,
    pub(crate) name: Option<String>,
    pub(crate) given_name: Option<String>,
    pub(crate) family_name: Option<String>,
    pub(crate) nickname: Option<String>,
    pub(crate) picture: Option<String>,
    /// Auth0 leaves `blocked` out of the profile until it has been set once.
    pub(crate) blocked: Option<bool>,
    pub(crate) user_metadata: Option<Map<String, Value>>,
    pub(crate) app_metadata: Option<Map<String, Value>>,
    pub(crate) identities: Vec<Identity>,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) updated_at: OffsetDateTime,
    pub(crate) last_login: Option<OffsetDateTime>,
    pub(crate) last_ip: Option<String>,
    pub(crate) logins_count: u64,
    /// The MFA providers the user enrolled with (`["guardian"]`); Auth0 shows the field only
    /// once there is one.
    pub(crate) multifactor: Vec<String>,
    /// SHA-256 of the password: nothing checks it, but a fake should not hold one in clear.
    pub(crate) password_hash: Option<String>,
    /// Permissions assigned to the user directly (not through a role).
    pub(crate) direct_permissions: BTreeSet<PermissionRef>,
}

impl User {
    /// The connection of the primary identity, which is what Auth0 means by "the user's
    /// connection".
    pub(crate) fn connection(&self) -> &str {
        self.identities
            .first()
            .map(|i| i.connection.as_str())
            .unwrap_or("")
    }

    pub(crate) fn is_blocked(&self) -> bool {
        self.blocked == Some(true)
    }

    /// Enrolled users are enrolled with Guardian, Auth0's own authenticator app.
    pub(crate) fn set_mfa_enrolled(&mut self, enrolled: bool) {
        self.multifactor = if enrolled {
            vec!["guardian".to_owned()]
        } else {
            Vec::new()
        };
    }

    /// The full profile. `idp_tokens` decides whether identities carry IdP tokens.
    pub(crate) fn render(&self, idp_tokens: bool) -> Value {
        let mut out = Map::new();
        let mut put = |k: &str, v: Value| {
            out.insert(k.to_owned(), v);
        };
        put("user_id", json!(self.user_id));
        if let Some(e) = &self.email {
            put("email", json!(e));
            put("email_verified", json!(self.email_verified));
        }
        for (k, v) in [
            ("username", &self.username),
            ("phone_number", &self.phone_number),
            ("name", &self.name),
            ("given_name", &self.given_name),
            ("family_name", &self.family_name),
            ("nickname", &self.nickname),
            ("picture", &self.picture),
            ("last_ip", &self.last_ip),
        ] {
            if let Some(v) = v {
                put(k, json!(v));
            }
        }
        if let Some(p) = self.phone_verified {
            put("phone_verified", json!(p));
        }
        if let Some(b) = self.blocked {
            put("blocked", json!(b));
        }
        if let Some(m) = &self.user_metadata {
            put("user_metadata", Value::Object(m.clone()));
        }
        if let Some(m) = &self.app_metadata {
            put("app_metadata", Value::Object(m.clone()));
        }
        put(
            "identities",
            Value::Array(
                self.identities
                    .iter()
                    .map(|i| i.render(idp_tokens))
                    .collect(),
            ),
        );
        put("created_at", json!(iso(self.created_at)));
        put("updated_at", json!(iso(self.updated_at)));
        if let Some(t) = self.last_login {
            put("last_login", json!(iso(t)));
        }
        put("logins_count", json!(self.logins_count));
        if !self.multifactor.is_empty() {
            put("multifactor", json!(self.multifactor));
        }
        Value::Object(out)
    }

    /// The short form used in member lists (`/roles/{id}/users`, `/organizations/{id}/members`).
    pub(crate) fn summary(&self) -> Value {
        let mut out = Map::new();
        out.insert("user_id".into(), json!(self.user_id));
        for (k, v) in [
            ("email", &self.email),
            ("picture", &self.picture),
            ("name", &self.name),
        ] {
            if let Some(v) = v {
                out.insert(k.into(), json!(v));
            }
        }
        Value::Object(out)
    }
}

pub(crate) fn hash_password(password: &str) -> String {
    hex(&Sha256::digest(password.as_bytes()))
}

/// Auth0 gives new users a Gravatar picture; Gravatar accepts SHA-256 of the address.
pub(crate) fn gravatar(email: &str, initials: &str) -> String {
    let hash = hex(&Sha256::digest(email.trim().to_lowercase().as_bytes()));
    let initials: String = initials.chars().take(2).collect::<String>().to_lowercase();
    format!(
        "https://s.gravatar.com/avatar/{hash}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F{initials}.png"
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
