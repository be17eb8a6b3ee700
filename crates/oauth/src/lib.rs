//! The OAuth side of the gateway: the product's scope catalog, which scopes each tool needs,
//! tenant settings, and the tokens the gateway calls Auth0 with.

pub mod http_client;
pub mod machine_token;
pub mod scopes;
pub mod secret;
pub mod tenant;
pub mod tool_scopes;

pub use http_client::OAuthHttp;
pub use machine_token::{MachineToken, MachineTokenError, MachineTokenProvider};
pub use scopes::{Scope, ScopeSet, UnknownScope};
pub use secret::{AccessToken, ClientSecret};
pub use tenant::{GrantMode, TenantSettings};
pub use tool_scopes::{TOOL_SCOPES, required_scopes, tools_unlocked_by};
