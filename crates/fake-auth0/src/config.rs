//! How a fake tenant is set up: its domain, its seed data, token lifetimes and the
//! applications allowed to ask it for tokens.

use std::time::Duration;

use crate::plan_limits::RateLimits;

/// The domain a fake tenant claims when none is given. Tokens carry it in `iss` and `aud`,
/// so it must look like a real tenant domain even though nothing resolves it.
pub const DEFAULT_DOMAIN: &str = "demo-tenant.us.auth0.com";

/// The user the auto-approving `/authorize` logs in as unless told otherwise.
pub const DEFAULT_LOGIN_USER: &str = "auth0|admin";

/// The client id of the application registered by [`FakeConfig::default`].
pub const DEFAULT_CLIENT_ID: &str = "gateway-client";

/// Its client secret: a test fixture, not a credential.
pub const DEFAULT_CLIENT_SECRET: &str = "gateway-secret";

/// Which data a new tenant starts with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Seed {
    /// Only the login user and the registered applications, so that a login still works.
    Empty,
    /// Deterministic demo data (users, organizations, roles, logs, applications); the
    /// well-known ids are listed in the crate's README.
    #[default]
    Demo,
}

/// An application that may ask the fake for tokens. It also shows up in `GET /api/v2/clients`
/// as a Regular Web Application, like the one an operator creates for the gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredClient {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    /// Allowed callback URLs. A loopback callback (`127.0.0.1`, `localhost`, `[::1]`) matches
    /// any port, as RFC 8252 §7.3 asks of native-app redirects; `http://127.0.0.1:*/path` is
    /// accepted as an explicit spelling of the same rule.
    pub callbacks: Vec<String>,
    /// What a client_credentials request for the Management API audience is granted: the
    /// fake's stand-in for an Auth0 client grant.
    pub management_scopes: Vec<String>,
}

/// What a user's token for an API may carry, of what the sign-in asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum UserGrants {
    /// As Auth0: a user's Management API token carries only the current-user scopes
    /// ([`CURRENT_USER_SCOPES`]); `read:users` and the rest are silently dropped.
    #[default]
    LikeAuth0,
    /// Unlike Auth0: every requested scope the API defines. For tests of how the gateway
    /// handles users' own tokens (refresh, scope checks), which a real tenant never grants
    /// this wide.
    AllRequestedUnlikeAuth0,
    /// Only the requested scopes in this list: Auth0 granting less than asked.
    Only(Vec<String>),
}

impl UserGrants {
    pub(crate) fn allows(&self, scope: &str) -> bool {
        match self {
            UserGrants::LikeAuth0 => CURRENT_USER_SCOPES.contains(&scope),
            UserGrants::AllRequestedUnlikeAuth0 => true,
            UserGrants::Only(list) => list.iter().any(|s| s == scope),
        }
    }
}

/// The Management API scopes Auth0 grants to a user's own token (its documentation on tokens
/// for single-page applications: "limits updates to only the logged-in user's data").
pub const CURRENT_USER_SCOPES: &[&str] = &[
    "read:current_user",
    "update:current_user_identities",
    "create:current_user_metadata",
    "update:current_user_metadata",
    "delete:current_user_metadata",
    "create:current_user_device_credentials",
    "delete:current_user_device_credentials",
];

/// Everything needed to build a [`crate::FakeAuth0`].
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// Logical tenant domain: the issuer is `https://{domain}/` and the Management API
    /// audience is `https://{domain}/api/v2/`.
    pub domain: String,
    pub seed: Seed,
    /// Lifetime of every access token issued from now on.
    pub access_token_ttl: Duration,
    /// Which requested API scopes user tokens (authorization_code and refresh_token grants)
    /// carry. By default what Auth0 grants a user on the Management API: the `*:current_user*`
    /// scopes only. OpenID scopes (`openid profile email offline_access`) are never filtered,
    /// as on a real tenant.
    pub user_grants: UserGrants,
    pub clients: Vec<RegisteredClient>,
    /// The user_id `/authorize` logs in as; created as a database user if the seed lacks it.
    pub login_user: String,
    /// Which Auth0 plan's Management API rate limits to enforce; off by default.
    pub rate_limits: RateLimits,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            domain: DEFAULT_DOMAIN.to_owned(),
            seed: Seed::Demo,
            access_token_ttl: Duration::from_secs(86_400),
            user_grants: UserGrants::default(),
            clients: vec![RegisteredClient {
                client_id: DEFAULT_CLIENT_ID.to_owned(),
                client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
                name: "MCP Gateway".to_owned(),
                callbacks: default_callbacks(),
                management_scopes: all_management_scopes(),
            }],
            login_user: DEFAULT_LOGIN_USER.to_owned(),
            rate_limits: RateLimits::Off,
        }
    }
}

/// The gateway's callback on any loopback port, as the default client registers it.
pub fn default_callbacks() -> Vec<String> {
    vec![
        "http://127.0.0.1:*/integration-callback".to_owned(),
        "http://localhost:*/integration-callback".to_owned(),
    ]
}

/// Every Management API scope the fake enforces somewhere; the default client is granted
/// all of them.
pub fn all_management_scopes() -> Vec<String> {
    MANAGEMENT_SCOPES.iter().map(|s| (*s).to_owned()).collect()
}

pub(crate) const MANAGEMENT_SCOPES: &[&str] = &[
    "read:users",
    "update:users",
    "delete:users",
    "create:users",
    "read:user_idp_tokens",
    "read:organizations",
    "update:organizations",
    "create:organizations",
    "delete:organizations",
    "read:organization_members",
    "create:organization_members",
    "delete:organization_members",
    "read:roles",
    "create:roles",
    "update:roles",
    "delete:roles",
    "create:role_members",
    "delete:role_members",
    "read:logs",
    "read:logs_users",
    "read:clients",
    "update:clients",
    "read:client_keys",
    "update:client_keys",
];

/// Scopes the Management API defines beyond those the fake enforces: a user can ask for
/// them and get them, but no endpoint here accepts them.
pub(crate) const OTHER_MANAGEMENT_SCOPES: &[&str] = &[
    "read:current_user",
    "update:current_user_metadata",
    "create:current_user_metadata",
    "delete:current_user_metadata",
    "update:current_user_identities",
    "create:current_user_device_credentials",
    "delete:current_user_device_credentials",
    "read:client_credentials",
    "read:role_members",
    "read:organization_member_roles",
];

/// Scopes that belong to OpenID Connect rather than to an API.
pub(crate) const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];
