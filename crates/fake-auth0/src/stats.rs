//! What tests can ask the fake about the traffic it has seen.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Requests seen since the tenant started. Faulted requests count too, so a test can see
/// how often a client retried.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// By `grant_type` (`client_credentials`, `authorization_code`, `refresh_token`, …).
    pub token_requests: BTreeMap<String, u64>,
    /// By `"METHOD /api/v2/route-pattern"`, e.g. `"GET /api/v2/users/{id}"`.
    pub management_requests: BTreeMap<String, u64>,
    /// Management requests the rate-limit mode ([`crate::RateLimits`]) refused with 429, by
    /// endpoint family (`user_reads`, `user_writes`, `logs`, `clients`, `other`). Injected
    /// 429 faults are not counted here.
    #[serde(default)]
    pub rate_limited: BTreeMap<String, u64>,
}

impl Stats {
    pub fn token_requests_for(&self, grant_type: &str) -> u64 {
        self.token_requests.get(grant_type).copied().unwrap_or(0)
    }

    pub fn management_requests_for(&self, method_and_route: &str) -> u64 {
        self.management_requests
            .get(method_and_route)
            .copied()
            .unwrap_or(0)
    }

    pub fn total_management_requests(&self) -> u64 {
        self.management_requests.values().sum()
    }

    /// Every 429 the rate-limit mode answered, all families together.
    pub fn total_rate_limited(&self) -> u64 {
        self.rate_limited.values().sum()
    }
}

/// How many records the tenant holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub users: usize,
    pub organizations: usize,
    pub roles: usize,
    pub logs: usize,
    pub clients: usize,
}

pub(crate) fn empty_stats() -> Stats {
    let mut s = Stats::default();
    for g in ["client_credentials", "authorization_code", "refresh_token"] {
        s.token_requests.insert(g.to_owned(), 0);
    }
    s
}
