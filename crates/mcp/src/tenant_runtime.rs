//! Everything the gateway holds for one tenant while it runs: its settings, its Auth0 client, its
//! machine-token cache and, once users can connect, their tokens.

use std::sync::Arc;

use gw_auth0::{Auth0Client, Auth0Error, ClientOptions};
use gw_oauth::{
    ConnectionVault, MachineTokenProvider, OAuthHttp, ScopeSet, TenantSettings, UserTokenProvider,
};
use url::Url;

pub struct TenantRuntime {
    pub settings: Arc<TenantSettings>,
    pub auth0: Auth0Client,
    pub machine: MachineTokenProvider,
    /// Connected users' tokens; `None` when the gateway has no vault (no encryption key).
    pub users: Option<UserTokenProvider>,
    /// Where users connect (`{public_url}/connect/{tenant}`), for links in tool errors.
    pub connect_url: Option<Url>,
    /// The tenant's tool policies and data-protection rules (empty: calls go by scopes alone,
    /// results leave as Auth0 gave them).
    pub policies: Arc<gw_policy::PolicySet>,
    /// The tenant's key for pseudonyms (derived from the store's key); `None` without one.
    pub pseudonyms: Option<Arc<gw_masking::PseudonymKey>>,
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
            users: None,
            connect_url: None,
            policies: Arc::default(),
            pseudonyms: None,
        })
    }

    /// Judges this tenant's calls by `policies`.
    pub fn with_policies(mut self, policies: Arc<gw_policy::PolicySet>) -> TenantRuntime {
        self.policies = policies;
        self
    }

    /// Seals and opens this tenant's pseudonyms with `secret` (32 bytes derived for it alone).
    pub fn with_pseudonyms(mut self, secret: [u8; 32]) -> TenantRuntime {
        self.pseudonyms = Some(Arc::new(gw_masking::PseudonymKey::new(secret)));
        self
    }

    /// Lets users connect through the gateway at `public_url`, keeping their tokens in `vault`.
    pub fn with_connections(
        mut self,
        public_url: &Url,
        vault: Arc<dyn ConnectionVault>,
        http: OAuthHttp,
    ) -> TenantRuntime {
        let redirect_uri = join(public_url, "integration-callback");
        self.connect_url = Some(join(public_url, &format!("connect/{}", self.settings.name)));
        self.users = Some(UserTokenProvider::new(
            self.settings.clone(),
            http,
            redirect_uri,
            vault,
        ));
        self
    }

    /// The link that asks the user of `connection` to consent to `more` scopes on top of `held`
    /// (what their token holds). It names every scope to ask for, so `/connect` need not look
    /// the connection up for a caller who has not signed in yet; the connection (`for`) is
    /// checked once they have: only its user may finish.
    pub fn consent_url(&self, held: ScopeSet, more: ScopeSet, connection: &str) -> Option<String> {
        let mut url = self.connect_url.clone()?;
        url.query_pairs_mut()
            .append_pair("add", &held.union(more).names().join(","))
            .append_pair("for", connection);
        Some(url.into())
    }
}

/// `base` + `path`, keeping any path prefix the gateway is served under.
pub fn join(base: &Url, path: &str) -> Url {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(path)
        .expect("a relative path joins onto an http(s) URL")
}
