//! A tenant's checked settings: what the gateway needs to talk to one Auth0 tenant.

use std::fmt;

use url::Url;

use crate::scopes::ScopeSet;
use crate::secret::ClientSecret;

/// How the gateway obtains the token it calls the Management API with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantMode {
    /// The tenant's machine token (client credentials), shared by every caller; each caller's
    /// own scopes still limit which tools it may use.
    ClientCredentials,
    /// The connected user's own token from the authorization-code flow.
    AuthorizationCode,
}

impl fmt::Display for GrantMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GrantMode::ClientCredentials => "client_credentials",
            GrantMode::AuthorizationCode => "authorization_code",
        })
    }
}

/// A tenant as the gateway runs it: names and URLs checked, secret loaded.
#[derive(Debug, Clone)]
pub struct TenantSettings {
    /// The operator's name for the tenant (lowercase letters, digits, `-`, `_`).
    pub name: String,
    /// The tenant's Auth0 domain, e.g. `my-tenant.us.auth0.com`. Fixes the Management API audience.
    pub domain: String,
    /// Where the tenant's APIs are reached: `https://{domain}` unless overridden (private cloud, tests).
    pub base_url: Url,
    pub client_id: String,
    pub client_secret: ClientSecret,
    pub grant: GrantMode,
    /// The scopes the operator selected: an upper bound on what any caller of this tenant gets.
    pub scopes: ScopeSet,
    /// Hide and refuse every tool that changes the tenant.
    pub read_only: bool,
    /// When set, only these tools are offered.
    pub allow: Option<Vec<String>>,
    /// These tools are never offered.
    pub deny: Vec<String>,
    /// `client_credentials` only: what each connected user may use (see [`crate::scopes_for`]).
    pub user_policy: Vec<crate::UserGrant>,
}

impl TenantSettings {
    /// The Management API audience: Auth0 issues Management tokens only for exactly this value.
    pub fn audience(&self) -> String {
        format!("https://{}/api/v2/", self.domain)
    }

    pub fn token_url(&self) -> Url {
        self.endpoint("oauth/token")
    }

    pub fn endpoint(&self, path: &str) -> Url {
        let mut base = self.base_url.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(path)
            .expect("a relative path joins onto an http(s) base URL")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(base: &str) -> TenantSettings {
        TenantSettings {
            name: "demo".into(),
            domain: "demo.us.auth0.com".into(),
            base_url: base.parse().unwrap(),
            client_id: "id".into(),
            client_secret: ClientSecret::new("secret"),
            grant: GrantMode::ClientCredentials,
            scopes: ScopeSet::all(),
            read_only: false,
            allow: None,
            deny: vec![],
            user_policy: vec![],
        }
    }

    #[test]
    fn audience_follows_the_domain_not_the_base_url() {
        let t = tenant("http://127.0.0.1:9999");
        assert_eq!(t.audience(), "https://demo.us.auth0.com/api/v2/");
        assert_eq!(t.token_url().as_str(), "http://127.0.0.1:9999/oauth/token");
    }

    #[test]
    fn endpoints_keep_a_base_path() {
        let t = tenant("https://proxy.example.com/auth0");
        assert_eq!(
            t.token_url().as_str(),
            "https://proxy.example.com/auth0/oauth/token"
        );
    }
}
