//! The `x-ratelimit-*` headers Auth0 puts on every Management API response.
//!
//! With a plan's limits on ([`crate::RateLimits`]), they report the request's bucket
//! (`plan_limits.rs`). With limits off (the default) the fake limits nothing (a 429 comes
//! only from an injected fault), so it reports a bucket that always refills within the next
//! second: a client that paces itself on these headers is never slowed down.

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use crate::model::timestamp::unix_now;

/// The bucket size reported with limits off; Auth0's free and developer tiers used 50 for
/// most endpoints.
pub(crate) const RATE_LIMIT: u64 = 50;

const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

pub(crate) fn set_rate_limit_headers(h: &mut HeaderMap, limit: u64, remaining: u64, reset: u64) {
    h.insert(LIMIT, HeaderValue::from(limit));
    h.insert(REMAINING, HeaderValue::from(remaining));
    h.insert(RESET, HeaderValue::from(reset));
}

pub(crate) fn has_rate_limit_headers(h: &HeaderMap) -> bool {
    h.contains_key(&LIMIT)
}

/// Adds the default headers unless a fault already set its own.
pub(crate) fn ensure_rate_limit_headers(h: &mut HeaderMap) {
    if !has_rate_limit_headers(h) {
        set_rate_limit_headers(h, RATE_LIMIT, RATE_LIMIT - 1, unix_now() + 1);
    }
}
