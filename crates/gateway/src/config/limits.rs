//! The `[limits]` table: where the tenants' limits are counted (this process, or Redis).

use std::time::Duration;

use gw_mcp::OnRedisDown;
use url::Url;

use super::check::Checker;
use super::raw::RawLimits;
use super::{LimitsConfig, RedisLimits};

const DEFAULT_KEY_PREFIX: &str = "mcp-gateway:limits:";

impl Checker<'_> {
    pub(super) fn limits(&mut self, raw: RawLimits) -> LimitsConfig {
        let timeout = Duration::from_millis(
            self.count(
                "limits.redis_timeout_ms",
                raw.redis_timeout_ms,
                250,
                10..=5000,
            )
            .unsigned_abs(),
        );
        let on_down = match raw.on_redis_down.as_deref() {
            None | Some("closed") => Some(OnRedisDown::Closed),
            Some("open") => Some(OnRedisDown::Open),
            Some(other) => {
                self.problem(
                    "limits.on_redis_down",
                    format!("`{other}` is neither `closed` nor `open`"),
                );
                None
            }
        };
        let key_prefix = raw
            .key_prefix
            .unwrap_or_else(|| DEFAULT_KEY_PREFIX.to_owned());
        if key_prefix.len() > 100 {
            self.problem("limits.key_prefix", "is longer than 100 characters");
        }
        let Some(url) = raw.redis_url else {
            for (key, given) in [
                ("on_redis_down", raw.on_redis_down.is_some()),
                ("redis_timeout_ms", raw.redis_timeout_ms.is_some()),
            ] {
                if given {
                    self.problem(format!("limits.{key}"), "applies only with `redis_url`");
                }
            }
            return LimitsConfig { redis: None };
        };
        match Url::parse(&url) {
            Ok(parsed) if matches!(parsed.scheme(), "redis" | "rediss") => {}
            _ => {
                // Not quoted: the URL may hold a password.
                self.problem(
                    "limits.redis_url",
                    "is not a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379",
                );
                return LimitsConfig { redis: None };
            }
        }
        LimitsConfig {
            redis: on_down.map(|on_down| RedisLimits {
                url,
                key_prefix,
                timeout,
                on_down,
            }),
        }
    }
}
