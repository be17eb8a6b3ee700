//! The state every handler shares: the tenant's data, the grants in flight, settings,
//! faults and counters, each behind its own lock so that a slow test hook never blocks
//! token issuance.

use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::Duration;

use crate::authn::grants::Grants;
use crate::faults::FaultBook;
use crate::keys::SigningKey;
use crate::plan_limits::{PlanLimiter, RateLimits};
use crate::stats::{Stats, empty_stats};
use crate::tenant::Tenant;

#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) access_token_ttl: Duration,
    pub(crate) user_grants: crate::config::UserGrants,
    pub(crate) login_user: String,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) domain: String,
    /// `https://{domain}/`
    pub(crate) issuer: String,
    /// `https://{domain}/api/v2/`
    pub(crate) management_audience: String,
    /// `https://{domain}/userinfo`
    pub(crate) userinfo_audience: String,
    pub(crate) key: SigningKey,
    tenant: Mutex<Tenant>,
    grants: Mutex<Grants>,
    settings: RwLock<Settings>,
    faults: Mutex<FaultBook>,
    stats: Mutex<Stats>,
    limiter: Mutex<PlanLimiter>,
}

/// A poisoned lock only means another request panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(
        domain: String,
        key: SigningKey,
        tenant: Tenant,
        settings: Settings,
        rate_limits: RateLimits,
    ) -> Self {
        Shared {
            issuer: format!("https://{domain}/"),
            management_audience: format!("https://{domain}/api/v2/"),
            userinfo_audience: format!("https://{domain}/userinfo"),
            domain,
            key,
            tenant: Mutex::new(tenant),
            grants: Mutex::new(Grants::default()),
            settings: RwLock::new(settings),
            faults: Mutex::new(FaultBook::default()),
            stats: Mutex::new(empty_stats()),
            limiter: Mutex::new(PlanLimiter::new(rate_limits)),
        }
    }

    pub(crate) fn tenant(&self) -> MutexGuard<'_, Tenant> {
        lock(&self.tenant)
    }

    pub(crate) fn grants(&self) -> MutexGuard<'_, Grants> {
        lock(&self.grants)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultBook> {
        lock(&self.faults)
    }

    pub(crate) fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn update_settings(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut self
            .settings
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    pub(crate) fn stats(&self) -> Stats {
        lock(&self.stats).clone()
    }

    pub(crate) fn count_token_request(&self, grant_type: &str) {
        *lock(&self.stats)
            .token_requests
            .entry(grant_type.to_owned())
            .or_default() += 1;
    }

    pub(crate) fn limiter(&self) -> MutexGuard<'_, PlanLimiter> {
        lock(&self.limiter)
    }

    pub(crate) fn count_rate_limited(&self, family: &str) {
        *lock(&self.stats)
            .rate_limited
            .entry(family.to_owned())
            .or_default() += 1;
    }

    pub(crate) fn count_management_request(&self, key: String) {
        *lock(&self.stats)
            .management_requests
            .entry(key)
            .or_default() += 1;
    }
}
