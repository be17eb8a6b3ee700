//! A token bucket, the algorithm Auth0 describes for its rate limits: a bucket holds at most
//! `capacity` requests (the burst limit) and gains `refill_per_minute` of them back each
//! minute (the sustained limit), continuously, until it is full again.
//!
//! The caller passes the time of every call, so tests drive the bucket with a clock they
//! control instead of sleeping.

use std::time::{Duration, Instant};

/// The size and the refill rate of a bucket, as Auth0's rate-limit tables give them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BucketSize {
    /// The burst limit: how many requests a full bucket allows at once. Also what
    /// `x-ratelimit-limit` reports.
    pub(crate) capacity: u32,
    /// The sustained limit, in requests per minute.
    pub(crate) refill_per_minute: u32,
}

impl BucketSize {
    pub(crate) const fn per_minute(capacity: u32, refill_per_minute: u32) -> Self {
        BucketSize {
            capacity,
            refill_per_minute,
        }
    }

    pub(crate) const fn per_second(capacity: u32, refill_per_second: u32) -> Self {
        BucketSize {
            capacity,
            refill_per_minute: refill_per_second * 60,
        }
    }
}

/// What the bucket looked like right after a request took (or failed to take) a token:
/// what the `x-ratelimit-*` headers report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BucketState {
    pub(crate) limit: u32,
    /// Whole requests left now.
    pub(crate) remaining: u32,
    /// How long until the bucket is full again.
    pub(crate) until_full: Duration,
}

/// Tokens are counted in units of 1/60,000,000,000 of a request, so that a bucket refilling
/// `r` requests a minute gains exactly `r` units a nanosecond: integer arithmetic, no
/// rounding drift between what the bucket allows and what its headers promise.
const UNITS_PER_TOKEN: u128 = 60 * 1_000_000_000;

#[derive(Debug)]
pub(crate) struct TokenBucket {
    size: BucketSize,
    units: u128,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub(crate) fn new(size: BucketSize, now: Instant) -> Self {
        TokenBucket {
            size,
            units: Self::capacity_units(size),
            last: now,
        }
    }

    fn capacity_units(size: BucketSize) -> u128 {
        u128::from(size.capacity) * UNITS_PER_TOKEN
    }

    /// Takes one token if there is a whole one: `Ok` when the request may go on, `Err` when
    /// it must be refused. Either way the state after the attempt.
    pub(crate) fn try_take(&mut self, now: Instant) -> Result<BucketState, BucketState> {
        self.refill(now);
        if self.units >= UNITS_PER_TOKEN {
            self.units -= UNITS_PER_TOKEN;
            Ok(self.state())
        } else {
            Err(self.state())
        }
    }

    fn refill(&mut self, now: Instant) {
        // A clock read earlier than the last one (threads racing to the lock) adds nothing.
        let elapsed = now.saturating_duration_since(self.last).as_nanos();
        let gained = elapsed.saturating_mul(u128::from(self.size.refill_per_minute));
        self.units = self
            .units
            .saturating_add(gained)
            .min(Self::capacity_units(self.size));
        self.last = self.last.max(now);
    }

    fn state(&self) -> BucketState {
        let missing = Self::capacity_units(self.size) - self.units;
        // Every plan refills; `max(1)` only keeps a zero rate from dividing by zero.
        let rate = u128::from(self.size.refill_per_minute.max(1));
        let nanos = missing.div_ceil(rate);
        let until_full = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
        BucketState {
            limit: self.size.capacity,
            remaining: u32::try_from(self.units / UNITS_PER_TOKEN).unwrap_or(u32::MAX),
            until_full,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER_WRITES: BucketSize = BucketSize::per_minute(20, 200);

    #[test]
    fn a_full_bucket_allows_its_burst_then_refuses() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(USER_WRITES, t0);
        for expected_remaining in (0..20).rev() {
            let state = b.try_take(t0).expect("within the burst");
            assert_eq!(state.remaining, expected_remaining);
            assert_eq!(state.limit, 20);
        }
        let refused = b.try_take(t0).expect_err("the 21st request at once");
        assert_eq!(refused.remaining, 0);
        // 20 tokens at 200/min: 6 s to fill up again.
        assert_eq!(refused.until_full, Duration::from_secs(6));
    }

    #[test]
    fn tokens_come_back_at_the_sustained_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(USER_WRITES, t0);
        for _ in 0..20 {
            b.try_take(t0).unwrap();
        }
        // 200/min is one token every 300 ms.
        assert!(b.try_take(t0 + Duration::from_millis(299)).is_err());
        let state = b.try_take(t0 + Duration::from_millis(300)).unwrap();
        assert_eq!(state.remaining, 0);
        assert!(b.try_take(t0 + Duration::from_millis(599)).is_err());
        assert!(b.try_take(t0 + Duration::from_millis(600)).is_ok());
    }

    #[test]
    fn an_idle_bucket_fills_up_to_its_capacity_and_no_further() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(BucketSize::per_second(2, 2), t0);
        b.try_take(t0).unwrap();
        b.try_take(t0).unwrap();
        assert!(b.try_take(t0).is_err());
        let later = t0 + Duration::from_secs(3600);
        assert_eq!(b.try_take(later).unwrap().remaining, 1);
        assert_eq!(b.try_take(later).unwrap().remaining, 0);
        assert!(b.try_take(later).is_err());
    }

    #[test]
    fn until_full_shrinks_as_time_passes() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(BucketSize::per_minute(10, 150), t0);
        let state = b.try_take(t0).unwrap();
        // One token at 150/min (2.5/s): 400 ms.
        assert_eq!(state.until_full, Duration::from_millis(400));
        let state = b.try_take(t0 + Duration::from_millis(400)).unwrap();
        assert_eq!(state.remaining, 9);
        assert_eq!(state.until_full, Duration::from_millis(400));
    }

    #[test]
    fn a_clock_read_out_of_order_adds_nothing() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(1);
        let mut b = TokenBucket::new(BucketSize::per_second(2, 2), t1);
        b.try_take(t1).unwrap();
        b.try_take(t1).unwrap();
        assert!(b.try_take(t0).is_err());
        assert!(b.try_take(t1).is_err());
    }
}
