//! Building a tenant's runtime (Auth0 client, token cache) from its settings.

use std::sync::Arc;

use gw_auth0::ClientOptions;
use gw_mcp::TenantRuntime;
use gw_oauth::TenantSettings;

pub fn tenant_runtime(settings: TenantSettings) -> anyhow::Result<Arc<TenantRuntime>> {
    let options = ClientOptions {
        user_agent: format!("mcp-gateway-auth0/{}", env!("CARGO_PKG_VERSION")),
        ..ClientOptions::default()
    };
    Ok(Arc::new(TenantRuntime::new(settings, options)?))
}
