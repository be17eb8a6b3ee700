//! Revoking a connection, from the command line or the portal: the gateway stops using it at
//! once (tokens erased, its keys revoked, in one transaction), then its refresh token is revoked
//! at Auth0 so the grant cannot outlive the connection anywhere.

use gw_oauth::{OAuthHttp, TenantSettings, UserFlow};
use gw_store::{Store, StoreError};
use url::Url;

/// What happened at Auth0 once the gateway had let go of the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtAuth0 {
    /// The connection held no refresh token (machine-token tenants, or no offline_access).
    NothingToRevoke,
    Revoked,
    /// The refresh token could not be revoked; the reason, for the operator.
    Failed(String),
}

/// Revokes connection `id` of `tenant` (the tenant's settings, when it is still served); `None`
/// when there is no such connection or it was already revoked.
pub async fn revoke_connection(
    store: &Store,
    tenant: Option<&TenantSettings>,
    http: &OAuthHttp,
    callback: Url,
    id: &str,
) -> Result<Option<AtAuth0>, StoreError> {
    let Some(refresh_token) = store.revoke_connection(id).await? else {
        return Ok(None);
    };
    let Some(refresh_token) = refresh_token else {
        return Ok(Some(AtAuth0::NothingToRevoke));
    };
    let Some(tenant) = tenant else {
        return Ok(Some(AtAuth0::Failed(
            "its tenant is no longer served here, so Auth0 could not be asked".to_owned(),
        )));
    };
    Ok(Some(
        match UserFlow::new(tenant, http, callback)
            .revoke(&refresh_token)
            .await
        {
            Ok(()) => AtAuth0::Revoked,
            Err(error) => AtAuth0::Failed(error.to_string()),
        },
    ))
}

/// What to tell an operator when Auth0 could not revoke the grant.
pub const REVOKE_BY_HAND: &str = "Revoke the user's grant in the Auth0 Dashboard (User Management → Users → the user → Authorized Applications).";
