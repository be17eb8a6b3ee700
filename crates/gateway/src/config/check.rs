//! From [`RawConfig`] to [`Config`]: each table's checks, every problem collected with its key.
//! The `[[tenants]]` tables are checked in `tenants.rs`, `[approvals]` in `approvals.rs`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use gw_oauth::GrantMode;
use url::Url;

use super::raw::{RawAudit, RawConfig, RawOAuthServer, RawServer, RawStore, RawTelemetry};
use super::{
    Config, OAuthServerSettings, ParseError, Problem, ServerSettings, StoreSettings,
    TelemetrySettings,
};
use crate::client_metadata::MetadataSettings;

/// Whether the command being configured opens the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Uses {
    Store,
    NoStore,
}

pub(super) struct Checker<'a> {
    problems: Vec<Problem>,
    pub(super) env: &'a dyn Fn(&str) -> Option<String>,
    /// What relative paths are relative to.
    base: &'a Path,
    uses: Uses,
}

impl<'a> Checker<'a> {
    pub(super) fn new(env: &'a dyn Fn(&str) -> Option<String>, base: &'a Path, uses: Uses) -> Self {
        Checker {
            problems: Vec::new(),
            env,
            base,
            uses,
        }
    }

    pub(super) fn path(&self, path: &Path) -> PathBuf {
        self.base.join(path)
    }

    /// How many problems were found so far.
    pub(super) fn problem_count(&self) -> usize {
        self.problems.len()
    }

    /// Records a problem; a command that never opens the store hears nothing about `store.*`.
    pub(super) fn problem(&mut self, key: impl Into<String>, reason: impl Into<String>) {
        let key = key.into();
        if self.uses == Uses::NoStore && key.starts_with("store.") {
            return;
        }
        self.problems.push(Problem {
            key,
            reason: reason.into(),
        });
    }

    pub(super) fn parse(self, text: &str) -> Result<Config, ParseError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ParseError::Syntax(e.to_string()))?;
        self.check(raw)
    }

    fn check(mut self, raw: RawConfig) -> Result<Config, ParseError> {
        let server = self.server(raw.server.unwrap_or_default());
        let store = self.store(raw.store.unwrap_or_default());
        let telemetry = self.telemetry(raw.telemetry.unwrap_or_default());
        let (oauth_server, unused_registration_hours) =
            self.oauth_server(raw.oauth_server.unwrap_or_default());
        let audit = raw.audit.unwrap_or_default();
        let journal = self.journal(&audit);
        let retention = self.retention(unused_registration_hours, audit);
        let approvals = self.approvals(raw.approvals.unwrap_or_default());
        let limits = self.limits(raw.limits.unwrap_or_default());
        let (tenants, policies) = self.tenants(raw.tenants);
        if store.encryption_key.is_none()
            && let Some(tenant) = tenants
                .iter()
                .find(|t| t.grant == GrantMode::AuthorizationCode)
        {
            self.problem(
                "store.encryption_key_env",
                format!(
                    "tenant `{}` uses authorization_code, which keeps users' tokens: set encryption_key_env or encryption_key_file (make a key with `mcp-gateway gen-key`)",
                    tenant.name
                ),
            );
        }
        if store.encryption_key.is_none() {
            for (tenant, rules) in &policies {
                if rules.set.masking().uses_pseudonyms() {
                    self.problem(
                        format!("tenants.{tenant}.masking"),
                        "`mode = \"pseudonym\"` seals values with the store's key: set [store] encryption_key_env or encryption_key_file (make a key with `mcp-gateway gen-key`)",
                    );
                }
            }
        }
        match (server, self.problems.is_empty()) {
            (Some(server), true) => Ok(Config {
                server,
                store,
                telemetry,
                oauth_server,
                retention,
                journal,
                approvals,
                limits,
                tenants,
                policies,
            }),
            _ => Err(ParseError::Invalid(self.problems)),
        }
    }

    /// `[oauth_server]`, and its `unused_registration_hours` for [`Checker::retention`].
    fn oauth_server(&mut self, raw: RawOAuthServer) -> (OAuthServerSettings, Option<i64>) {
        let registrations_per_hour = self.count(
            "oauth_server.registrations_per_hour",
            raw.registrations_per_hour,
            i64::from(crate::http::DEFAULT_REGISTRATIONS_PER_HOUR),
            0..=100_000,
        );
        let client_metadata = self.client_metadata(&raw);
        let client_address_header = raw.client_address_header.and_then(|name| {
            match axum::http::HeaderName::from_bytes(name.trim().as_bytes()) {
                Ok(header) => Some(header),
                Err(_) => {
                    self.problem(
                        "oauth_server.client_address_header",
                        format!("`{name}` is not an HTTP header name, e.g. x-forwarded-for"),
                    );
                    None
                }
            }
        });
        let settings = OAuthServerSettings {
            registrations_per_hour: u32::try_from(registrations_per_hour).unwrap_or(u32::MAX),
            client_address_header,
            client_metadata,
        };
        (settings, raw.unused_registration_hours)
    }

    /// `[oauth_server] client_metadata_*`.
    fn client_metadata(&mut self, raw: &RawOAuthServer) -> MetadataSettings {
        let mut hosts = |key: &str, list: &Option<Vec<String>>| -> Option<Vec<String>> {
            let list = list.as_ref()?;
            let mut hosts = Vec::with_capacity(list.len());
            for host in list {
                // Written as URLs write them (IPv6 in brackets), to compare with a URL's host.
                let bare = host.trim().trim_matches(['[', ']']);
                let parsed = match bare.parse::<std::net::Ipv6Addr>() {
                    Ok(v6) => Ok(url::Host::<String>::Ipv6(v6)),
                    Err(_) if bare.contains([':', '/', '@']) => Err(()),
                    Err(_) => url::Host::parse(bare).map_err(|_| ()),
                };
                match parsed {
                    Ok(parsed) => hosts.push(parsed.to_string()),
                    Err(()) => self.problem(
                        format!("oauth_server.{key}"),
                        format!("`{host}` is not a host name or IP address (give hosts, not URLs or ports)"),
                    ),
                }
            }
            Some(hosts)
        };
        let allowed = hosts("client_metadata_hosts", &raw.client_metadata_hosts);
        let private_hosts = hosts(
            "client_metadata_private_hosts",
            &raw.client_metadata_private_hosts,
        )
        .unwrap_or_default();
        let extra_roots_pem = raw.client_metadata_ca_file.as_ref().and_then(|file| {
            let path = self.path(std::path::Path::new(file));
            let checked = std::fs::read(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|pem| match reqwest::Certificate::from_pem_bundle(&pem) {
                    Ok(certs) if !certs.is_empty() => Ok(pem),
                    Ok(_) => Err(format!("{} holds no PEM certificate", path.display())),
                    Err(e) => Err(format!("{} is not PEM certificates: {e}", path.display())),
                });
            match checked {
                Ok(pem) => Some(pem),
                Err(why) => {
                    self.problem("oauth_server.client_metadata_ca_file", why);
                    None
                }
            }
        });
        MetadataSettings {
            enabled: raw.client_metadata_documents.unwrap_or(true),
            hosts: allowed,
            private_hosts,
            extra_roots_pem,
        }
    }

    /// `[audit] journal_dir` and `journal_max_mb`.
    fn journal(&mut self, audit: &RawAudit) -> crate::audit::JournalSettings {
        let max_mb = self.count(
            "audit.journal_max_mb",
            audit.journal_max_mb,
            256,
            1..=1_048_576,
        );
        crate::audit::JournalSettings {
            dir: self.path(
                audit
                    .journal_dir
                    .as_deref()
                    .unwrap_or(Path::new("audit-journal")),
            ),
            max_bytes: max_mb.unsigned_abs() * 1024 * 1024,
        }
    }

    /// How long unused registrations and refusal records are kept.
    fn retention(
        &mut self,
        unused_registration_hours: Option<i64>,
        audit: RawAudit,
    ) -> gw_store::Retention {
        let defaults = gw_store::Retention::default();
        gw_store::Retention {
            unused_client_secs: self.count(
                "oauth_server.unused_registration_hours",
                unused_registration_hours,
                defaults.unused_client_secs / 3600,
                1..=8760,
            ) * 3600,
            refusal_secs: self.count(
                "audit.refusal_retention_days",
                audit.refusal_retention_days,
                defaults.refusal_secs / 86_400,
                1..=3650,
            ) * 86_400,
        }
    }

    fn server(&mut self, raw: RawServer) -> Option<ServerSettings> {
        let listen_text = raw.listen.unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let listen = match listen_text.parse::<SocketAddr>() {
            Ok(listen) => Some(listen),
            Err(_) => {
                self.problem(
                    "server.listen",
                    format!("`{listen_text}` is not an address with a port, e.g. 127.0.0.1:8080"),
                );
                None
            }
        }?;
        let public_url = match raw.public_url {
            None => Url::parse(&format!("http://{listen}")).ok()?,
            Some(text) => match Url::parse(&text) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                    if url.scheme() == "http" && !is_loopback_host(&url) {
                        self.problem("server.public_url", "must be https unless the host is loopback: Auth0 sends authorization codes to it");
                    }
                    url
                }
                _ => {
                    self.problem(
                        "server.public_url",
                        format!("`{text}` is not an http(s) URL"),
                    );
                    return None;
                }
            },
        };
        let defaults = crate::http::SessionLimits::default();
        let max_connections = self.at_least_one(
            "server.max_connections",
            raw.max_connections,
            crate::http::listener::DEFAULT_MAX_CONNECTIONS,
        );
        let total = self.at_least_one("server.max_sessions", raw.max_sessions, defaults.total);
        let per_credential = self.at_least_one(
            "server.max_sessions_per_credential",
            raw.max_sessions_per_credential,
            defaults.per_credential,
        );
        let idle = self.at_least_one(
            "server.session_idle_seconds",
            raw.session_idle_seconds,
            defaults.idle.as_secs() as usize,
        );
        if per_credential > total {
            self.problem(
                "server.max_sessions_per_credential",
                format!("{per_credential} is more than server.max_sessions ({total})"),
            );
        }
        let user_check_interval = match raw.user_check_interval_secs {
            None => crate::user_check::DEFAULT_INTERVAL,
            Some(secs @ 1..=86_400) => std::time::Duration::from_secs(secs.unsigned_abs()),
            Some(secs) => {
                self.problem(
                    "server.user_check_interval_secs",
                    format!("`{secs}` is not between 1 and 86400 seconds"),
                );
                crate::user_check::DEFAULT_INTERVAL
            }
        };
        Some(ServerSettings {
            listen,
            public_url,
            stateless: raw.stateless.unwrap_or(false),
            allowed_hosts: raw.allowed_hosts.unwrap_or_default(),
            portal: raw.portal.unwrap_or(true),
            max_connections,
            sessions: crate::http::SessionLimits {
                total,
                per_credential,
                idle: std::time::Duration::from_secs(idle as u64),
            },
            user_check_interval,
        })
    }

    /// A count that must be at least 1; `default` when unset.
    fn at_least_one(&mut self, key: &str, value: Option<usize>, default: usize) -> usize {
        match value {
            None => default,
            Some(0) => {
                self.problem(key, "must be at least 1");
                default
            }
            Some(value) => value,
        }
    }

    fn store(&mut self, raw: RawStore) -> StoreSettings {
        let mut url = raw.url.unwrap_or_else(|| "sqlite://gateway.db".to_owned());
        if let Some(file) = url.strip_prefix("sqlite://")
            && !file.starts_with('/')
            && !file.starts_with(':')
        {
            url = format!("sqlite://{}", self.path(Path::new(file)).display());
        }
        if !(url.starts_with("sqlite://")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            self.problem(
                "store.url",
                format!("`{url}` is neither sqlite://PATH nor postgres://…"),
            );
        }
        let encryption_key = self.encryption_key(raw.encryption_key_env, raw.encryption_key_file);
        let default_ms =
            i64::try_from(gw_store::DEFAULT_ACQUIRE_TIMEOUT.as_millis()).expect("the default fits");
        let acquire_timeout_ms = self.count(
            "store.acquire_timeout_ms",
            raw.acquire_timeout_ms,
            default_ms,
            100..=10_000,
        );
        StoreSettings {
            url,
            encryption_key,
            options: gw_store::StoreOptions {
                acquire_timeout: std::time::Duration::from_millis(
                    u64::try_from(acquire_timeout_ms).expect("checked to be positive"),
                ),
            },
        }
    }

    fn telemetry(&mut self, raw: RawTelemetry) -> TelemetrySettings {
        let (key, endpoint) = match raw.otlp_endpoint {
            Some(text) => ("telemetry.otlp_endpoint", Some(text)),
            None => (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                (self.env)("OTEL_EXPORTER_OTLP_ENDPOINT").filter(|v| !v.trim().is_empty()),
            ),
        };
        let otlp_traces_url = endpoint.and_then(|text| match Url::parse(text.trim()) {
            Ok(url) if !url.username().is_empty() || url.password().is_some() => {
                self.problem(
                    key,
                    "must not carry credentials (they would be logged): set OTEL_EXPORTER_OTLP_HEADERS instead",
                );
                None
            }
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Url::parse(&format!("{}/v1/traces", url.as_str().trim_end_matches('/'))).ok()
            }
            _ => {
                self.problem(
                    key,
                    format!("`{text}` is not an http(s) URL of an OTLP/HTTP collector, e.g. http://otel-collector:4318"),
                );
                None
            }
        });
        let service_name = raw.service_name.unwrap_or_else(|| "mcp-gateway".to_owned());
        if service_name.trim().is_empty() || service_name.len() > 200 {
            self.problem("telemetry.service_name", "must be 1–200 characters");
        }
        TelemetrySettings {
            otlp_traces_url,
            service_name,
        }
    }

    fn encryption_key(
        &mut self,
        env: Option<String>,
        file: Option<PathBuf>,
    ) -> Option<secrecy::SecretString> {
        let (key, value) = match (env, file) {
            (None, None) => return None,
            (Some(_), Some(_)) => {
                self.problem(
                    "store.encryption_key_env",
                    "give encryption_key_env or encryption_key_file, not both",
                );
                return None;
            }
            (Some(var), None) => match (self.env)(&var) {
                Some(value) if !value.trim().is_empty() => ("store.encryption_key_env", value),
                _ => {
                    self.problem(
                        "store.encryption_key_env",
                        format!("environment variable `{var}` is not set or is empty"),
                    );
                    return None;
                }
            },
            (None, Some(path)) => match std::fs::read_to_string(self.path(&path)) {
                Ok(value) => ("store.encryption_key_file", value),
                Err(e) => {
                    self.problem(
                        "store.encryption_key_file",
                        format!("cannot read {}: {e}", self.path(&path).display()),
                    );
                    return None;
                }
            },
        };
        match gw_oauth::TokenCipher::from_base64(&value) {
            Ok(_) => Some(secrecy::SecretString::from(value.trim().to_owned())),
            Err(e) => {
                self.problem(key, e.to_string());
                None
            }
        }
    }

    /// A whole number within `range`, or `default` when unset (a problem when out of range).
    pub(super) fn count(
        &mut self,
        key: &str,
        value: Option<i64>,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> i64 {
        match value {
            None => default,
            Some(n) if range.contains(&n) => n,
            Some(n) => {
                self.problem(
                    key,
                    format!(
                        "{n} is out of range: give a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                default
            }
        }
    }

    /// A secret that never lives in the file: a literal `{name}` is refused, and the value is
    /// read from the environment variable that `{name}_env` names or the file `{name}_file`
    /// names, trimmed, never empty. `what` names the secret when neither is given.
    pub(super) fn secret(
        &mut self,
        key: &str,
        name: &str,
        what: &str,
        literal: Option<toml::Value>,
        env: Option<String>,
        file: Option<PathBuf>,
    ) -> Option<secrecy::SecretString> {
        if literal.is_some() {
            self.problem(
                format!("{key}.{name}"),
                format!("secrets are not accepted in the configuration file; put it in an environment variable ({name}_env) or a file ({name}_file)"),
            );
            return None;
        }
        let value = match (env, file) {
            (Some(_), Some(_)) => {
                self.problem(
                    format!("{key}.{name}_env"),
                    format!("give {name}_env or {name}_file, not both"),
                );
                None
            }
            (Some(var), None) => match (self.env)(&var) {
                Some(value) if !value.trim().is_empty() => Some(value),
                _ => {
                    self.problem(
                        format!("{key}.{name}_env"),
                        format!("environment variable `{var}` is not set or is empty"),
                    );
                    None
                }
            },
            (None, Some(path)) => match std::fs::read_to_string(self.path(&path)) {
                Ok(value) if !value.trim().is_empty() => Some(value),
                Ok(_) => {
                    self.problem(
                        format!("{key}.{name}_file"),
                        format!("{} is empty", self.path(&path).display()),
                    );
                    None
                }
                Err(e) => {
                    self.problem(
                        format!("{key}.{name}_file"),
                        format!("cannot read {}: {e}", self.path(&path).display()),
                    );
                    None
                }
            },
            (None, None) => {
                self.problem(
                    format!("{key}.{name}_env"),
                    format!("{what} is required: set {name}_env or {name}_file"),
                );
                None
            }
        };
        value.map(|value| secrecy::SecretString::from(value.trim().to_owned()))
    }

    pub(super) fn required(
        &mut self,
        key: &str,
        field: &str,
        value: Option<String>,
    ) -> Option<String> {
        match value {
            Some(value) if !value.trim().is_empty() => Some(value),
            Some(_) => {
                self.problem(format!("{key}.{field}"), "must not be empty");
                None
            }
            None => {
                self.problem(format!("{key}.{field}"), "is required");
                None
            }
        }
    }
}

pub(crate) fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
