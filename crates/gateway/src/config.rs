//! `gateway.toml`: the documented input types (what operators write) and their conversion into
//! checked settings. Every problem is reported with its key and the reason, all at once, so an
//! operator fixes a file in one pass.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use gw_oauth::{ClientSecret, GrantMode, Scope, ScopeSet, TenantSettings, UserGrant, UserMatch};
use schemars::JsonSchema;
use serde::Deserialize;
use url::Url;

/// The file as written. Required values are `Option` here so that a missing one is reported with
/// the others rather than stopping the parse.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// The HTTP server.
    pub server: Option<RawServer>,
    /// Where connections, keys and audit records are kept.
    pub store: Option<RawStore>,
    /// Trace export to an OpenTelemetry collector.
    pub telemetry: Option<RawTelemetry>,
    /// The authorization server MCP clients register with (`/register`, `/authorize`).
    pub oauth_server: Option<RawOAuthServer>,
    /// The audit log.
    pub audit: Option<RawAudit>,
    /// One table per Auth0 tenant.
    #[serde(default)]
    pub tenants: Vec<RawTenant>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    /// Address to listen on, e.g. `127.0.0.1:8080` (default) or `0.0.0.0:8080`.
    pub listen: Option<String>,
    /// The URL clients and Auth0 reach the gateway at, e.g. `https://mcp.example.com`. Callbacks are built from it.
    pub public_url: Option<String>,
    /// Serve `/mcp` without sessions, so any replica can answer any request (default false).
    pub stateless: Option<bool>,
    /// Extra `Host` values to accept besides public_url's host and loopback (DNS-rebinding protection).
    pub allowed_hosts: Option<Vec<String>>,
    /// Serve the operator portal at /admin (default true; nobody can sign in until an admin key
    /// is made with `mcp-gateway admin create-key`).
    pub portal: Option<bool>,
    /// Connections served at once (default 512); more wait to be accepted. Keep it well under the
    /// process's open-file limit (`ulimit -n`), which the store and the calls to Auth0 share.
    pub max_connections: Option<usize>,
    /// MCP sessions (`/mcp` sessions and legacy `/sse` streams) open at once (default 1000);
    /// each holds about 50 KB. More are refused with 503.
    pub max_sessions: Option<usize>,
    /// MCP sessions one credential may hold open at once (default 64). More are refused with 429.
    pub max_sessions_per_credential: Option<usize>,
    /// An `/mcp` session with no traffic for this many seconds is ended (default 300).
    pub session_idle_seconds: Option<usize>,
    /// How often, in seconds, the user behind a `client_credentials` connection is checked at
    /// Auth0 (blocked or deleted users are suspended), at most once per interval and only when
    /// the connection is used (default 300, from 1 to 86400).
    pub user_check_interval_secs: Option<i64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    /// `sqlite://PATH` (default `sqlite://gateway.db`) or `postgres://…`.
    pub url: Option<String>,
    /// Name of the environment variable holding the key that encrypts tokens at rest (32 bytes,
    /// base64; `mcp-gateway gen-key` makes one). Needed to connect users.
    pub encryption_key_env: Option<String>,
    /// Path of a file holding that key instead.
    pub encryption_key_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTelemetry {
    /// OTLP/HTTP collector base URL (e.g. `http://otel-collector:4318`); spans go to
    /// `{otlp_endpoint}/v1/traces`. Unset: `OTEL_EXPORTER_OTLP_ENDPOINT` if set, else no export.
    pub otlp_endpoint: Option<String>,
    /// `service.name` on every span; default `mcp-gateway`.
    pub service_name: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOAuthServer {
    /// Client registrations one source address may make per hour (default 20; 0 = no limit, e.g.
    /// when a reverse proxy in front limits instead: behind one, every request comes from it).
    pub registrations_per_hour: Option<i64>,
    /// Hours after which a registration that never completed an authorization is removed
    /// (default 24).
    pub unused_registration_hours: Option<i64>,
    /// The header a reverse proxy writes the client's address in (e.g. `x-forwarded-for`): its
    /// last address counts as the source for `registrations_per_hour`. Set only when every
    /// request reaches the gateway through that proxy (default: the TCP peer).
    pub client_address_header: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAudit {
    /// Days that records of refused requests (bad credentials, forged hosts, sign-in states…) are
    /// kept (default 30). Tool calls are kept.
    pub refusal_retention_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTenant {
    /// The tenant's name in the gateway: lowercase letters, digits, `-` and `_`.
    pub name: Option<String>,
    /// The tenant's Auth0 domain, e.g. `my-tenant.us.auth0.com`.
    pub domain: Option<String>,
    /// Overrides `https://{domain}` as the address of the tenant's APIs (private cloud, tests).
    pub base_url: Option<String>,
    /// The Regular Web Application's client ID.
    pub client_id: Option<String>,
    /// Refused: secrets never live in this file. Use `client_secret_env` or `client_secret_file`.
    #[schemars(with = "Option<serde_json::Value>")]
    pub client_secret: Option<toml::Value>,
    /// Name of the environment variable holding the client secret.
    pub client_secret_env: Option<String>,
    /// Path of a file holding the client secret (e.g. a mounted Kubernetes secret).
    pub client_secret_file: Option<PathBuf>,
    /// `client_credentials` (default) or `authorization_code`.
    pub grant: Option<String>,
    /// The scopes the gateway may use on this tenant (from the product's scope list; must include `openid`).
    pub scopes: Option<Vec<String>>,
    /// Offer only tools that read.
    pub read_only: Option<bool>,
    /// Offer only these tools.
    pub allow: Option<Vec<String>>,
    /// Never offer these tools.
    pub deny: Option<Vec<String>>,
    /// `client_credentials` tenants: which connected users get which scopes. A user matching no
    /// entry may connect but is offered no tools.
    pub users: Option<Vec<RawUserGrant>>,
}

/// One `[[tenants.users]]` entry: exactly one of `user_id`, `email`, `email_domain`, and `scopes`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUserGrant {
    /// An Auth0 user id, e.g. `auth0|64b…`.
    pub user_id: Option<String>,
    /// A verified email address.
    pub email: Option<String>,
    /// Every verified email address at this domain, e.g. `example.com`.
    pub email_domain: Option<String>,
    /// What these users get (at most the tenant's scopes).
    pub scopes: Option<Vec<String>>,
}

/// The checked configuration the gateway runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerSettings,
    pub store: StoreSettings,
    pub telemetry: TelemetrySettings,
    pub oauth_server: OAuthServerSettings,
    /// `[oauth_server] unused_registration_hours` and `[audit] refusal_retention_days`.
    pub retention: gw_store::Retention,
    pub tenants: Vec<TenantSettings>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthServerSettings {
    /// Per source address; 0 = no limit.
    pub registrations_per_hour: u32,
    /// Where a trusted reverse proxy writes the client's address; `None`: the TCP peer.
    pub client_address_header: Option<axum::http::HeaderName>,
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
        match &self.encryption_key {
            None => gw_store::Store::open(&self.url).await,
            Some(key) => {
                let cipher = gw_oauth::TokenCipher::from_base64(key.expose_secret())
                    .expect("the key was checked when the configuration was loaded");
                gw_store::Store::open_with_key(&self.url, cipher).await
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
        Checker {
            problems: Vec::new(),
            env: &|name| std::env::var(name).ok(),
            base: &base,
            uses,
        }
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
        Checker {
            problems: Vec::new(),
            env,
            base: Path::new(""),
            uses: Uses::Store,
        }
        .parse(text)
    }

    /// The JSON Schema of `gateway.toml` as written (committed as `gateway.schema.json`, so
    /// editors with a TOML language server can validate and complete the file).
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(RawConfig)).expect("a generated schema is JSON")
    }

    pub fn tenant(&self, name: &str) -> Option<&TenantSettings> {
        self.tenants.iter().find(|t| t.name == name)
    }
}

#[derive(Debug)]
pub enum ParseError {
    Syntax(String),
    Invalid(Vec<Problem>),
}

/// Whether the command being configured opens the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Uses {
    Store,
    NoStore,
}

struct Checker<'a> {
    problems: Vec<Problem>,
    env: &'a dyn Fn(&str) -> Option<String>,
    /// What relative paths are relative to.
    base: &'a Path,
    uses: Uses,
}

impl Checker<'_> {
    fn path(&self, path: &Path) -> PathBuf {
        self.base.join(path)
    }

    fn problem(&mut self, key: impl Into<String>, reason: impl Into<String>) {
        let key = key.into();
        if self.uses == Uses::NoStore && key.starts_with("store.") {
            return;
        }
        self.problems.push(Problem {
            key,
            reason: reason.into(),
        });
    }

    fn parse(self, text: &str) -> Result<Config, ParseError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ParseError::Syntax(e.to_string()))?;
        self.check(raw)
    }

    fn check(mut self, raw: RawConfig) -> Result<Config, ParseError> {
        let server = self.server(raw.server.unwrap_or_default());
        let store = self.store(raw.store.unwrap_or_default());
        let telemetry = self.telemetry(raw.telemetry.unwrap_or_default());
        let oauth_server = raw.oauth_server.unwrap_or_default();
        let registrations_per_hour = self.count(
            "oauth_server.registrations_per_hour",
            oauth_server.registrations_per_hour,
            i64::from(crate::http::DEFAULT_REGISTRATIONS_PER_HOUR),
            0..=100_000,
        );
        let client_address_header = oauth_server.client_address_header.and_then(|name| {
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
        let defaults = gw_store::Retention::default();
        let retention = gw_store::Retention {
            unused_client_secs: self.count(
                "oauth_server.unused_registration_hours",
                oauth_server.unused_registration_hours,
                defaults.unused_client_secs / 3600,
                1..=8760,
            ) * 3600,
            refusal_secs: self.count(
                "audit.refusal_retention_days",
                raw.audit.unwrap_or_default().refusal_retention_days,
                defaults.refusal_secs / 86_400,
                1..=3650,
            ) * 86_400,
        };
        let mut tenants = Vec::new();
        let mut names = HashSet::new();
        for (i, raw) in raw.tenants.into_iter().enumerate() {
            if let Some(tenant) = self.tenant(&format!("tenants[{i}]"), raw) {
                if !names.insert(tenant.name.clone()) {
                    self.problem(
                        format!("tenants[{i}].name"),
                        format!(
                            "`{}` is used by an earlier tenant; names must be unique",
                            tenant.name
                        ),
                    );
                }
                tenants.push(tenant);
            }
        }
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
        match (server, self.problems.is_empty()) {
            (Some(server), true) => Ok(Config {
                server,
                store,
                telemetry,
                oauth_server: OAuthServerSettings {
                    registrations_per_hour: u32::try_from(registrations_per_hour)
                        .unwrap_or(u32::MAX),
                    client_address_header,
                },
                retention,
                tenants,
            }),
            _ => Err(ParseError::Invalid(self.problems)),
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
        StoreSettings {
            url,
            encryption_key,
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

    fn tenant(&mut self, key: &str, raw: RawTenant) -> Option<TenantSettings> {
        let before = self.problems.len();
        let name = self.required(key, "name", raw.name);
        if let Some(name) = &name
            && !valid_tenant_name(name)
        {
            self.problem(format!("{key}.name"), format!("`{name}` must be 1–63 lowercase letters, digits, `-` or `_`, starting with a letter or digit"));
        }
        let domain = self
            .required(key, "domain", raw.domain)
            .and_then(|domain| self.domain(key, domain));
        let base_url = match (&raw.base_url, &domain) {
            (Some(text), _) => self.base_url(key, text),
            (None, Some(domain)) => Url::parse(&format!("https://{domain}")).ok(),
            (None, None) => None,
        };
        let client_id = self.required(key, "client_id", raw.client_id);
        let client_secret = self.secret(
            key,
            raw.client_secret,
            raw.client_secret_env,
            raw.client_secret_file,
        );
        let grant = match raw.grant.as_deref() {
            None | Some("client_credentials") => Some(GrantMode::ClientCredentials),
            Some("authorization_code") => Some(GrantMode::AuthorizationCode),
            Some(other) => {
                self.problem(
                    format!("{key}.grant"),
                    format!("`{other}` is neither `client_credentials` nor `authorization_code`"),
                );
                None
            }
        };
        let scopes = self.scopes(key, raw.scopes);
        let allow = raw
            .allow
            .map(|list| self.tool_names(&format!("{key}.allow"), list));
        let deny = raw
            .deny
            .map(|list| self.tool_names(&format!("{key}.deny"), list))
            .unwrap_or_default();
        let user_policy = match (raw.users, grant, scopes) {
            (None, _, _) => Vec::new(),
            (Some(_), Some(GrantMode::AuthorizationCode), _) => {
                self.problem(
                    format!("{key}.users"),
                    "applies only to client_credentials tenants: with authorization_code each user gets what Auth0 grants their own token",
                );
                Vec::new()
            }
            (Some(users), _, scopes) => self.user_policy(key, users, scopes.unwrap_or_default()),
        };
        if self.problems.len() > before {
            return None;
        }
        Some(TenantSettings {
            name: name?,
            domain: domain?,
            base_url: base_url?,
            client_id: client_id?,
            client_secret: client_secret?,
            grant: grant?,
            scopes: scopes?,
            read_only: raw.read_only.unwrap_or(false),
            allow,
            deny,
            user_policy,
        })
    }

    fn user_policy(
        &mut self,
        key: &str,
        users: Vec<RawUserGrant>,
        tenant_scopes: ScopeSet,
    ) -> Vec<UserGrant> {
        let mut policy = Vec::new();
        for (i, raw) in users.into_iter().enumerate() {
            let key = format!("{key}.users[{i}]");
            let matches = match (raw.user_id, raw.email, raw.email_domain) {
                (Some(id), None, None) => Some(UserMatch::UserId(id)),
                (None, Some(email), None) if email.contains('@') => Some(UserMatch::Email(email)),
                (None, Some(email), None) => {
                    self.problem(
                        format!("{key}.email"),
                        format!("`{email}` is not an email address"),
                    );
                    None
                }
                (None, None, Some(domain))
                    if gw_oauth::is_hostname(domain.trim_start_matches('@')) =>
                {
                    Some(UserMatch::EmailDomain(
                        domain.trim_start_matches('@').to_owned(),
                    ))
                }
                (None, None, Some(domain)) => {
                    self.problem(
                        format!("{key}.email_domain"),
                        format!("`{domain}` is not a domain, e.g. example.com"),
                    );
                    None
                }
                _ => {
                    self.problem(
                        key.clone(),
                        "give exactly one of user_id, email or email_domain",
                    );
                    None
                }
            };
            let scopes = match raw.scopes {
                None => {
                    self.problem(
                        format!("{key}.scopes"),
                        "is required: list what these users get",
                    );
                    None
                }
                Some(names) => match ScopeSet::parse_list(&names.join(",")) {
                    Err(e) => {
                        self.problem(format!("{key}.scopes"), e.to_string());
                        None
                    }
                    Ok(set) if !set.difference(tenant_scopes).is_empty() => {
                        self.problem(
                            format!("{key}.scopes"),
                            format!(
                                "{} not in the tenant's scopes",
                                set.difference(tenant_scopes).names().join(", ")
                            ),
                        );
                        None
                    }
                    Ok(set) => Some(set),
                },
            };
            if let (Some(matches), Some(scopes)) = (matches, scopes) {
                policy.push(UserGrant { matches, scopes });
            }
        }
        policy
    }

    /// A whole number within `range`, or `default` when unset (a problem when out of range).
    fn count(
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

    fn required(&mut self, key: &str, field: &str, value: Option<String>) -> Option<String> {
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

    fn domain(&mut self, key: &str, domain: String) -> Option<String> {
        if gw_oauth::is_hostname(&domain) {
            Some(domain.to_ascii_lowercase())
        } else {
            self.problem(
                format!("{key}.domain"),
                format!("`{domain}` is not a hostname; give the tenant's domain as shown in Auth0, e.g. my-tenant.us.auth0.com (no https://, no path)"),
            );
            None
        }
    }

    fn base_url(&mut self, key: &str, text: &str) -> Option<Url> {
        match Url::parse(text) {
            Ok(url) if url.scheme() == "https" && url.host().is_some() => Some(url),
            Ok(url) if url.scheme() == "http" && is_loopback_host(&url) => Some(url),
            Ok(url) if url.scheme() == "http" => {
                self.problem(
                    format!("{key}.base_url"),
                    "must be https unless the host is loopback: tokens travel over it",
                );
                None
            }
            _ => {
                self.problem(
                    format!("{key}.base_url"),
                    format!("`{text}` is not an http(s) URL"),
                );
                None
            }
        }
    }

    fn secret(
        &mut self,
        key: &str,
        literal: Option<toml::Value>,
        env: Option<String>,
        file: Option<PathBuf>,
    ) -> Option<ClientSecret> {
        if literal.is_some() {
            self.problem(
                format!("{key}.client_secret"),
                "secrets are not accepted in the configuration file; put it in an environment variable (client_secret_env) or a file (client_secret_file)",
            );
            return None;
        }
        match (env, file) {
            (Some(_), Some(_)) => {
                self.problem(
                    format!("{key}.client_secret_env"),
                    "give client_secret_env or client_secret_file, not both",
                );
                None
            }
            (Some(var), None) => match (self.env)(&var) {
                Some(value) if !value.trim().is_empty() => Some(ClientSecret::new(value.trim())),
                _ => {
                    self.problem(
                        format!("{key}.client_secret_env"),
                        format!("environment variable `{var}` is not set or is empty"),
                    );
                    None
                }
            },
            (None, Some(path)) => match std::fs::read_to_string(self.path(&path)) {
                Ok(value) if !value.trim().is_empty() => Some(ClientSecret::new(value.trim())),
                Ok(_) => {
                    self.problem(
                        format!("{key}.client_secret_file"),
                        format!("{} is empty", self.path(&path).display()),
                    );
                    None
                }
                Err(e) => {
                    self.problem(
                        format!("{key}.client_secret_file"),
                        format!("cannot read {}: {e}", self.path(&path).display()),
                    );
                    None
                }
            },
            (None, None) => {
                self.problem(
                    format!("{key}.client_secret_env"),
                    "the client secret is required: set client_secret_env or client_secret_file",
                );
                None
            }
        }
    }

    fn scopes(&mut self, key: &str, scopes: Option<Vec<String>>) -> Option<ScopeSet> {
        let Some(scopes) = scopes else {
            self.problem(
                format!("{key}.scopes"),
                "is required: list the scopes the gateway may use on this tenant",
            );
            return None;
        };
        let mut set = ScopeSet::EMPTY;
        let mut ok = true;
        for (i, name) in scopes.iter().enumerate() {
            match name.parse::<Scope>() {
                Ok(scope) => set.insert(scope),
                Err(e) => {
                    self.problem(format!("{key}.scopes[{i}]"), e.to_string());
                    ok = false;
                }
            }
        }
        if ok && !set.contains(Scope::Openid) {
            self.problem(
                format!("{key}.scopes"),
                "must include `openid`: every connection identifies its user with OpenID Connect",
            );
            ok = false;
        }
        ok.then_some(set)
    }

    fn tool_names(&mut self, key: &str, names: Vec<String>) -> Vec<String> {
        for (i, name) in names.iter().enumerate() {
            if gw_mcp::catalog().get(name).is_none() {
                self.problem(
                    format!("{key}[{i}]"),
                    format!("`{name}` is not a tool; `mcp-gateway tools` lists them"),
                );
            }
        }
        names
    }
}

/// A tenant name: it appears in URLs (`/connect/NAME`) and audit records.
pub(crate) fn valid_tenant_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_')
}

pub(crate) fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "DEMO_SECRET").then(|| "s3cret".to_owned())
    }

    fn problems(text: &str) -> Vec<String> {
        match Config::parse(text, &env) {
            Err(ParseError::Invalid(problems)) => {
                problems.iter().map(ToString::to_string).collect()
            }
            other => panic!("expected problems, got {other:?}"),
        }
    }

    const GOOD: &str = r#"
        [[tenants]]
        name = "demo"
        domain = "demo.us.auth0.com"
        client_id = "abc"
        client_secret_env = "DEMO_SECRET"
        scopes = ["openid", "read:users"]
    "#;

    #[test]
    fn a_minimal_tenant_loads_with_defaults() {
        let config = Config::parse(GOOD, &env).unwrap();
        let tenant = config.tenant("demo").unwrap();
        assert_eq!(tenant.base_url.as_str(), "https://demo.us.auth0.com/");
        assert_eq!(tenant.grant, GrantMode::ClientCredentials);
        assert_eq!(tenant.client_secret.expose_secret(), "s3cret");
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn the_store_location_shown_to_people_never_carries_a_password() {
        for (url, shown) in [
            ("sqlite:///var/lib/gw/gateway.db", "/var/lib/gw/gateway.db"),
            (
                "postgres://gw:hunter2@db.internal:5432/gw",
                "postgres://gw:***@db.internal:5432/gw",
            ),
            (
                "postgres://gw@db.internal/gw",
                "postgres://gw@db.internal/gw",
            ),
        ] {
            let store = StoreSettings {
                url: url.to_owned(),
                encryption_key: None,
            };
            assert_eq!(store.location(), shown);
        }
    }

    #[test]
    fn connection_and_session_limits_have_defaults_and_are_checked_by_key() {
        let config = Config::parse(GOOD, &env).unwrap();
        assert_eq!(config.server.max_connections, 512);
        assert_eq!(
            config.server.sessions,
            crate::http::SessionLimits::default()
        );

        let set = format!(
            "[server]\nmax_connections = 64\nmax_sessions = 100\nmax_sessions_per_credential = 5\nsession_idle_seconds = 60\n{GOOD}"
        );
        let config = Config::parse(&set, &env).unwrap();
        assert_eq!(config.server.max_connections, 64);
        assert_eq!(
            config.server.sessions,
            crate::http::SessionLimits {
                total: 100,
                per_credential: 5,
                idle: std::time::Duration::from_secs(60),
            }
        );

        let bad = format!(
            "[server]\nmax_connections = 0\nmax_sessions = 10\nmax_sessions_per_credential = 11\n{GOOD}"
        );
        let problems = problems(&bad);
        assert_eq!(
            problems,
            [
                "server.max_connections: must be at least 1",
                "server.max_sessions_per_credential: 11 is more than server.max_sessions (10)"
            ]
        );
    }

    #[test]
    fn otlp_export_is_off_unless_an_endpoint_is_set_in_the_file_or_the_environment() {
        let config = Config::parse(GOOD, &env).unwrap();
        assert_eq!(config.telemetry.otlp_traces_url, None);
        assert_eq!(config.telemetry.service_name, "mcp-gateway");

        let text = format!(
            "[telemetry]\notlp_endpoint = \"http://collector:4318/\"\nservice_name = \"gw-eu\"\n{GOOD}"
        );
        let config = Config::parse(&text, &env).unwrap();
        assert_eq!(
            config.telemetry.otlp_traces_url.unwrap().as_str(),
            "http://collector:4318/v1/traces"
        );
        assert_eq!(config.telemetry.service_name, "gw-eu");

        let from_env = |name: &str| match name {
            "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("https://otel.example.com".to_owned()),
            other => env(other),
        };
        let config = Config::parse(GOOD, &from_env).unwrap();
        assert_eq!(
            config.telemetry.otlp_traces_url.unwrap().as_str(),
            "https://otel.example.com/v1/traces"
        );
    }

    #[test]
    fn a_bad_otlp_endpoint_is_refused_by_key() {
        let text = format!("[telemetry]\notlp_endpoint = \"collector:4318\"\n{GOOD}");
        assert!(
            problems(&text)[0]
                .starts_with("telemetry.otlp_endpoint: `collector:4318` is not an http(s) URL")
        );
        let text =
            format!("[telemetry]\notlp_endpoint = \"https://user:pw@otel.example.com\"\n{GOOD}");
        let found = problems(&text);
        assert!(found[0].contains("must not carry credentials"), "{found:?}");
        assert!(!found[0].contains("pw@"), "{found:?}");
    }

    #[test]
    fn a_literal_secret_is_refused_by_key() {
        let text = GOOD.replace(
            "client_secret_env = \"DEMO_SECRET\"",
            "client_secret = \"hunter2\"",
        );
        let problems = problems(&text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("tenants[0].client_secret: secrets are not accepted"),
            "{problems:?}"
        );
        assert!(!problems[0].contains("hunter2"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = r#"
            [server]
            listen = "nowhere"
            [[tenants]]
            name = "Bad Name"
            domain = "https://manage.auth0.com/dashboard/us/x"
            client_secret_env = "MISSING"
            scopes = ["read:users", "write:all"]
            deny = ["auth0_nuke"]
        "#;
        let problems = problems(text);
        let keys: Vec<&str> = problems
            .iter()
            .map(|p| p.split(':').next().unwrap())
            .collect();
        for key in [
            "server.listen",
            "tenants[0].name",
            "tenants[0].domain",
            "tenants[0].client_id",
            "tenants[0].client_secret_env",
            "tenants[0].scopes[1]",
            "tenants[0].deny[0]",
        ] {
            assert!(keys.contains(&key), "{key} missing from {problems:#?}");
        }
    }

    #[test]
    fn the_user_check_interval_defaults_to_five_minutes_and_is_bounded_by_key() {
        let config = Config::parse(GOOD, &env).unwrap();
        assert_eq!(
            config.server.user_check_interval,
            std::time::Duration::from_secs(300)
        );
        let text = format!("[server]\nuser_check_interval_secs = 60\n{GOOD}");
        let config = Config::parse(&text, &env).unwrap();
        assert_eq!(
            config.server.user_check_interval,
            std::time::Duration::from_secs(60)
        );
        for bad in ["0", "-5", "86401"] {
            let text = format!("[server]\nuser_check_interval_secs = {bad}\n{GOOD}");
            let found = problems(&text);
            assert!(
                found[0].starts_with("server.user_check_interval_secs:"),
                "{bad}: {found:?}"
            );
        }
    }

    #[test]
    fn registration_and_retention_limits_have_defaults_and_are_checked_by_key() {
        let config = Config::parse(GOOD, &env).unwrap();
        assert_eq!(config.oauth_server.registrations_per_hour, 20);
        assert_eq!(config.retention, gw_store::Retention::default());
        let text = format!(
            "[oauth_server]\nregistrations_per_hour = 0\nunused_registration_hours = 2\nclient_address_header = \"X-Forwarded-For\"\n[audit]\nrefusal_retention_days = 7\n{GOOD}"
        );
        let config = Config::parse(&text, &env).unwrap();
        assert_eq!(config.oauth_server.registrations_per_hour, 0);
        assert_eq!(config.retention.unused_client_secs, 7200);
        assert_eq!(config.retention.refusal_secs, 7 * 86_400);
        assert_eq!(
            config.oauth_server.client_address_header.unwrap(),
            "x-forwarded-for"
        );
        let text = format!(
            "[oauth_server]\nregistrations_per_hour = -1\nunused_registration_hours = 0\nclient_address_header = \"bad header\"\n[audit]\nrefusal_retention_days = 99999\n{GOOD}"
        );
        let found = problems(&text);
        let keys: Vec<&str> = found.iter().map(|p| p.split(':').next().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "oauth_server.registrations_per_hour",
                "oauth_server.client_address_header",
                "oauth_server.unused_registration_hours",
                "audit.refusal_retention_days"
            ],
            "{found:#?}"
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = format!("{GOOD}\nclient_secrte = \"typo\"");
        assert!(
            matches!(Config::parse(&text, &env), Err(ParseError::Syntax(message)) if message.contains("client_secrte"))
        );
    }

    #[test]
    fn plain_http_base_urls_are_refused_off_loopback() {
        let text = GOOD.replace("scopes", "base_url = \"http://auth.example.com\"\nscopes");
        assert!(problems(&text)[0].starts_with("tenants[0].base_url: must be https"));
        let text = GOOD.replace("scopes", "base_url = \"http://127.0.0.1:4010\"\nscopes");
        assert!(Config::parse(&text, &env).is_ok());
    }

    #[test]
    fn openid_is_required() {
        let text = GOOD.replace("[\"openid\", \"read:users\"]", "[\"read:users\"]");
        assert!(problems(&text)[0].contains("must include `openid`"));
    }

    #[test]
    fn user_policy_entries_are_checked_by_key() {
        let text = format!(
            "{GOOD}\n[[tenants.users]]\nemail_domain = \"example.com\"\nscopes = [\"read:users\"]\n\
             [[tenants.users]]\nemail = \"ops@example.com\"\nuser_id = \"auth0|1\"\nscopes = [\"read:users\"]\n\
             [[tenants.users]]\nuser_id = \"auth0|2\"\nscopes = [\"delete:users\"]\n"
        );
        let problems = problems(&text);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].starts_with("tenants[0].users[1]: give exactly one of"),
            "{problems:#?}"
        );
        assert!(
            problems[1]
                .starts_with("tenants[0].users[2].scopes: delete:users not in the tenant's scopes"),
            "{problems:#?}"
        );

        let text = format!(
            "{GOOD}\n[[tenants.users]]\nemail_domain = \"@example.com\"\nscopes = [\"read:users\"]\n"
        );
        let config = Config::parse(&text, &env).unwrap();
        assert_eq!(
            config.tenant("demo").unwrap().user_policy,
            vec![UserGrant {
                matches: UserMatch::EmailDomain("example.com".into()),
                scopes: ScopeSet::from_slice(&[Scope::ReadUsers]),
            }]
        );
    }

    #[test]
    fn authorization_code_tenants_need_an_encryption_key_and_take_no_user_policy() {
        let text = GOOD.replace("scopes =", "grant = \"authorization_code\"\nscopes =");
        let problems_found = problems(&text);
        assert!(
            problems_found[0]
                .starts_with("store.encryption_key_env: tenant `demo` uses authorization_code"),
            "{problems_found:#?}"
        );
        let text = format!(
            "[store]\nencryption_key_env = \"STORE_KEY\"\n{}\n[[tenants.users]]\nuser_id = \"x\"\nscopes = [\"openid\"]\n",
            GOOD.replace("scopes =", "grant = \"authorization_code\"\nscopes =")
        );
        let key = gw_oauth::TokenCipher::generate_key();
        let env = |name: &str| match name {
            "DEMO_SECRET" => Some("s3cret".to_owned()),
            "STORE_KEY" => Some(key.clone()),
            _ => None,
        };
        let Err(ParseError::Invalid(found)) = Config::parse(&text, &env) else {
            panic!("a user policy on an authorization_code tenant must be refused");
        };
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].key, "tenants[0].users");
    }

    #[test]
    fn a_malformed_encryption_key_is_refused_without_echoing_it() {
        let text = format!("[store]\nencryption_key_env = \"STORE_KEY\"\n{GOOD}");
        let env = |name: &str| match name {
            "DEMO_SECRET" => Some("s3cret".to_owned()),
            "STORE_KEY" => Some("c2hvcnQ=".to_owned()),
            _ => None,
        };
        let Err(ParseError::Invalid(found)) = Config::parse(&text, &env) else {
            panic!("a 5-byte key must be refused");
        };
        let message = found[0].to_string();
        assert!(
            message.starts_with("store.encryption_key_env: the encryption key is not valid"),
            "{message}"
        );
        assert!(!message.contains("c2hvcnQ="), "{message}");
    }
}
