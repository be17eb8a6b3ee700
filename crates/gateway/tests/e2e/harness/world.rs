//! What a test's gateway runs against, described once by [`Builder`] and made by
//! [`Builder::build`]: a fake Auth0 tenant per configured tenant, a store in a temporary directory
//! (or a PostgreSQL schema) with its encryption key, and the `gateway.toml` saying all of it. The
//! same [`World`] then starts the gateway in this process ([`World::in_process`]), as the real
//! binary serving HTTP ([`World::serve`]) or over stdio ([`World::stdio`]), as often as a test
//! needs (a restart keeps the store, the key and the fake tenants).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fake_auth0::{FakeAuth0, FakeConfig, RegisteredClient, RunningFake, UserGrants};
use gw_oauth::{
    ClientSecret, GrantMode, ScopeSet, TenantSettings, TokenCipher, UserGrant, UserMatch,
};
use gw_store::Store;
use mcp_gateway::http::SessionLimits;
use mcp_gateway::http::listener::Limits;

use super::{CLIENT_ID, CLIENT_SECRET, SECRET_ENV, STORE_KEY_ENV};

/// A [`World`] to be: what differs from the defaults (one tenant `acme` with every scope and the
/// machine token, on SQLite with a key, no portal).
pub struct Builder {
    pub(super) tenants: Vec<String>,
    pub(super) grant: GrantMode,
    pub(super) scopes: ScopeSet,
    pub(super) read_only: bool,
    pub(super) deny: Vec<String>,
    pub(super) user_policy: Vec<UserGrant>,
    pub(super) machine_token_scopes: Vec<String>,
    pub(super) callback_registered: bool,
    pub(super) portal: bool,
    pub(super) store_key: bool,
    pub(super) postgres: bool,
    pub(super) store_proxy: bool,
    pub(super) store_options: gw_store::StoreOptions,
    pub(super) stateless: bool,
    pub(super) sessions: SessionLimits,
    pub(super) registrations_per_hour: u32,
    pub(super) user_check_interval: Duration,
    pub(super) limits: Limits,
    pub(super) rust_log: String,
    pub(super) env: Vec<(String, String)>,
    pub(super) toml: String,
    pub(super) policies: String,
    pub(super) approval_webhook: Option<url::Url>,
    pub(super) approval_wait: Duration,
    pub(super) journal_max_bytes: u64,
    pub(super) client_metadata: mcp_gateway::client_metadata::MetadataSettings,
    pub(super) redis_limits: Option<mcp_gateway::config::RedisLimits>,
}

/// Starts describing a world: `harness::world().grant(…).build().await`.
pub fn world() -> Builder {
    Builder {
        tenants: vec!["acme".to_owned()],
        grant: GrantMode::ClientCredentials,
        scopes: ScopeSet::all(),
        read_only: false,
        deny: Vec::new(),
        user_policy: Vec::new(),
        machine_token_scopes: fake_auth0::all_management_scopes(),
        callback_registered: true,
        portal: false,
        store_key: true,
        postgres: false,
        store_proxy: false,
        store_options: gw_store::StoreOptions::default(),
        stateless: false,
        sessions: SessionLimits::default(),
        registrations_per_hour: mcp_gateway::http::DEFAULT_REGISTRATIONS_PER_HOUR,
        user_check_interval: mcp_gateway::user_check::DEFAULT_INTERVAL,
        limits: Limits::default(),
        rust_log: "warn".to_owned(),
        env: Vec::new(),
        toml: String::new(),
        policies: String::new(),
        approval_webhook: None,
        approval_wait: Duration::ZERO,
        journal_max_bytes: 64 * 1024 * 1024,
        client_metadata: Default::default(),
        redis_limits: None,
    }
}

impl Builder {
    /// The tenants of `gateway.toml`. The first is served by [`World::fake`]; each other one by a
    /// fake tenant of its own at `{name}-tenant.eu.auth0.com` ([`World::fake_of`]), so a request
    /// reaching the wrong one shows.
    pub fn tenants(mut self, names: &[&str]) -> Builder {
        self.tenants = names.iter().map(|n| (*n).to_owned()).collect();
        self
    }

    /// How every tenant acts at Auth0. With users' own tokens the fake tenants grant users every
    /// scope they ask for, which real Auth0 does not: what is tested is what the gateway does with
    /// users' tokens (`check_online.rs` and the fake's own tests cover what Auth0 grants).
    pub fn grant(mut self, grant: GrantMode) -> Builder {
        self.grant = grant;
        self
    }

    /// The tenants' `scopes` (a comma-separated list).
    pub fn scopes(mut self, list: &str) -> Builder {
        self.scopes = ScopeSet::parse_list(list).unwrap();
        self
    }

    /// `read_only = true` for every tenant.
    pub fn read_only(mut self) -> Builder {
        self.read_only = true;
        self
    }

    /// The tenants' `deny` list.
    pub fn deny(mut self, tools: &[&str]) -> Builder {
        self.deny = tools.iter().map(|t| (*t).to_owned()).collect();
        self
    }

    /// In process: how long a call held for approval waits for the decision (`[approvals]
    /// wait_seconds`).
    pub fn approval_wait(mut self, wait: Duration) -> Builder {
        self.approval_wait = wait;
        self
    }

    /// In process: the audit journal's bound in bytes (`[audit] journal_max_mb`, finer).
    pub fn journal_max_bytes(mut self, bytes: u64) -> Builder {
        self.journal_max_bytes = bytes;
        self
    }

    /// The first tenant's `[[tenants.policies]]`, as written in `gateway.toml`.
    pub fn policies(mut self, toml: &str) -> Builder {
        self.policies = toml.to_owned();
        self
    }

    /// The tenants' `[[tenants.users]]`: who may connect with the machine token, and what they get.
    /// Approval notices go to `url`, signed with [`super::WEBHOOK_SECRET`] (in-process gateways
    /// only), tried once.
    pub fn approval_webhook(mut self, url: url::Url) -> Builder {
        self.approval_webhook = Some(url);
        self
    }

    pub fn user_policy(mut self, policy: Vec<UserGrant>) -> Builder {
        self.user_policy = policy;
        self
    }

    /// A user policy letting the fake's login user, auth0|admin, have every scope.
    pub fn admin_has_every_scope(self) -> Builder {
        self.user_policy(vec![UserGrant {
            matches: gw_oauth::UserMatch::UserId("auth0|admin".into()),
            scopes: ScopeSet::all(),
        }])
    }

    /// What Auth0 grants the gateway's machine token (Auth0 scope names; default: everything).
    pub fn machine_token_scopes(mut self, scopes: Vec<String>) -> Builder {
        self.machine_token_scopes = scopes;
        self
    }

    /// The gateway's application at Auth0 lacks the gateway's callback URL (as one made before
    /// the operator pasted it).
    pub fn without_callback(mut self) -> Builder {
        self.callback_registered = false;
        self
    }

    /// The operator portal on. The fake tenant also holds the applications an operator may get
    /// wrong, and in this process the domains the portal's checks meet are mapped to loopback
    /// (see `portal.rs`).
    pub fn portal(mut self) -> Builder {
        self.portal = true;
        self
    }

    /// A store without an encryption key: agent keys work, users cannot connect.
    pub fn without_store_key(mut self) -> Builder {
        self.store_key = false;
        self
    }

    /// The store in a fresh schema of the PostgreSQL server `GATEWAY_TEST_POSTGRES` names.
    pub fn postgres(mut self) -> Builder {
        self.postgres = true;
        self
    }

    /// The store on PostgreSQL (as [`Builder::postgres`]) reached through a proxy the test can
    /// cut and restore ([`World::store_proxy`]).
    pub fn postgres_through_proxy(mut self) -> Builder {
        self.postgres = true;
        self.store_proxy = true;
        self
    }

    /// `[store] acquire_timeout_ms`.
    pub fn store_acquire_timeout(mut self, timeout: Duration) -> Builder {
        self.store_options.acquire_timeout = timeout;
        self
    }

    /// `[server] stateless = true`: no MCP sessions.
    pub fn stateless(mut self) -> Builder {
        self.stateless = true;
        self
    }

    /// `[server] max_sessions`, `max_sessions_per_credential` and `session_idle_seconds`.
    pub fn sessions(mut self, limits: SessionLimits) -> Builder {
        self.sessions = limits;
        self
    }

    /// In this process only: `[oauth_server] client_metadata_*`, which metadata documents are
    /// accepted (default: any on a public address).
    pub fn client_metadata(
        mut self,
        settings: mcp_gateway::client_metadata::MetadataSettings,
    ) -> Builder {
        self.client_metadata = settings;
        self
    }

    /// `[oauth_server] registrations_per_hour`.
    pub fn registrations_per_hour(mut self, per_hour: u32) -> Builder {
        self.registrations_per_hour = per_hour;
        self
    }

    /// In this process only: how often a machine-token connection's user is checked at Auth0
    /// (zero, which `gateway.toml` does not allow: at every use, so a test sees a change at once).
    pub fn user_check_interval(mut self, interval: Duration) -> Builder {
        self.user_check_interval = interval;
        self
    }

    /// In this process only: the listener's deadlines and connection cap.
    pub fn limits(mut self, limits: Limits) -> Builder {
        self.limits = limits;
        self
    }

    /// In this process only: the tenants' limits are counted in Redis (each gateway started
    /// is a replica with its own connection), not in each gateway's memory.
    pub fn redis_limits(mut self, redis: mcp_gateway::config::RedisLimits) -> Builder {
        self.redis_limits = Some(redis);
        self
    }

    /// The real binary only: its `RUST_LOG` (default `warn`; its stderr goes to a file).
    pub fn rust_log(mut self, filter: &str) -> Builder {
        self.rust_log = filter.to_owned();
        self
    }

    /// The real binary only: one more variable in its environment.
    pub fn env(mut self, name: &str, value: &str) -> Builder {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The real binary only: more lines for `gateway.toml`'s `[server]` table (they may open
    /// further tables, e.g. `[telemetry]`).
    pub fn toml(mut self, lines: &str) -> Builder {
        self.toml = lines.to_owned();
        self
    }

    /// Starts the fake tenants and writes `gateway.toml`.
    pub async fn build(self) -> World {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let user_grants = match self.grant {
            GrantMode::AuthorizationCode => UserGrants::AllRequestedUnlikeAuth0,
            GrantMode::ClientCredentials => UserGrants::LikeAuth0,
        };
        let portal_applications = if self.portal {
            super::portal::applications()
        } else {
            Vec::new()
        };
        let fake = self
            .fake(
                fake_auth0::DEFAULT_DOMAIN,
                user_grants.clone(),
                portal_applications,
            )
            .await;
        let mut others = HashMap::new();
        for name in self.tenants.iter().skip(1) {
            let domain = format!("{name}-tenant.eu.auth0.com");
            let other = self.fake(&domain, user_grants.clone(), Vec::new()).await;
            others.insert(name.clone(), other);
        }
        let portal = if self.portal {
            Some(super::portal::PortalUpstream::start(&fake).await)
        } else {
            None
        };
        let dir = tempfile::tempdir().unwrap();
        let (store_url, store_proxy) = if self.postgres {
            let url = super::postgres::fresh_schema(&super::postgres::required()).await;
            if self.store_proxy {
                let proxy = super::store_proxy::StoreProxy::start(server_address(&url).await).await;
                (proxy.route(&url), Some(proxy))
            } else {
                (url, None)
            }
        } else {
            (
                format!("sqlite://{}", dir.path().join("gateway.db").display()),
                None,
            )
        };
        let world = World {
            fake,
            others,
            key: TokenCipher::generate_key(),
            store_url,
            store_proxy,
            port: free_port(),
            portal,
            builder: self,
            dir,
        };
        std::fs::write(world.config(), world.gateway_toml(world.port)).unwrap();
        world
    }

    /// Builds the world and starts a gateway in this process over it.
    pub async fn in_process(self) -> (World, super::InProcess) {
        let world = self.build().await;
        let gateway = world.in_process().await;
        (world, gateway)
    }

    /// Builds the world and starts `stdio` for its first tenant.
    pub async fn stdio(self) -> (World, super::Stdio) {
        let world = self.build().await;
        let gateway = world.stdio().await;
        (world, gateway)
    }

    /// A fake tenant at `domain` with the gateway's application ([`CLIENT_ID`]) and `more`.
    async fn fake(
        &self,
        domain: &str,
        user_grants: UserGrants,
        more: Vec<RegisteredClient>,
    ) -> RunningFake {
        let gateway = RegisteredClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            name: "MCP Gateway".into(),
            callbacks: if self.callback_registered {
                fake_auth0::default_callbacks()
            } else {
                Vec::new()
            },
            management_scopes: self.machine_token_scopes.clone(),
        };
        let config = FakeConfig {
            domain: domain.to_owned(),
            user_grants,
            clients: std::iter::once(gateway).chain(more).collect(),
            ..FakeConfig::default()
        };
        FakeAuth0::new(config)
            .serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
            .await
            .unwrap()
    }
}

/// The fake tenants, the store and `gateway.toml` of one test; see the module's documentation.
pub struct World {
    /// The first tenant's Auth0 (and the portal's).
    pub fake: RunningFake,
    others: HashMap<String, RunningFake>,
    /// The store's encryption key (base64); a test that rekeys the store sets the new one.
    pub key: String,
    store_url: String,
    /// Between the gateway and PostgreSQL, when the builder asked for it.
    store_proxy: Option<super::store_proxy::StoreProxy>,
    /// Where the real binary listens (the same port on every start, as an operator's would).
    port: u16,
    pub(super) portal: Option<super::portal::PortalUpstream>,
    pub(super) builder: Builder,
    pub(super) dir: tempfile::TempDir,
}

impl World {
    /// What the first tenant's Auth0 has answered so far.
    pub fn stats(&self) -> fake_auth0::Stats {
        self.fake.fake.stats()
    }

    /// The Auth0 of a tenant other than the first.
    pub fn fake_of(&self, tenant: &str) -> &RunningFake {
        &self.others[tenant]
    }

    /// The directory holding `gateway.toml`, the store (on SQLite) and the binary's logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.dir().join("gateway.toml")
    }

    pub fn store_url(&self) -> &str {
        &self.store_url
    }

    /// The proxy between the gateway and PostgreSQL ([`Builder::postgres_through_proxy`]).
    pub fn store_proxy(&self) -> &super::store_proxy::StoreProxy {
        self.store_proxy
            .as_ref()
            .expect("the world was built with postgres_through_proxy()")
    }

    /// The store as the gateway opens it (with the key, unless the world has none).
    pub async fn open_store(&self) -> Store {
        let store = Store::open_with(&self.store_url, self.builder.store_options)
            .await
            .unwrap();
        if self.builder.store_key {
            store
                .with_key(TokenCipher::from_base64(&self.key).unwrap())
                .await
                .unwrap()
        } else {
            store
        }
    }

    /// The store's SQLite database, to look at or change behind the gateway's back.
    pub async fn sqlite(&self) -> sqlx::SqlitePool {
        sqlx::SqlitePool::connect(&self.store_url).await.unwrap()
    }

    /// Every byte the directory holds on disk (database, WAL, shared memory, configuration).
    pub fn store_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.dir()).unwrap() {
            all.extend(std::fs::read(entry.unwrap().path()).unwrap_or_default());
        }
        all
    }

    /// Every tenant's settings, as `gateway.toml` says them.
    pub(super) fn tenant_settings(&self) -> Vec<TenantSettings> {
        let b = &self.builder;
        b.tenants
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let fake = if i == 0 {
                    &self.fake
                } else {
                    &self.others[name]
                };
                TenantSettings {
                    name: name.clone(),
                    domain: fake.fake.domain().to_owned(),
                    base_url: fake.base_url.parse().unwrap(),
                    client_id: CLIENT_ID.into(),
                    client_secret: ClientSecret::new(CLIENT_SECRET),
                    grant: b.grant,
                    scopes: b.scopes,
                    read_only: b.read_only,
                    allow: None,
                    deny: b.deny.clone(),
                    user_policy: b.user_policy.clone(),
                }
            })
            .collect()
    }

    /// The first tenant's policies and data-protection rules, checked as `gateway.toml`'s are.
    pub(super) fn policies(&self) -> std::sync::Arc<gw_policy::PolicySet> {
        #[derive(serde::Deserialize)]
        struct File {
            tenants: Option<Tenant>,
        }
        #[derive(serde::Deserialize)]
        struct Tenant {
            #[serde(default)]
            policies: Vec<gw_policy::RuleSpec>,
            #[serde(default)]
            masking: Vec<gw_policy::MaskingSpec>,
            #[serde(default)]
            limits: Vec<gw_policy::LimitSpec>,
        }
        let file: File = toml::from_str(&self.builder.policies).expect("the test's policies parse");
        let tenant = file.tenants.unwrap_or(Tenant {
            policies: Vec::new(),
            masking: Vec::new(),
            limits: Vec::new(),
        });
        let set =
            mcp_gateway::tenant_policies::check(&tenant.policies, &tenant.masking, &tenant.limits)
                .unwrap_or_else(|problems| panic!("the test's policies: {problems:?}"));
        std::sync::Arc::new(set)
    }

    /// `gateway.toml` for the real binary listening on `port`.
    pub(super) fn gateway_toml(&self, port: u16) -> String {
        let b = &self.builder;
        let mut toml = String::new();
        for t in self.tenant_settings() {
            let grant = match t.grant {
                GrantMode::AuthorizationCode => "authorization_code",
                GrantMode::ClientCredentials => "client_credentials",
            };
            toml += &format!(
                r#"[[tenants]]
name = "{name}"
domain = "{domain}"
base_url = "{base_url}"
client_id = "{CLIENT_ID}"
client_secret_env = "{SECRET_ENV}"
grant = "{grant}"
scopes = {scopes}
read_only = {read_only}
deny = {deny}
"#,
                name = t.name,
                domain = t.domain,
                base_url = t.base_url,
                scopes = list(t.scopes.names()),
                read_only = t.read_only,
                deny = list(t.deny.iter().map(String::as_str)),
            );
            for rule in &t.user_policy {
                let (key, value) = match &rule.matches {
                    UserMatch::UserId(id) => ("user_id", id),
                    UserMatch::Email(email) => ("email", email),
                    UserMatch::EmailDomain(domain) => ("email_domain", domain),
                };
                let scopes = list(rule.scopes.names());
                toml += &format!("[[tenants.users]]\n{key} = \"{value}\"\nscopes = {scopes}\n");
            }
            if t.name == b.tenants[0] {
                toml += &format!("{}\n", b.policies);
            }
        }
        let key = if b.store_key {
            format!("encryption_key_env = \"{STORE_KEY_ENV}\"")
        } else {
            String::new()
        };
        toml += &format!(
            r#"
[store]
url = "{store_url}"
{key}
acquire_timeout_ms = {acquire_timeout_ms}

[oauth_server]
registrations_per_hour = {registrations}

[audit]
# Each process its own journal, as each replica must have.
journal_dir = "audit-journal-{port}"

[server]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
portal = {portal}
stateless = {stateless}
max_sessions = {total}
max_sessions_per_credential = {per_credential}
session_idle_seconds = {idle}
{more}
"#,
            store_url = self.store_url,
            acquire_timeout_ms = b.store_options.acquire_timeout.as_millis(),
            registrations = b.registrations_per_hour,
            portal = b.portal,
            stateless = b.stateless,
            total = b.sessions.total,
            per_credential = b.sessions.per_credential,
            idle = b.sessions.idle.as_secs(),
            more = b.toml,
        );
        toml
    }

    /// The port the real binary listens on.
    pub(super) fn port(&self) -> u16 {
        self.port
    }
}

/// A TOML array of plain strings (scope and tool names).
fn list<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = values.into_iter().map(|v| format!("\"{v}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The host and port a PostgreSQL URL names.
async fn server_address(url: &str) -> std::net::SocketAddr {
    let url = url::Url::parse(url).unwrap();
    let host = url.host_str().expect("the PostgreSQL URL names a host");
    tokio::net::lookup_host((host, url.port().unwrap_or(5432)))
        .await
        .unwrap()
        .next()
        .expect("the PostgreSQL host resolves")
}

/// A port nothing listens on now (bound and released), for a child that must listen where its
/// `public_url` says before it starts.
pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl World {
    /// Creates a user with `email` in the fake tenant (through its Management API, as Auth0
    /// stores it, the email not verified) and makes them the one who signs in next.
    pub async fn sign_in_next_as_new_user(&self, email: &str) {
        self.sign_in_next_as(email, false).await;
    }

    /// As [`World::sign_in_next_as_new_user`], with the email verified or not.
    pub async fn sign_in_next_as(&self, email: &str, email_verified: bool) {
        let http = reqwest::Client::new();
        let token: serde_json::Value = http
            .post(format!("{}/oauth/token", self.fake.base_url))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                (
                    "audience",
                    &format!("https://{}/api/v2/", fake_auth0::DEFAULT_DOMAIN),
                ),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let user: serde_json::Value = http
            .post(format!("{}/api/v2/users", self.fake.base_url))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .json(&serde_json::json!({
                "connection": "Username-Password-Authentication",
                "email": email,
                "email_verified": email_verified,
                "password": "Passw0rd!Passw0rd!",
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        self.fake
            .fake
            .set_login_user(user["user_id"].as_str().unwrap());
    }
}
