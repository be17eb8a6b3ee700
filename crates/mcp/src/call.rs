//! What a tool handler gets: the Auth0 client, the token to call it with, and who is asking.

use std::sync::Arc;

use gw_auth0::Auth0Client;
use gw_oauth::{AccessToken, ScopeSet, TenantSettings};
use secrecy::SecretString;

use crate::access::Principal;

#[derive(Clone)]
pub struct CallContext {
    pub auth0: Auth0Client,
    pub tenant: Arc<TenantSettings>,
    pub principal: Arc<Principal>,
    /// The caller's effective scopes for this call.
    pub scopes: ScopeSet,
    /// The tenant's policies and the client the call came through, so a tool that lists tools
    /// (`auth0_whoami`) hides what `tools/list` hides.
    pub policies: Arc<gw_policy::PolicySet>,
    pub client_name: Option<String>,
    token: AccessToken,
}

impl CallContext {
    pub fn new(
        auth0: Auth0Client,
        tenant: Arc<TenantSettings>,
        principal: Arc<Principal>,
        scopes: ScopeSet,
        token: AccessToken,
    ) -> Self {
        CallContext {
            auth0,
            tenant,
            principal,
            scopes,
            policies: Arc::default(),
            client_name: None,
            token,
        }
    }

    /// Judges listings by `policies` for a caller using the client named `client_name`.
    pub fn with_policies(
        mut self,
        policies: Arc<gw_policy::PolicySet>,
        client_name: Option<String>,
    ) -> Self {
        self.policies = policies;
        self.client_name = client_name;
        self
    }

    /// The bearer token for this call's Auth0 requests.
    pub fn token(&self) -> &SecretString {
        self.token.as_secret()
    }
}
