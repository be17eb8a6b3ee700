//! Where the tenants' limits are counted: behind [`LimitCounters`], in this process's memory
//! ([`MemoryCounters`], the `governor` crate) or in Redis for replicas
//! ([`crate::redis_counters::RedisCounters`]). Both count alike: GCRA with a burst of `max`
//! refilled evenly over `window` — `max` calls at once, then one more every `window / max`.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// What one counter counts: a limit of a tenant, and the caller when the limit is per caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LimitKey<'a> {
    pub tenant: &'a str,
    pub limit: &'a str,
    /// The caller's stable identity ([`crate::Principal::limit_identity`]); `None` for a limit
    /// counted for the whole tenant.
    pub caller: Option<&'a str>,
}

impl LimitKey<'_> {
    /// The key as one string, unambiguous whatever the names hold (lengths before names).
    pub fn joined(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.tenant,
            self.limit.len(),
            self.limit,
            self.caller.unwrap_or("")
        )
    }
}

/// What a counter said about one more call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// The call was counted.
    Allowed,
    /// The limit is reached; one more call is allowed after this long.
    RetryIn(Duration),
}

/// The counters cannot be reached (and the operator chose to refuse calls then).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the limits' counters cannot be reached: {0}")]
pub struct CountersUnavailable(pub String);

/// Counts calls against limits. `take` counts one call under `key` if the limit (`max` calls per
/// `window`) allows it, atomically: two replicas taking the last unit cannot both get it.
#[async_trait::async_trait]
pub trait LimitCounters: Send + Sync {
    async fn take(
        &self,
        key: &LimitKey<'_>,
        max: u32,
        window: Duration,
    ) -> Result<Take, CountersUnavailable>;
}

type Limiter = DefaultKeyedRateLimiter<String>;

/// Counters in this process: correct for one gateway, not shared by replicas. One keyed limiter
/// per quota (a limit's `max` and `window`), so a limit whose quota changes starts afresh.
#[derive(Default)]
pub struct MemoryCounters {
    limiters: RwLock<HashMap<(u32, Duration), Arc<Limiter>>>,
    taken: AtomicU64,
}

/// How often (in calls) idle counters are forgotten, so memory follows the active callers.
const SWEEP_EVERY: u64 = 4096;

impl MemoryCounters {
    fn limiter(&self, max: u32, window: Duration) -> Option<Arc<Limiter>> {
        if let Some(limiter) = self
            .limiters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(max, window))
        {
            return Some(limiter.clone());
        }
        let burst = NonZeroU32::new(max)?;
        let quota = Quota::with_period(window / max)?.allow_burst(burst);
        Some(
            self.limiters
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .entry((max, window))
                .or_insert_with(|| Arc::new(RateLimiter::keyed(quota)))
                .clone(),
        )
    }

    fn sweep(&self) {
        let limiters: Vec<Arc<Limiter>> = self
            .limiters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        for limiter in limiters {
            limiter.retain_recent();
        }
    }
}

#[async_trait::async_trait]
impl LimitCounters for MemoryCounters {
    async fn take(
        &self,
        key: &LimitKey<'_>,
        max: u32,
        window: Duration,
    ) -> Result<Take, CountersUnavailable> {
        let limiter = self.limiter(max, window).ok_or_else(|| {
            CountersUnavailable(format!("no quota of {max} calls per {window:?}"))
        })?;
        if self.taken.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        Ok(match limiter.check_key(&key.joined()) {
            Ok(()) => Take::Allowed,
            Err(not_until) => {
                Take::RetryIn(not_until.wait_time_from(DefaultClock::default().now()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: LimitKey<'static> = LimitKey {
        tenant: "acme",
        limit: "two a second",
        caller: Some("key:a"),
    };

    #[tokio::test]
    async fn a_burst_of_max_then_a_wait_then_one_more() {
        let counters = MemoryCounters::default();
        let window = Duration::from_millis(400);
        assert_eq!(counters.take(&KEY, 2, window).await.unwrap(), Take::Allowed);
        assert_eq!(counters.take(&KEY, 2, window).await.unwrap(), Take::Allowed);
        let Take::RetryIn(wait) = counters.take(&KEY, 2, window).await.unwrap() else {
            panic!("a third call within the window was allowed");
        };
        assert!(wait <= Duration::from_millis(200), "{wait:?}");
        // Another caller, and another limit, have their own counts.
        let other = LimitKey {
            caller: Some("key:b"),
            ..KEY
        };
        assert_eq!(
            counters.take(&other, 2, window).await.unwrap(),
            Take::Allowed
        );
        tokio::time::sleep(wait).await;
        assert_eq!(counters.take(&KEY, 2, window).await.unwrap(), Take::Allowed);
    }

    #[test]
    fn joined_keys_cannot_be_confused() {
        let a = LimitKey {
            tenant: "t",
            limit: "a:1",
            caller: Some("x"),
        };
        let b = LimitKey {
            tenant: "t",
            limit: "a",
            caller: Some("1:x"),
        };
        assert_ne!(a.joined(), b.joined());
    }
}
