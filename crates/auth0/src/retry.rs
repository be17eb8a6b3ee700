//! When to retry, and how long to wait first.
//!
//! Two different reasons to try again, with different rules:
//! - **429**: Auth0 did not process the request, so retrying is safe for every method, writes
//!   included. We wait what Auth0 tells us (`Retry-After`, else `x-ratelimit-reset`), but never
//!   past the remaining budget: a tool call that would sleep longer gives up at once with
//!   [`crate::Auth0Error::RateLimited`], which says when to come back.
//! - **5xx, timeouts, dropped connections**: the request may have been processed. Only
//!   idempotent methods are retried (see [`is_idempotent`]); a POST gets its error back, and a
//!   POST whose answer never came is reported as an unknown outcome.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use reqwest::Method;
use reqwest::header::HeaderMap;

/// How persistent the client is. The defaults suit an interactive tool call: a couple of quick
/// retries, and never more than ten seconds asleep in total.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `2` means at most three attempts).
    pub max_retries: u32,
    /// The most time spent sleeping between attempts, all retries together. A wait that would
    /// go past it is not started.
    pub max_total_wait: Duration,
    /// The first backoff delay when Auth0 gives no hint; doubled on every retry.
    pub base_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            max_total_wait: Duration::from_secs(10),
            base_delay: Duration::from_millis(250),
        }
    }
}

/// Whether repeating the call can only lead to the same state.
///
/// GET reads; PUT and DELETE are idempotent by definition (Auth0 even answers 204 to a repeated
/// user delete). PATCH is not idempotent in general, but every PATCH this client sends sets
/// fields to given values (metadata merges one level deep with given values, `null` unsets), so
/// sending the same body twice leaves the same state as sending it once. POST creates or adds,
/// and a repeated create can fail with 409 or, worse, create twice — so POST is never retried
/// after it may have been processed.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Statuses worth a second try of an idempotent call: the server or something in front of it
/// failed for now (408 and 5xx as in node-auth0), but not 501/505, which will not change.
pub(crate) fn is_transient(status: u16) -> bool {
    matches!(status, 408 | 500 | 502 | 503 | 504)
}

/// Parses `Retry-After`: either delta-seconds or an HTTP date. A date in the past means "now".
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses `x-ratelimit-reset` (UNIX seconds of the refill) into the time left until then.
pub(crate) fn parse_ratelimit_reset(value: &str, now: SystemTime) -> Option<Duration> {
    let secs = value.trim().parse::<u64>().ok()?;
    let at = UNIX_EPOCH.checked_add(Duration::from_secs(secs))?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What the server asked us to wait, if anything: `Retry-After` wins over
/// `x-ratelimit-reset`, as in the Auth0 SDKs. The `bool` is true when the hint is the
/// bucket's reset time, which many clients share, so it deserves jitter.
pub(crate) fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<(Duration, bool)> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(d) = header("retry-after").and_then(|v| parse_retry_after(v, now)) {
        return Some((d, false));
    }
    header("x-ratelimit-reset")
        .and_then(|v| parse_ratelimit_reset(v, now))
        .map(|d| (d, true))
}

/// `base · 2^attempt`, saturating.
pub(crate) fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    policy
        .base_delay
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
}

/// A random extra delay in `[0, max]`, so that clients woken by the same reset do not all
/// hit Auth0 in the same instant.
pub(crate) fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let max_ms = max.as_millis().min(u128::from(u64::MAX)) as u64;
    Duration::from_millis(rand::rng().random_range(0..=max_ms))
}

/// The delay before the next attempt after a 429: the server's hint (plus jitter when it is a
/// shared reset time), else exponential backoff with jitter.
pub(crate) fn rate_limit_wait(
    policy: &RetryPolicy,
    headers: &HeaderMap,
    attempt: u32,
    now: SystemTime,
) -> Duration {
    match server_wait(headers, now) {
        Some((d, false)) => d,
        Some((d, true)) => d + jitter(policy.base_delay.min(Duration::from_secs(1))),
        None => backoff_with_jitter(policy, attempt),
    }
}

/// Exponential backoff plus up to half of it again, at random.
pub(crate) fn backoff_with_jitter(policy: &RetryPolicy, attempt: u32) -> Duration {
    let b = backoff(policy, attempt);
    b + jitter(b / 2)
}

/// Counts attempts and time asleep against the policy.
#[derive(Debug)]
pub(crate) struct Budget<'a> {
    policy: &'a RetryPolicy,
    retries: u32,
    slept: Duration,
}

impl<'a> Budget<'a> {
    pub(crate) fn new(policy: &'a RetryPolicy) -> Self {
        Self {
            policy,
            retries: 0,
            slept: Duration::ZERO,
        }
    }

    /// Retries made so far.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// Takes one retry that starts after `wait`, or refuses when retries are used up or the
    /// wait would go past the total budget. On success the caller must sleep `wait`.
    pub(crate) fn take(&mut self, wait: Duration) -> bool {
        if self.retries >= self.policy.max_retries {
            return false;
        }
        let total = self.slept.saturating_add(wait);
        if total > self.policy.max_total_wait {
            return false;
        }
        self.retries += 1;
        self.slept = total;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = at(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        let cases: &[(&str, &str, Option<u64>)] = &[
            ("delta seconds", "3", Some(3)),
            ("delta with spaces", " 10 ", Some(10)),
            ("zero", "0", Some(0)),
            (
                "http date in the future",
                "Wed, 21 Oct 2015 07:28:30 GMT",
                Some(30),
            ),
            (
                "http date in the past",
                "Wed, 21 Oct 2015 07:27:00 GMT",
                Some(0),
            ),
            ("garbage", "soon", None),
            ("negative", "-5", None),
        ];
        for (name, value, want) in cases {
            assert_eq!(
                parse_retry_after(value, now),
                want.map(Duration::from_secs),
                "case {name}"
            );
        }
    }

    #[test]
    fn ratelimit_reset_unix_seconds() {
        let now = UNIX_EPOCH + Duration::from_millis(1_000_000_000_500);
        assert_eq!(
            parse_ratelimit_reset("1000000002", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_ratelimit_reset("999999999", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_ratelimit_reset("tomorrow", now), None);
        assert_eq!(parse_ratelimit_reset("", now), None);
    }

    #[test]
    fn retry_after_beats_reset() {
        let now = at(1_000_000_000);
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1000000020"));
        assert_eq!(server_wait(&h, now), Some((Duration::from_secs(20), true)));
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(server_wait(&h, now), Some((Duration::from_secs(2), false)));
        assert_eq!(server_wait(&HeaderMap::new(), now), None);
    }

    #[test]
    fn reset_wait_gets_bounded_jitter() {
        let policy = RetryPolicy::default();
        let now = at(1_000_000_000);
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1000000001"));
        for _ in 0..50 {
            let w = rate_limit_wait(&policy, &h, 0, now);
            assert!(
                w >= Duration::from_secs(1) && w <= Duration::from_millis(1250),
                "{w:?}"
            );
        }
    }

    #[test]
    fn backoff_doubles_and_saturates() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            ..Default::default()
        };
        assert_eq!(backoff(&p, 0), Duration::from_millis(100));
        assert_eq!(backoff(&p, 3), Duration::from_millis(800));
        let _ = backoff(&p, u32::MAX); // must not panic
    }

    #[test]
    fn budget_counts_retries_and_time() {
        let p = RetryPolicy {
            max_retries: 2,
            max_total_wait: Duration::from_secs(3),
            base_delay: Duration::from_millis(10),
        };
        let mut b = Budget::new(&p);
        assert!(
            !b.take(Duration::from_secs(4)),
            "a single wait past the budget is refused"
        );
        assert!(b.take(Duration::from_secs(2)));
        assert!(!b.take(Duration::from_secs(2)), "2 + 2 > 3");
        assert!(b.take(Duration::from_secs(1)));
        assert!(!b.take(Duration::ZERO), "max_retries reached");
        assert_eq!(b.retries(), 2);
    }

    #[test]
    fn idempotent_methods() {
        for m in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(is_idempotent(&m), "{m}");
        }
        assert!(!is_idempotent(&Method::POST));
    }

    #[test]
    fn transient_statuses() {
        for s in [408, 500, 502, 503, 504] {
            assert!(is_transient(s), "{s}");
        }
        for s in [400, 404, 409, 429, 501, 505] {
            assert!(!is_transient(s), "{s}");
        }
    }
}
