//! The `[approvals]` table: where approval notices go and how hard the gateway tries.

use std::time::Duration;

use secrecy::ExposeSecret;
use url::Url;

use super::check::{Checker, is_loopback_host};
use super::raw::RawApprovals;
use super::{ApprovalsConfig, WebhookConfig};

/// Shorter keys are easy to guess offline from one signed delivery.
const MIN_SECRET_LEN: usize = 32;

impl Checker<'_> {
    pub(super) fn approvals(&mut self, raw: RawApprovals) -> ApprovalsConfig {
        let timeout_seconds =
            self.count("approvals.timeout_seconds", raw.timeout_seconds, 10, 1..=60);
        let max_attempts = self.count("approvals.max_attempts", raw.max_attempts, 5, 1..=10);
        // Under the 30 s deadline of a request to /mcp.
        let wait = Duration::from_secs(
            self.count("approvals.wait_seconds", raw.wait_seconds, 0, 0..=25)
                .unsigned_abs(),
        );
        let step_up_lasts = Duration::from_secs(
            60 * self
                .count("approvals.step_up_minutes", raw.step_up_minutes, 5, 1..=60)
                .unsigned_abs(),
        );
        let secret_given = raw.webhook_secret_env.is_some() || raw.webhook_secret_file.is_some();
        let secret_key = if raw.webhook_secret_env.is_some() {
            "approvals.webhook_secret_env"
        } else {
            "approvals.webhook_secret_file"
        };
        let secret = (raw.webhook_url.is_some() || secret_given || raw.webhook_secret.is_some())
            .then(|| {
                self.secret(
                    "approvals",
                    "webhook_secret",
                    "the key that signs deliveries",
                    raw.webhook_secret,
                    raw.webhook_secret_env,
                    raw.webhook_secret_file,
                )
            })
            .flatten()
            .filter(|secret| self.long_enough(secret_key, secret));
        let Some(text) = raw.webhook_url else {
            if secret_given {
                self.problem(
                    "approvals.webhook_url",
                    "is required with webhook_secret_env or webhook_secret_file: it is where the signed notices go",
                );
            }
            return ApprovalsConfig {
                webhook: None,
                wait,
                step_up_lasts,
            };
        };
        let url = self.webhook_url(&text);
        let webhook = match (url, secret) {
            (Some(url), Some(secret)) => Some(WebhookConfig {
                url,
                secret,
                timeout: Duration::from_secs(timeout_seconds.unsigned_abs()),
                max_attempts: u32::try_from(max_attempts).unwrap_or(1),
                backoff_base: Duration::from_secs(1),
            }),
            _ => None,
        };
        ApprovalsConfig {
            webhook,
            wait,
            step_up_lasts,
        }
    }

    /// https, or http on a loopback host. The URL is never echoed: a Slack webhook URL's path
    /// is a credential.
    fn webhook_url(&mut self, text: &str) -> Option<Url> {
        match Url::parse(text.trim()) {
            Ok(url) if url.scheme() == "https" && url.host().is_some() => Some(url),
            Ok(url) if url.scheme() == "http" && is_loopback_host(&url) => Some(url),
            Ok(url) if url.scheme() == "http" => {
                self.problem(
                    "approvals.webhook_url",
                    "must be https unless the host is loopback: notices carry tool arguments",
                );
                None
            }
            _ => {
                self.problem(
                    "approvals.webhook_url",
                    "is not an http(s) URL, e.g. https://hooks.slack.com/services/…",
                );
                None
            }
        }
    }

    /// Whether the signing key is long enough; `key` is where it came from.
    fn long_enough(&mut self, key: &str, secret: &secrecy::SecretString) -> bool {
        let length = secret.expose_secret().chars().count();
        if length >= MIN_SECRET_LEN {
            return true;
        }
        self.problem(
            key,
            format!("the key is {length} characters; use at least {MIN_SECRET_LEN} random ones, e.g. from `openssl rand -hex 32`"),
        );
        false
    }
}
