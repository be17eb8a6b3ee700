//! The OAuth side of the gateway: the product's scope catalog, which scopes each tool needs,
//! tenant settings, the
//! authorization-code flow (with step-up and ID-token verification), connected users' tokens
//! (refreshed, encrypted at rest), and the machine tokens the gateway calls Auth0 with.

pub mod application_check;
pub mod cipher;
pub mod http_client;
pub mod id_token;
mod jwks;
pub mod machine_token;
pub mod scopes;
pub mod secret;
pub mod tenant;
pub mod tenant_domain;
pub mod tool_scopes;
pub mod user_flow;
pub mod user_policy;
pub mod user_token;

pub use application_check::{Application, ApplicationProblem, Checked, check_application};
pub use cipher::{CipherError, TokenCipher};
pub use http_client::OAuthHttp;
pub use id_token::{IdTokenClaims, IdTokenError};
pub use machine_token::{MachineToken, MachineTokenError, MachineTokenProvider};
pub use scopes::{Scope, ScopeSet, UnknownScope};
pub use secret::{AccessToken, ClientSecret};
pub use tenant::{GrantMode, TenantSettings};
pub use tenant_domain::{DomainProblem, is_hostname, parse_tenant_domain};
pub use tool_scopes::{TOOL_SCOPES, required_scopes, tools_unlocked_by};
pub use user_flow::{AuthorizationStart, FlowError, UserFlow, UserIdentity, UserTokens};
pub use user_policy::{UserGrant, UserMatch, scopes_for};
pub use user_token::{
    ConnectionVault, RefreshLock, UserToken, UserTokenError, UserTokenProvider, VaultEntry,
    VaultError,
};

/// Seconds since the Unix epoch: what the vault and Auth0's `expires_in` are measured in.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
