//! `gateway.toml` as operators write it: the documented input types, from which the JSON Schema
//! (`gateway.schema.json`) is generated. Nothing here is checked; `check.rs` does that.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Deserialize;

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
    /// How approvers hear of tool calls waiting for their approval.
    pub approvals: Option<RawApprovals>,
    /// Where the tenants' limits (`[[tenants.limits]]`) are counted.
    pub limits: Option<RawLimits>,
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
    /// Milliseconds a request waits for a store connection before it is refused with 503 and
    /// `Retry-After` (default 1500, 100–10000): during a store outage requests fail this fast.
    pub acquire_timeout_ms: Option<i64>,
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
    /// Accept MCP clients that name themselves by the https URL of a Client ID Metadata Document
    /// instead of registering (default true): the gateway fetches the document at
    /// authorization time.
    pub client_metadata_documents: Option<bool>,
    /// Accept metadata documents only from these hosts, e.g. `["claude.ai"]` (default: any host
    /// on a public address).
    pub client_metadata_hosts: Option<Vec<String>>,
    /// Hosts whose metadata documents may be on private, loopback or link-local addresses, e.g.
    /// an internal client's (default none: such fetches are refused, the gateway will not be sent
    /// into its own network by a stranger's URL).
    pub client_metadata_private_hosts: Option<Vec<String>>,
    /// A PEM file of CA certificates trusted for metadata documents besides the system's, e.g.
    /// the internal CA of a host in `client_metadata_private_hosts`. Relative to this file.
    pub client_metadata_ca_file: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAudit {
    /// Days that records of refused requests (bad credentials, forged hosts, sign-in states…) are
    /// kept (default 30). Tool calls are kept.
    pub refusal_retention_days: Option<i64>,
    /// Directory of this process's audit journal, where every record is kept (fsync'd) before
    /// it goes to the store and until the store has it: a store outage or a crash loses none.
    /// Relative to this file; default `audit-journal` beside it. One per process: replicas need
    /// their own (a local disk, e.g. a Kubernetes emptyDir).
    pub journal_dir: Option<PathBuf>,
    /// Largest size of the journal in MiB (default 256, from 1 to 1048576). A full journal
    /// refuses tool calls until the store takes records again.
    pub journal_max_mb: Option<i64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApprovals {
    /// Seconds (0–25) a tool call held for approval waits for the decision, sending progress
    /// notifications, when its client asked for progress (sent a progress token); 0 (default)
    /// answers at once with the request id.
    pub wait_seconds: Option<i64>,
    /// Minutes (1–60, default 5) that a user's sign-in with MFA, asked for by a `step_up` rule,
    /// lets their `step_up` calls run before they must sign in again.
    pub step_up_minutes: Option<i64>,
    /// Where each approval request and decision is POSTed as signed JSON with a Slack-compatible
    /// `text` (a Slack incoming webhook URL works as-is). https unless the host is loopback.
    /// Unset: no webhook.
    pub webhook_url: Option<String>,
    /// Refused: secrets never live in this file. Use `webhook_secret_env` or `webhook_secret_file`.
    #[schemars(with = "Option<serde_json::Value>")]
    pub webhook_secret: Option<toml::Value>,
    /// Name of the environment variable holding the key that signs deliveries
    /// (`x-gateway-signature`, HMAC-SHA256; at least 32 characters). Required with webhook_url.
    pub webhook_secret_env: Option<String>,
    /// Path of a file holding that key instead.
    pub webhook_secret_file: Option<PathBuf>,
    /// Seconds one delivery attempt may take (default 10, from 1 to 60).
    pub timeout_seconds: Option<i64>,
    /// Attempts per notice before it is given up (default 5, from 1 to 10).
    pub max_attempts: Option<i64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// `redis://HOST:PORT/DB` (or `rediss://` for TLS): the limits' counters are kept there and
    /// shared by every replica. Unset: each process counts in its own memory (right for one
    /// process; N replicas would each allow the limit).
    pub redis_url: Option<String>,
    /// What calls that a limit covers do while Redis cannot be reached: `closed` (default:
    /// refused, so an outage does not let a runaway caller loose) or `open` (run uncounted,
    /// with a warning and `mcp_limit_store_unavailable_total`).
    pub on_redis_down: Option<String>,
    /// Milliseconds a call waits for Redis before it counts as unreachable (default 250, from
    /// 10 to 5000).
    pub redis_timeout_ms: Option<i64>,
    /// Put before every key the gateway writes in Redis (default `mcp-gateway:limits:`), so
    /// several gateways can share one Redis.
    pub key_prefix: Option<String>,
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
    /// Tool policies, in order: the first rule matching a call decides it (allow, deny, confirm,
    /// approve, step_up); no match leaves the call to scopes. A policy never grants what scopes do not.
    pub policies: Option<Vec<gw_policy::RuleSpec>>,
    /// Data protection: personal data in tool results masked (redact, partial, drop) or given as
    /// pseudonyms the model may pass back. Every rule that applies to a call is applied.
    pub masking: Option<Vec<gw_policy::MaskingSpec>>,
    /// Limits: how many calls of which tools each caller (or the whole tenant) may make per
    /// window. Every limit that covers a call counts it, and all must allow it.
    pub limits: Option<Vec<gw_policy::LimitSpec>>,
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
