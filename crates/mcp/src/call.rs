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
            token,
        }
    }

    /// The bearer token for this call's Auth0 requests.
    pub fn token(&self) -> &SecretString {
        self.token.as_secret()
    }
}
