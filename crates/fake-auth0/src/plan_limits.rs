//! Auth0's Management API rate limits per pricing plan, as a mode of the fake tenant, so a
//! client (the gateway, the bench) meets realistic 429s and `x-ratelimit-*` headers.
//!
//! Each plan is a set of token buckets ([`crate::token_bucket`]) for the whole tenant, one
//! per endpoint family; a request takes a token from its family's bucket or is refused with
//! 429. The numbers are Auth0's published rate-limit configurations (docs, "Rate Limit
//! Configurations"), reduced to the families the gateway's tools touch:
//!
//! - **Essentials / Professional**: user reads 40 burst and 500/min, user writes 20 and
//!   200/min, logs 10 and 100/min, clients 5 and 100/min, everything else 10 and 150/min.
//! - **Free**: one bucket for the whole Management API, 2 burst and 2/s ("Management 2,
//!   2/second" in the Free table). Auth0's support has also written of "bursts of up to 10
//!   requests" for free tenants; the fake follows the published table, the stricter of the
//!   two, so a client that copes with it copes with both. Endpoint limits below the global
//!   one (custom domains, signing keys) are for endpoints the fake does not serve.
//! - **Enterprise** (production, public cloud): one bucket for the whole Management API, 50
//!   burst and 16/s, the tenant-wide limit Auth0 gives for production tenants. Its lower
//!   per-endpoint limits (organizations and a few others) are left out: the tenant-wide
//!   bucket is what a busy gateway meets first.
//!
//! Auth0 sends no `Retry-After` on Management API 429s, only the three headers, so neither
//! does the fake. `x-ratelimit-reset` is the Unix second (rounded up) at which the family's
//! bucket is full again.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::ratelimit::set_rate_limit_headers;
use crate::token_bucket::{BucketSize, BucketState, TokenBucket};

/// Which of Auth0's plans the fake tenant's Management API limits imitate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimits {
    /// No limiting (the default): every answer reports a bucket that is never empty, and a
    /// 429 comes only from an injected fault.
    #[default]
    Off,
    /// Auth0's Free plan: one 2-request bucket refilled at 2/s for the whole API.
    Free,
    /// Auth0's Essentials and Professional plans: a bucket per endpoint family.
    Essentials,
    /// An Enterprise production tenant: one 50-request bucket refilled at 16/s.
    Enterprise,
}

impl RateLimits {
    pub const ALL: [RateLimits; 4] = [
        RateLimits::Off,
        RateLimits::Free,
        RateLimits::Essentials,
        RateLimits::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RateLimits::Off => "off",
            RateLimits::Free => "free",
            RateLimits::Essentials => "essentials",
            RateLimits::Enterprise => "enterprise",
        }
    }

    /// The bucket a request of `family` draws from under this plan; `None` when off.
    fn bucket_for(self, family: Family) -> Option<(Bucket, BucketSize)> {
        match self {
            RateLimits::Off => None,
            RateLimits::Free => Some((Bucket::Global, BucketSize::per_second(2, 2))),
            RateLimits::Enterprise => Some((Bucket::Global, BucketSize::per_second(50, 16))),
            RateLimits::Essentials => {
                let size = match family {
                    Family::UserReads => BucketSize::per_minute(40, 500),
                    Family::UserWrites => BucketSize::per_minute(20, 200),
                    Family::Logs => BucketSize::per_minute(10, 100),
                    Family::Clients => BucketSize::per_minute(5, 100),
                    Family::Other => BucketSize::per_minute(10, 150),
                };
                Some((Bucket::Family(family), size))
            }
        }
    }
}

impl fmt::Display for RateLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`RateLimits::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("unknown rate-limit mode {0:?}: expected off, free, essentials or enterprise")]
pub struct UnknownRateLimits(String);

impl FromStr for RateLimits {
    type Err = UnknownRateLimits;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RateLimits::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownRateLimits(s.to_owned()))
    }
}

/// The groups of Management API endpoints that share a bucket on the Essentials plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Family {
    /// `GET /api/v2/users`, `/users/{id}`, `/users/{id}/roles|permissions|organizations`,
    /// `/users-by-email`.
    UserReads,
    /// `POST`, `PATCH` and `DELETE` on `/api/v2/users` and everything under it.
    UserWrites,
    /// `/api/v2/logs`, `/logs/{id}` and, a guess, `GET /users/{id}/logs`: it searches the
    /// same log store, so the fake counts it with the logs rather than the user reads.
    Logs,
    /// `/api/v2/clients` and everything under it.
    Clients,
    /// Everything else: roles, organizations, their members and permissions.
    Other,
}

impl Family {
    /// The family of a Management API request, by method and path.
    pub(crate) fn of(method: &str, path: &str) -> Family {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        let is_read = method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD");
        if under("/api/v2/logs") {
            Family::Logs
        } else if under("/api/v2/clients") {
            Family::Clients
        } else if under("/api/v2/users") || under("/api/v2/users-by-email") {
            match (is_read, path.ends_with("/logs")) {
                (true, true) => Family::Logs,
                (true, false) => Family::UserReads,
                (false, _) => Family::UserWrites,
            }
        } else {
            Family::Other
        }
    }

    /// How the fake's stats name it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Family::UserReads => "user_reads",
            Family::UserWrites => "user_writes",
            Family::Logs => "logs",
            Family::Clients => "clients",
            Family::Other => "other",
        }
    }
}

/// Which bucket a request drew from: its family's, or the tenant-wide one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Bucket {
    Global,
    Family(Family),
}

/// The outcome for one request: the bucket's state to report in its headers, and whether
/// the request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) allowed: bool,
    pub(crate) family: Family,
    state: BucketState,
    global: bool,
}

impl Verdict {
    /// Sets `x-ratelimit-limit`, `-remaining` and `-reset` from the bucket, `reset` being
    /// the Unix second (rounded up) when it is full again.
    pub(crate) fn set_headers(&self, headers: &mut axum::http::HeaderMap) {
        let full_at = SystemTime::now() + self.state.until_full;
        let since_epoch = full_at.duration_since(UNIX_EPOCH).unwrap_or_default();
        let reset = since_epoch.as_secs() + u64::from(since_epoch.subsec_nanos() > 0);
        set_rate_limit_headers(
            headers,
            u64::from(self.state.limit),
            u64::from(self.state.remaining),
            reset,
        );
    }

    /// Auth0's 429 for a refused request. Its tenant-wide limit answers "Global limit has
    /// been reached" (as Auth0's support quotes it for free tenants); an endpoint bucket
    /// answers with the text of the Management API description's 429 responses.
    pub(crate) fn too_many_requests(&self) -> Response {
        let message = if self.global {
            "Global limit has been reached"
        } else {
            "Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers."
        };
        let mut r = (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({
                "statusCode": 429,
                "error": "Too Many Requests",
                "message": message,
                "errorCode": "too_many_requests",
            })),
        )
            .into_response();
        self.set_headers(r.headers_mut());
        r
    }
}

/// The tenant's buckets under the plan in force. Buckets start full and are made on first
/// use; switching plans starts over with full buckets.
#[derive(Debug, Default)]
pub(crate) struct PlanLimiter {
    plan: RateLimits,
    buckets: BTreeMap<Bucket, TokenBucket>,
}

impl PlanLimiter {
    pub(crate) fn new(plan: RateLimits) -> Self {
        PlanLimiter {
            plan,
            buckets: BTreeMap::new(),
        }
    }

    pub(crate) fn plan(&self) -> RateLimits {
        self.plan
    }

    pub(crate) fn set_plan(&mut self, plan: RateLimits) {
        *self = PlanLimiter::new(plan);
    }

    /// Takes a token for the request at `now`; `None` when the plan is [`RateLimits::Off`].
    pub(crate) fn admit(&mut self, method: &str, path: &str, now: Instant) -> Option<Verdict> {
        let family = Family::of(method, path);
        let (bucket, size) = self.plan.bucket_for(family)?;
        let taken = self
            .buckets
            .entry(bucket)
            .or_insert_with(|| TokenBucket::new(size, now))
            .try_take(now);
        let (allowed, state) = match taken {
            Ok(state) => (true, state),
            Err(state) => (false, state),
        };
        Some(Verdict {
            allowed,
            family,
            state,
            global: bucket == Bucket::Global,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn requests_fall_into_the_families_of_auth0s_tables() {
        let cases = [
            ("list users", "GET", "/api/v2/users", Family::UserReads),
            (
                "get a user",
                "GET",
                "/api/v2/users/auth0|1",
                Family::UserReads,
            ),
            (
                "user's roles",
                "GET",
                "/api/v2/users/auth0|1/roles",
                Family::UserReads,
            ),
            (
                "by email",
                "GET",
                "/api/v2/users-by-email",
                Family::UserReads,
            ),
            ("create a user", "POST", "/api/v2/users", Family::UserWrites),
            (
                "patch a user",
                "PATCH",
                "/api/v2/users/auth0|1",
                Family::UserWrites,
            ),
            (
                "delete a user",
                "DELETE",
                "/api/v2/users/auth0|1",
                Family::UserWrites,
            ),
            (
                "assign roles",
                "POST",
                "/api/v2/users/auth0|1/roles",
                Family::UserWrites,
            ),
            ("search logs", "GET", "/api/v2/logs", Family::Logs),
            ("one log", "GET", "/api/v2/logs/90020", Family::Logs),
            (
                "a user's logs",
                "GET",
                "/api/v2/users/auth0|1/logs",
                Family::Logs,
            ),
            ("list clients", "GET", "/api/v2/clients", Family::Clients),
            (
                "patch a client",
                "PATCH",
                "/api/v2/clients/abc",
                Family::Clients,
            ),
            ("list roles", "GET", "/api/v2/roles", Family::Other),
            (
                "add org members",
                "POST",
                "/api/v2/organizations/org_1/members",
                Family::Other,
            ),
            (
                "a path that only starts like users",
                "GET",
                "/api/v2/usersettings",
                Family::Other,
            ),
        ];
        for (name, method, path, family) in cases {
            assert_eq!(Family::of(method, path), family, "{name}");
        }
    }

    #[test]
    fn off_limits_nothing_and_reports_nothing() {
        let mut l = PlanLimiter::new(RateLimits::Off);
        let now = Instant::now();
        for _ in 0..1000 {
            assert_eq!(l.admit("POST", "/api/v2/users", now), None);
        }
    }

    #[test]
    fn essentials_families_have_their_own_buckets() {
        let mut l = PlanLimiter::new(RateLimits::Essentials);
        let now = Instant::now();
        for _ in 0..5 {
            assert!(l.admit("GET", "/api/v2/clients", now).unwrap().allowed);
        }
        let refused = l.admit("GET", "/api/v2/clients", now).unwrap();
        assert!(!refused.allowed);
        assert_eq!(refused.family, Family::Clients);
        // The clients bucket is empty; the user reads' is untouched.
        let read = l.admit("GET", "/api/v2/users", now).unwrap();
        assert!(read.allowed);
        assert_eq!((read.state.limit, read.state.remaining), (40, 39));
    }

    #[test]
    fn free_and_enterprise_share_one_bucket_across_families() {
        let now = Instant::now();
        let mut free = PlanLimiter::new(RateLimits::Free);
        assert!(free.admit("GET", "/api/v2/users", now).unwrap().allowed);
        assert!(free.admit("GET", "/api/v2/roles", now).unwrap().allowed);
        let refused = free.admit("GET", "/api/v2/logs", now).unwrap();
        assert!(!refused.allowed && refused.global);
        // 2/s: one more every 500 ms.
        let later = now + Duration::from_millis(500);
        assert!(free.admit("GET", "/api/v2/logs", later).unwrap().allowed);

        let mut ent = PlanLimiter::new(RateLimits::Enterprise);
        let allowed = (0..60)
            .filter(|i| {
                let path = if i % 2 == 0 {
                    "/api/v2/users"
                } else {
                    "/api/v2/clients"
                };
                ent.admit("GET", path, now).unwrap().allowed
            })
            .count();
        assert_eq!(allowed, 50);
    }

    #[test]
    fn switching_plans_starts_with_full_buckets() {
        let now = Instant::now();
        let mut l = PlanLimiter::new(RateLimits::Free);
        l.admit("GET", "/api/v2/users", now);
        l.admit("GET", "/api/v2/users", now);
        assert!(!l.admit("GET", "/api/v2/users", now).unwrap().allowed);
        l.set_plan(RateLimits::Free);
        assert!(l.admit("GET", "/api/v2/users", now).unwrap().allowed);
        assert_eq!(l.plan(), RateLimits::Free);
    }

    #[test]
    fn modes_parse_from_their_names_only() {
        for m in RateLimits::ALL {
            assert_eq!(m.as_str().parse::<RateLimits>().unwrap(), m);
        }
        assert!("professional".parse::<RateLimits>().is_err());
    }
}
