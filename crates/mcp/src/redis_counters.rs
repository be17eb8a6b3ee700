//! The limits' counters in Redis, shared by every replica (`[limits] redis_url`). Each take is
//! one round trip: an atomic Lua script doing GCRA on Redis's own clock (`TIME`), so replicas
//! whose clocks disagree still count alike. A Redis that does not answer within the timeout
//! costs each call that much at most; then the operator's choice (`on_redis_down`) decides.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::limit_counters::{CountersUnavailable, LimitCounters, LimitKey, Take};

/// GCRA: KEYS[1] holds the theoretical arrival time (µs, Redis's clock) of the next call;
/// ARGV[1] is the window in µs, ARGV[2] the calls allowed in it. Returns 0 when the call is
/// counted, else the µs until one more is allowed. The key expires once it no longer matters.
const GCRA: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local window = tonumber(ARGV[1])
local interval = window / tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local next_tat = tat + interval
local allowed_at = next_tat - window
if allowed_at > now then
  return math.ceil(allowed_at - now)
end
redis.call('SET', KEYS[1], string.format('%d', math.ceil(next_tat)), 'PX', math.ceil((next_tat - now) / 1000) + 1)
return 0
";

/// What calls that a limit covers do while Redis cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnRedisDown {
    /// They run uncounted (a warning and `mcp_limit_store_unavailable_total` say so).
    Open,
    /// They are refused: a runaway caller is not let loose by an outage.
    Closed,
}

impl OnRedisDown {
    pub fn as_str(self) -> &'static str {
        match self {
            OnRedisDown::Open => "open",
            OnRedisDown::Closed => "closed",
        }
    }
}

pub struct RedisCounters {
    connection: ConnectionManager,
    script: redis::Script,
    /// Put before every key, so several gateways (or tests) can share one Redis.
    prefix: String,
    timeout: Duration,
    on_down: OnRedisDown,
    /// Unix seconds of the last warning about Redis, so an outage is not a warning per call.
    warned_at: AtomicI64,
}

impl RedisCounters {
    /// Counters at `url` (`redis://…` or `rediss://…`). Connects lazily: a gateway starts while
    /// Redis is down, and reconnects by itself when it returns.
    pub fn new(
        url: &str,
        prefix: &str,
        timeout: Duration,
        on_down: OnRedisDown,
    ) -> Result<RedisCounters, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(timeout);
        Ok(RedisCounters {
            connection: ConnectionManager::new_lazy_with_config(client, config)?,
            script: redis::Script::new(GCRA),
            prefix: prefix.to_owned(),
            timeout,
            on_down,
            warned_at: AtomicI64::new(0),
        })
    }

    fn down(&self, why: String) -> Result<Take, CountersUnavailable> {
        metrics::counter!("mcp_limit_store_unavailable_total", "on_redis_down" => self.on_down.as_str())
            .increment(1);
        let now = jiff::Timestamp::now().as_second();
        if self.warned_at.swap(now, Ordering::Relaxed) != now {
            tracing::warn!(error = %why, on_redis_down = self.on_down.as_str(), "the limits' Redis cannot be reached: calls that a limit covers are {}", match self.on_down {
                OnRedisDown::Open => "let through uncounted",
                OnRedisDown::Closed => "refused",
            });
        }
        match self.on_down {
            OnRedisDown::Open => Ok(Take::Allowed),
            OnRedisDown::Closed => Err(CountersUnavailable(why)),
        }
    }
}

#[async_trait::async_trait]
impl LimitCounters for RedisCounters {
    async fn take(
        &self,
        key: &LimitKey<'_>,
        max: u32,
        window: Duration,
    ) -> Result<Take, CountersUnavailable> {
        let mut connection = self.connection.clone();
        let mut invocation = self.script.key(format!("{}{}", self.prefix, key.joined()));
        invocation.arg(window.as_micros() as u64).arg(max);
        let answer = tokio::time::timeout(
            self.timeout,
            invocation.invoke_async::<i64>(&mut connection),
        )
        .await;
        match answer {
            Ok(Ok(0)) => Ok(Take::Allowed),
            Ok(Ok(micros)) => Ok(Take::RetryIn(Duration::from_micros(micros.unsigned_abs()))),
            Ok(Err(error)) => self.down(error.to_string()),
            Err(_) => self.down(format!("no answer within {} ms", self.timeout.as_millis())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: LimitKey<'static> = LimitKey {
        tenant: "acme",
        limit: "three",
        caller: Some("key:a"),
    };

    /// The Redis the tests use (`GATEWAY_TEST_REDIS`, default the local one); `None` when
    /// nothing answers there, and the test says so.
    async fn redis() -> Option<String> {
        let url = std::env::var("GATEWAY_TEST_REDIS")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let reachable = async {
            let client = redis::Client::open(url.as_str()).ok()?;
            client.get_multiplexed_async_connection().await.ok()
        };
        match tokio::time::timeout(Duration::from_secs(2), reachable).await {
            Ok(Some(_)) => Some(url),
            _ => {
                eprintln!("no Redis at {url}: skipping");
                None
            }
        }
    }

    fn counters(url: &str, prefix: &str) -> RedisCounters {
        RedisCounters::new(url, prefix, Duration::from_millis(500), OnRedisDown::Closed).unwrap()
    }

    #[tokio::test]
    async fn two_replicas_count_one_limit_and_the_wait_is_redis_time() {
        let Some(url) = redis().await else { return };
        let prefix = format!("gw-test:{}:", uuid::Uuid::new_v4().simple());
        let (one, two) = (counters(&url, &prefix), counters(&url, &prefix));
        let window = Duration::from_secs(3);
        assert_eq!(one.take(&KEY, 3, window).await.unwrap(), Take::Allowed);
        assert_eq!(two.take(&KEY, 3, window).await.unwrap(), Take::Allowed);
        assert_eq!(one.take(&KEY, 3, window).await.unwrap(), Take::Allowed);
        let Take::RetryIn(wait) = two.take(&KEY, 3, window).await.unwrap() else {
            panic!("a fourth call in the window was allowed on the other replica");
        };
        assert!(
            wait > Duration::from_millis(800) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        // Another caller's count is its own.
        let other = LimitKey {
            caller: Some("key:b"),
            ..KEY
        };
        assert_eq!(two.take(&other, 3, window).await.unwrap(), Take::Allowed);
        tokio::time::sleep(wait).await;
        assert_eq!(one.take(&KEY, 3, window).await.unwrap(), Take::Allowed);
        // Clean up (the keys would expire within the window anyway).
        let mut connection = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut connection)
            .await
            .unwrap();
        // One key per caller at most; a key whose bucket has refilled has already expired,
        // which on a slow machine can be the other caller's by now.
        assert!(keys.len() <= 2, "{keys:?}");
        if !keys.is_empty() {
            let _: () = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut connection)
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn an_unreachable_redis_refuses_or_lets_through_as_chosen_within_the_timeout() {
        // A port nothing listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("redis://127.0.0.1:{port}");
        let timeout = Duration::from_millis(300);
        let closed = RedisCounters::new(&url, "x:", timeout, OnRedisDown::Closed).unwrap();
        let open = RedisCounters::new(&url, "x:", timeout, OnRedisDown::Open).unwrap();
        let started = std::time::Instant::now();
        assert!(closed.take(&KEY, 1, Duration::from_secs(1)).await.is_err());
        assert_eq!(
            open.take(&KEY, 1, Duration::from_secs(1)).await.unwrap(),
            Take::Allowed
        );
        assert!(started.elapsed() < 3 * timeout, "{:?}", started.elapsed());
    }
}
