//! How many client registrations one source may make: a token bucket per source address, filled
//! at `per_hour` an hour and holding at most `per_hour`. Registration is open to anyone, and the
//! store keeps a bounded number of registrations, so without this one address could take them all.
//!
//! The memory is bounded too: at most [`MAX_SOURCES`] addresses are remembered. Buckets that have
//! filled up again say nothing a fresh one would not, so they are forgotten when room is needed;
//! if every remembered address is still drawing on its bucket, further addresses share one
//! overflow bucket rather than grow the table. IPv6 sources are counted per /64 (one host's usual
//! allocation), so a host cannot multiply its allowance by changing its interface identifier.
//!
//! The address is the TCP peer's: behind a reverse proxy every request comes from the proxy, so
//! either limit registrations at the proxy and turn this off (`registrations_per_hour = 0`), or
//! name the header in which the proxy writes the client's address (`client_address_header`, e.g.
//! `x-forwarded-for`): its last address — the one the proxy itself saw — is then the source. Only
//! for a gateway every request reaches through that proxy: a caller reaching it directly could
//! write any address there.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName};

/// Most source addresses remembered at once.
const MAX_SOURCES: usize = 10_000;

/// Registrations per source address and hour when `gateway.toml` says nothing: enough for a
/// person trying several MCP clients, far too few to fill the store.
pub const DEFAULT_PER_HOUR: u32 = 20;

#[derive(Clone)]
pub struct RegistrationLimiter {
    /// 0: no limit.
    per_hour: u32,
    max_sources: usize,
    /// Where a trusted reverse proxy writes the client's address.
    address_header: Option<HeaderName>,
    buckets: Arc<Mutex<Buckets>>,
}

#[derive(Default)]
struct Buckets {
    by_source: HashMap<IpAddr, Bucket>,
    overflow: Option<Bucket>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
    /// Refused since its last allowed registration (so a flood is audited once, not per request).
    refusing: bool,
}

/// A registration refused for its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// When the source's next registration will be allowed.
    pub retry_after: Duration,
    /// The first refusal since the source's last allowed registration: worth recording; the
    /// ones after it would only let a flood grow the audit log.
    pub first: bool,
}

impl Default for RegistrationLimiter {
    fn default() -> Self {
        RegistrationLimiter::new(DEFAULT_PER_HOUR)
    }
}

impl RegistrationLimiter {
    /// A limiter allowing `per_hour` registrations per source and hour; 0 allows every one.
    pub fn new(per_hour: u32) -> RegistrationLimiter {
        RegistrationLimiter::bounded(per_hour, MAX_SOURCES)
    }

    fn bounded(per_hour: u32, max_sources: usize) -> RegistrationLimiter {
        RegistrationLimiter {
            per_hour,
            max_sources,
            address_header: None,
            buckets: Arc::default(),
        }
    }

    /// Counts sources by the last address in `header` (written by a reverse proxy), falling
    /// back to the TCP peer when the request carries none.
    pub fn with_address_header(mut self, header: HeaderName) -> RegistrationLimiter {
        self.address_header = Some(header);
        self
    }

    /// Who is registering: the TCP peer, or what the configured proxy header says.
    pub fn source(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let Some(name) = &self.address_header else {
            return peer;
        };
        headers
            .get_all(name)
            .iter()
            .next_back()
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.rsplit(',').next())
            .map(|last| last.trim().trim_matches(['[', ']']))
            .and_then(|last| {
                last.parse::<IpAddr>()
                    .ok()
                    .or_else(|| last.parse::<SocketAddr>().ok().map(|a| a.ip()))
            })
            .unwrap_or(peer)
    }

    /// Takes one registration from `source`'s allowance; `Err` says when the next one is
    /// available.
    pub fn check(&self, source: IpAddr) -> Result<(), Refused> {
        self.check_at(source, Instant::now())
    }

    fn check_at(&self, source: IpAddr, now: Instant) -> Result<(), Refused> {
        if self.per_hour == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_hour);
        let per_sec = capacity / 3600.0;
        let refill = |bucket: &mut Bucket| {
            let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * per_sec).min(capacity);
            bucket.at = now;
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let key = source_key(source);
        if !buckets.by_source.contains_key(&key) && buckets.by_source.len() >= self.max_sources {
            // Forget the sources whose buckets are full again.
            buckets.by_source.retain(|_, bucket| {
                refill(bucket);
                bucket.tokens < capacity
            });
        }
        let fresh = Bucket {
            tokens: capacity,
            at: now,
            refusing: false,
        };
        let bucket =
            if buckets.by_source.contains_key(&key) || buckets.by_source.len() < self.max_sources {
                buckets.by_source.entry(key).or_insert(fresh)
            } else {
                buckets.overflow.get_or_insert(fresh)
            };
        refill(bucket);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            bucket.refusing = false;
            Ok(())
        } else {
            let first = !bucket.refusing;
            bucket.refusing = true;
            Err(Refused {
                retry_after: Duration::from_secs_f64((1.0 - bucket.tokens) / per_sec)
                    .max(Duration::from_secs(1)),
                first,
            })
        }
    }
}

/// IPv4 addresses (also when mapped into IPv6) as they are; IPv6 addresses by their /64.
fn source_key(source: IpAddr) -> IpAddr {
    match source {
        IpAddr::V4(_) => source,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn each_source_gets_its_own_allowance_which_refills_over_the_hour() {
        let limiter = RegistrationLimiter::new(3);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(ip("192.0.2.1"), start).is_ok());
        }
        let refused = limiter.check_at(ip("192.0.2.1"), start).unwrap_err();
        assert_eq!(refused.retry_after.as_secs(), 1200);
        assert!(refused.first);
        assert!(!limiter.check_at(ip("192.0.2.1"), start).unwrap_err().first);
        assert!(limiter.check_at(ip("192.0.2.2"), start).is_ok());
        let later = start + Duration::from_secs(1201);
        assert!(limiter.check_at(ip("192.0.2.1"), later).is_ok());
        assert!(
            limiter.check_at(ip("192.0.2.1"), later).unwrap_err().first,
            "refusals after an allowed registration are news again"
        );
    }

    #[test]
    fn ipv6_sources_share_their_64_and_mapped_ipv4_is_ipv4() {
        let limiter = RegistrationLimiter::new(1);
        let now = Instant::now();
        assert!(limiter.check_at(ip("2001:db8:1:2::1"), now).is_ok());
        assert!(limiter.check_at(ip("2001:db8:1:2:ffff::9"), now).is_err());
        assert!(limiter.check_at(ip("2001:db8:1:3::1"), now).is_ok());
        assert!(limiter.check_at(ip("198.51.100.7"), now).is_ok());
        assert!(limiter.check_at(ip("::ffff:198.51.100.7"), now).is_err());
    }

    #[test]
    fn the_table_of_sources_is_bounded_and_overflow_shares_one_bucket() {
        let limiter = RegistrationLimiter::bounded(2, 3);
        let now = Instant::now();
        for n in 1..=3 {
            assert!(limiter.check_at(ip(&format!("192.0.2.{n}")), now).is_ok());
        }
        // Every remembered source is still drawing: newcomers share the overflow bucket.
        assert!(limiter.check_at(ip("203.0.113.1"), now).is_ok());
        assert!(limiter.check_at(ip("203.0.113.2"), now).is_ok());
        assert!(limiter.check_at(ip("203.0.113.3"), now).is_err());
        assert_eq!(limiter.buckets.lock().unwrap().by_source.len(), 3);
        // Once their buckets are full again, remembered sources make room.
        let later = now + Duration::from_secs(3600);
        assert!(limiter.check_at(ip("203.0.113.3"), later).is_ok());
        assert!(limiter.buckets.lock().unwrap().by_source.len() <= 3);
    }

    #[test]
    fn a_configured_proxy_header_names_the_source_by_its_last_address() {
        let peer = ip("10.0.0.5");
        let mut headers = HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.1".parse().unwrap(),
        );
        assert_eq!(RegistrationLimiter::new(1).source(peer, &headers), peer);
        let limiter = RegistrationLimiter::new(1)
            .with_address_header(HeaderName::from_static("x-forwarded-for"));
        assert_eq!(limiter.source(peer, &headers), ip("198.51.100.1"));
        headers.append("x-forwarded-for", "192.0.2.7:5678".parse().unwrap());
        assert_eq!(limiter.source(peer, &headers), ip("192.0.2.7"));
        let garbage: HeaderMap = [(
            HeaderName::from_static("x-forwarded-for"),
            "unknown".parse().unwrap(),
        )]
        .into_iter()
        .collect();
        assert_eq!(limiter.source(peer, &garbage), peer);
        assert_eq!(limiter.source(peer, &HeaderMap::new()), peer);
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = RegistrationLimiter::new(0);
        let now = Instant::now();
        for _ in 0..1000 {
            assert!(limiter.check_at(ip("192.0.2.1"), now).is_ok());
        }
    }
}
