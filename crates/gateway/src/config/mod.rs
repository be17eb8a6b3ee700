//! `gateway.toml`: the documented input types (what operators write, `raw.rs`), their conversion
//! into checked settings (`check.rs`, `tenants.rs`, `approvals.rs`), and the settings the gateway
//! runs with (here). Every problem is reported with its key and the reason, all at once, so an
//! operator fixes a file in one pass.

mod approvals;
mod check;
mod limits;
mod raw;
mod tenants;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gw_oauth::TenantSettings;
use url::Url;

pub(crate) use check::is_loopback_host;
pub use raw::{
    RawApprovals, RawAudit, RawConfig, RawLimits, RawOAuthServer, RawServer, RawStore,
    RawTelemetry, RawTenant, RawUserGrant,
};
pub(crate) use tenants::valid_tenant_name;

use check::{Checker, Uses};

/// The checked configuration the gateway runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerSettings,
    pub store: StoreSettings,
    pub telemetry: TelemetrySettings,
    pub oauth_server: OAuthServerSettings,
    /// `[oauth_server] unused_registration_hours` and `[audit] refusal_retention_days`.
    pub retention: gw_store::Retention,
    /// `[audit] journal_dir` and `journal_max_mb`.
    pub journal: crate::audit::JournalSettings,
    pub approvals: ApprovalsConfig,
    /// `[limits]`: where the tenants' limits are counted.
    pub limits: LimitsConfig,
    pub tenants: Vec<TenantSettings>,
    /// `[[tenants.policies]]` of the tenants that have any, by tenant name.
    pub policies: BTreeMap<String, TenantPolicies>,
}

/// A tenant's rules as written (the portal shows them) and checked (calls are judged by them).
#[derive(Debug, Clone, Default)]
pub struct TenantPolicies {
    pub rules: Vec<gw_policy::RuleSpec>,
    pub masking: Vec<gw_policy::MaskingSpec>,
    pub limits: Vec<gw_policy::LimitSpec>,
    pub set: Arc<gw_policy::PolicySet>,
}

/// `[limits]`: where the tenants' limits are counted.
#[derive(Debug, Clone, Default)]
pub struct LimitsConfig {
    /// `None`: in this process's memory.
    pub redis: Option<RedisLimits>,
}

/// The limits' counters in Redis.
#[derive(Clone)]
pub struct RedisLimits {
    /// May hold a password: `Debug` prints its host only.
    pub url: String,
    pub key_prefix: String,
    pub timeout: std::time::Duration,
    pub on_down: gw_mcp::OnRedisDown,
}

impl fmt::Debug for RedisLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = Url::parse(&self.url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_default();
        f.debug_struct("RedisLimits")
            .field("host", &host)
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .field("on_down", &self.on_down)
            .finish()
    }
}

impl RedisLimits {
    /// The counters these settings describe.
    pub fn counters(&self) -> Result<gw_mcp::RedisCounters, String> {
        gw_mcp::RedisCounters::new(&self.url, &self.key_prefix, self.timeout, self.on_down)
            .map_err(|error| error.to_string())
    }
}

/// `[approvals]`: how approvers hear of tool calls waiting for them.
#[derive(Debug, Clone)]
pub struct ApprovalsConfig {
    /// `None`: no webhook is configured.
    pub webhook: Option<WebhookConfig>,
    /// How long a call held for approval waits for the decision, when its client takes progress.
    pub wait: std::time::Duration,
    /// How long a user's sign-in with MFA counts for `step_up` rules.
    pub step_up_lasts: std::time::Duration,
}

impl Default for ApprovalsConfig {
    fn default() -> Self {
        ApprovalsConfig {
            webhook: None,
            wait: std::time::Duration::ZERO,
            step_up_lasts: std::time::Duration::from_secs(5 * 60),
        }
    }
}

/// Where and how approval notices are delivered (`crate::approval_webhook`).
#[derive(Clone)]
pub struct WebhookConfig {
    /// Printed by `Debug` as its origin only: a Slack webhook URL's path is itself a credential.
    pub url: Url,
    /// The HMAC-SHA256 key, used as the bytes of the value as written (surrounding whitespace
    /// trimmed).
    pub secret: secrecy::SecretString,
    /// For one attempt, connecting included.
    pub timeout: std::time::Duration,
    /// Attempts per notice, the first included.
    pub max_attempts: u32,
    /// The first retry's delay, doubled at each retry up to 30 s. Not in the file: 1 s there;
    /// tests shorten it.
    pub backoff_base: std::time::Duration,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url.origin().ascii_serialization())
            .field("secret", &"[REDACTED]")
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_base", &self.backoff_base)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthServerSettings {
    /// Per source address; 0 = no limit.
    pub registrations_per_hour: u32,
    /// Where a trusted reverse proxy writes the client's address; `None`: the TCP peer.
    pub client_address_header: Option<axum::http::HeaderName>,
    /// Which Client ID Metadata Documents are accepted.
    pub client_metadata: crate::client_metadata::MetadataSettings,
}

/// Where spans are exported; `otlp_endpoint: None` means no export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelemetrySettings {
    /// The OTLP/HTTP traces URL (the base endpoint with `/v1/traces`).
    pub otlp_traces_url: Option<Url>,
    pub service_name: String,
}

#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    pub public_url: Url,
    pub stateless: bool,
    pub allowed_hosts: Vec<String>,
    pub portal: bool,
    pub max_connections: usize,
    pub sessions: crate::http::SessionLimits,
    pub user_check_interval: std::time::Duration,
}

#[derive(Debug, Clone)]
pub struct StoreSettings {
    pub url: String,
    /// The checked key that seals tokens, base64; `None` when connections are not set up.
    pub encryption_key: Option<secrecy::SecretString>,
    /// How the store's connections are managed (`acquire_timeout_ms`).
    pub options: gw_store::StoreOptions,
}

impl StoreSettings {
    /// Where the store is, for people: the SQLite file, or the PostgreSQL URL without its password.
    pub fn location(&self) -> String {
        if let Some(file) = self.url.strip_prefix("sqlite://") {
            return file.to_owned();
        }
        match Url::parse(&self.url) {
            Ok(mut url) => {
                if url.password().is_some() {
                    let _ = url.set_password(Some("***"));
                }
                url.to_string()
            }
            Err(_) => "(an unreadable store URL)".to_owned(),
        }
    }

    /// Opens the store, with its key when one is configured.
    pub async fn open(&self) -> Result<gw_store::Store, gw_store::StoreError> {
        use secrecy::ExposeSecret;
        let store = gw_store::Store::open_with(&self.url, self.options).await?;
        match &self.encryption_key {
            None => Ok(store),
            Some(key) => {
                let cipher = gw_oauth::TokenCipher::from_base64(key.expose_secret())
                    .expect("the key was checked when the configuration was loaded");
                store.with_key(cipher).await
            }
        }
    }
}

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid gateway TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path} has {} problem(s):\n{}", problems.len(), problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

impl Config {
    /// Reads, parses and checks a configuration file; the environment supplies secrets.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::load_with(path, Uses::Store)
    }

    /// As [`Config::load`], for a command that never opens the store (`stdio` as the local
    /// operator): the store's settings are not checked, so a store key that this client's
    /// environment does not carry does not stop it.
    pub fn load_ignoring_store(path: &Path) -> Result<Config, ConfigError> {
        Config::load_with(path, Uses::NoStore)
    }

    fn load_with(path: &Path, uses: Uses) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        // Relative paths in the file (the SQLite store, secret and key files) mean "next to this
        // file", so a command run from another directory opens the same store.
        let base = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_owned))
            .unwrap_or_default();
        Checker::new(&|name| std::env::var(name).ok(), &base, uses)
            .parse(&text)
            .map_err(|e| match e {
                ParseError::Syntax(message) => ConfigError::Syntax {
                    path: path.to_owned(),
                    message,
                },
                ParseError::Invalid(problems) => ConfigError::Invalid {
                    path: path.to_owned(),
                    problems,
                },
            })
    }

    /// Parses and checks configuration text, looking environment variables up with `env`;
    /// relative paths stay relative to the working directory.
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ParseError> {
        Checker::new(env, Path::new(""), Uses::Store).parse(text)
    }

    /// The JSON Schema of `gateway.toml` as written (committed as `gateway.schema.json`, so
    /// editors with a TOML language server can validate and complete the file).
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(RawConfig)).expect("a generated schema is JSON")
    }

    pub fn tenant(&self, name: &str) -> Option<&TenantSettings> {
        self.tenants.iter().find(|t| t.name == name)
    }

    /// The tenant's checked policies; empty when it has none.
    pub fn policies_of(&self, name: &str) -> Arc<gw_policy::PolicySet> {
        self.policies
            .get(name)
            .map(|p| p.set.clone())
            .unwrap_or_default()
    }
}

#[derive(Debug)]
pub enum ParseError {
    Syntax(String),
    Invalid(Vec<Problem>),
}
