//! Where the served tenants come from: gateway.toml (fixed for the life of the process) and the
//! store (added and edited in the operator portal, picked up by every replica). The directory
//! keeps the shared [`Tenants`] registry in step with the store.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gw_mcp::Tenants;
use gw_oauth::{ScopeSet, TenantSettings, UserGrant, UserMatch};
use gw_store::{Store, StoreError, StoredTenant};
use tokio_util::sync::CancellationToken;
use url::Url;

/// How often a replica looks for tenants saved through another replica's portal.
pub const SYNC_EVERY: Duration = Duration::from_secs(5);

/// Where a tenant domain's APIs are reached.
#[derive(Debug, Clone, Default)]
pub enum Upstream {
    /// `https://{domain}/`: every real tenant.
    #[default]
    Auth0,
    /// These domains are served elsewhere (the demo's and the tests' fake tenants, on loopback);
    /// every other domain is `https://{domain}/`.
    Mapped(HashMap<String, Url>),
}

impl Upstream {
    pub fn base_url(&self, domain: &str) -> Url {
        if let Upstream::Mapped(map) = self
            && let Some(url) = map.get(domain)
        {
            return url.clone();
        }
        format!("https://{domain}/")
            .parse()
            .expect("a checked domain makes an https URL")
    }
}

pub struct TenantDirectory {
    pub tenants: Arc<Tenants>,
    /// Tenants from gateway.toml: the portal shows them and never changes them.
    configured: HashSet<String>,
    public_url: Url,
    store: Store,
    pub upstream: Upstream,
    /// The version of each portal-made tenant now in `tenants`.
    applied: Mutex<HashMap<String, i64>>,
}

impl TenantDirectory {
    /// A directory over `tenants`, which holds (only) the configured tenants so far.
    pub fn new(tenants: Arc<Tenants>, public_url: Url, store: Store, upstream: Upstream) -> Self {
        TenantDirectory {
            configured: tenants.names().into_iter().collect(),
            tenants,
            public_url,
            store,
            upstream,
            applied: Mutex::default(),
        }
    }

    pub fn is_configured(&self, name: &str) -> bool {
        self.configured.contains(name)
    }

    /// Stops serving a portal-made tenant (after it was removed from the store).
    pub fn forget(&self, name: &str) {
        if self.configured.contains(name) {
            return;
        }
        self.applied
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
        self.tenants.remove(name);
    }

    /// Brings the registry up to date with the store: new and edited portal tenants are
    /// (re)built; ones no longer stored are dropped. A store without an encryption key holds none.
    pub async fn sync(&self) -> Result<(), StoreError> {
        if !self.store.can_hold_tokens() {
            return Ok(());
        }
        let versions = self.store.tenant_versions().await?;
        let stale: Vec<String> = {
            let applied = self.applied.lock().unwrap_or_else(|e| e.into_inner());
            versions
                .iter()
                .filter(|(name, version)| {
                    !self.configured.contains(name) && applied.get(name) != Some(version)
                })
                .map(|(name, _)| name.clone())
                .collect()
        };
        for name in stale {
            self.load(&name).await?;
        }
        let present: HashSet<&String> = versions.iter().map(|(name, _)| name).collect();
        let mut applied = self.applied.lock().unwrap_or_else(|e| e.into_inner());
        applied.retain(|name, _| {
            let keep = present.contains(name);
            if !keep {
                self.tenants.remove(name);
            }
            keep
        });
        Ok(())
    }

    /// Serves portal tenant `name` as the store has it now, with its policies (replacing the
    /// version served so far); stops serving it when its stored policies no longer pass this
    /// version's checks. Nothing happens when the store has no such tenant.
    pub async fn load(&self, name: &str) -> Result<(), StoreError> {
        let Some(stored) = self.store.stored_tenant(name).await? else {
            return Ok(());
        };
        let policies = self.store.tenant_policies(name).await?;
        self.apply(&stored, policies.as_ref().map_or("", |p| p.text.as_str()));
        Ok(())
    }

    fn apply(&self, stored: &StoredTenant, policy_text: &str) {
        if self.configured.contains(&stored.name) {
            tracing::warn!(tenant = %stored.name, "a tenant saved in the portal has the name of one in gateway.toml; gateway.toml's is served");
            return;
        }
        // Checked when saved; a later version of the gateway may judge them otherwise (a tool
        // renamed). Serving the tenant without the rules its operator saved would let through
        // what they refuse, so it is not served until they are fixed.
        let policies = match crate::tenant_policies::parse(policy_text) {
            Ok(set) => Arc::new(set),
            Err(problems) => {
                self.forget(&stored.name);
                let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
                tracing::error!(
                    tenant = %stored.name,
                    problems = %problems.join("; "),
                    "not serving a tenant saved in the portal: its policies do not pass this version's checks; fix them at /admin/tenants/{}/policies",
                    stored.name
                );
                return;
            }
        };
        match crate::runtime::tenant_runtime(
            portal_tenant_settings(stored, &self.upstream),
            policies,
            Some((&self.public_url, &self.store)),
        ) {
            Ok(runtime) => {
                self.tenants.insert(runtime);
                self.applied
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(stored.name.clone(), stored.version);
                tracing::info!(tenant = %stored.name, version = stored.version, "serving a tenant from the portal");
            }
            Err(error) => {
                tracing::error!(tenant = %stored.name, %error, "cannot serve a tenant saved in the portal");
            }
        }
    }

    /// Syncs every [`SYNC_EVERY`] until `stop`.
    pub async fn keep_in_sync(self: Arc<Self>, stop: CancellationToken) {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(SYNC_EVERY) => {}
            }
            if let Err(error) = self.sync().await {
                tracing::warn!(%error, "cannot read the portal's tenants from the store");
            }
        }
    }
}

/// The settings a portal-made tenant runs with, its APIs reached through `upstream`.
pub fn portal_tenant_settings(stored: &StoredTenant, upstream: &Upstream) -> TenantSettings {
    TenantSettings {
        name: stored.name.clone(),
        domain: stored.domain.clone(),
        base_url: upstream.base_url(&stored.domain),
        client_id: stored.client_id.clone(),
        client_secret: stored.client_secret.clone(),
        grant: stored.grant,
        scopes: stored.scopes,
        read_only: stored.read_only,
        allow: None,
        deny: vec![],
        user_policy: operator_policy(&stored.operators, stored.scopes),
    }
}

/// `client_credentials` tenants made in the portal: each listed verified email (or every
/// verified email at an `@domain`) may connect and gets the tenant's scopes.
fn operator_policy(operators: &[String], scopes: ScopeSet) -> Vec<UserGrant> {
    operators
        .iter()
        .map(|entry| UserGrant {
            matches: match entry.strip_prefix('@') {
                Some(domain) => UserMatch::EmailDomain(domain.to_owned()),
                None => UserMatch::Email(entry.clone()),
            },
            scopes,
        })
        .collect()
}
