//! Building a tenant's runtime (Auth0 client, token caches) from its settings, and the principal
//! a connection acts as.

use std::sync::Arc;

use gw_auth0::ClientOptions;
use gw_mcp::{Principal, PrincipalKind, TenantRuntime};
use gw_oauth::{GrantMode, OAuthHttp, ScopeSet, TenantSettings};
use gw_store::{ConnectionRecord, Store, StoreVault};
use url::Url;

/// A tenant's runtime, judging calls by `policies`. With a store that holds an encryption key,
/// users can connect through the gateway at `public_url` and calls can use their tokens.
pub fn tenant_runtime(
    settings: TenantSettings,
    policies: Arc<gw_policy::PolicySet>,
    connections: Option<(&Url, &Store)>,
) -> anyhow::Result<Arc<TenantRuntime>> {
    let options = ClientOptions {
        user_agent: format!("mcp-gateway-auth0/{}", env!("CARGO_PKG_VERSION")),
        ..ClientOptions::default()
    };
    let timeout = options.request_timeout;
    let mut runtime = TenantRuntime::new(settings, options)?.with_policies(policies);
    // Pseudonyms are sealed per tenant: one tenant's never open in another.
    if let Some(secret) = connections
        .and_then(|(_, store)| store.derive_key(&format!("pseudonyms:{}", runtime.settings.name)))
    {
        runtime = runtime.with_pseudonyms(secret);
    }
    if let Some((public_url, store)) = connections
        && store.can_hold_tokens()
    {
        runtime = runtime.with_connections(
            public_url,
            Arc::new(StoreVault(store.clone())),
            OAuthHttp::new(timeout),
        );
    }
    Ok(Arc::new(runtime))
}

/// The principal a connected user acts as. With `authorization_code` that is what Auth0 granted
/// their token; with `client_credentials` it is what the operator's policy gives them (plus the
/// identity scopes their login was granted).
pub fn connection_principal(tenant: &TenantSettings, connection: &ConnectionRecord) -> Principal {
    let granted = connection.granted_scopes();
    let scopes = match tenant.grant {
        GrantMode::AuthorizationCode => granted,
        GrantMode::ClientCredentials => gw_oauth::scopes_for(
            &tenant.user_policy,
            &connection.user_id,
            connection.email.as_deref(),
            connection.email_verified,
        )
        .union(granted.intersection(ScopeSet::IDENTITY)),
    };
    Principal {
        tenant: tenant.name.clone(),
        subject: format!("{} ({})", connection.display_name(), connection.id),
        kind: PrincipalKind::User,
        scopes,
        connection: Some(connection.id.clone()),
        oauth_client: None,
        user_id: Some(connection.user_id.clone()),
        email: connection
            .email
            .clone()
            .filter(|_| connection.email_verified),
        key_name: None,
        grant: None,
    }
}
