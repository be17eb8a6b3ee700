//! Everything the gateway holds for one tenant while it runs: its settings, its Auth0 client and
//! its machine-token cache.

use std::sync::Arc;

use gw_auth0::{Auth0Client, Auth0Error, ClientOptions};
use gw_oauth::{MachineTokenProvider, OAuthHttp, TenantSettings};

pub struct TenantRuntime {
    pub settings: Arc<TenantSettings>,
    pub auth0: Auth0Client,
    pub machine: MachineTokenProvider,
}

impl TenantRuntime {
    pub fn new(
        settings: TenantSettings,
        options: ClientOptions,
    ) -> Result<TenantRuntime, Auth0Error> {
        let settings = Arc::new(settings);
        let auth0 = Auth0Client::new(settings.base_url.clone(), options.clone())?;
        let machine =
            MachineTokenProvider::new(settings.clone(), OAuthHttp::new(options.request_timeout));
        Ok(TenantRuntime {
            settings,
            auth0,
            machine,
        })
    }
}
