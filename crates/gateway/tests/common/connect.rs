//! Connect-flow harness: the fake tenant and the gateway's app in this process, a store with an
//! encryption key in a temporary directory, and a "browser" (reqwest following redirects) to
//! walk `/connect/{tenant}` → the fake's `/authorize` → `/integration-callback`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fake_auth0::{FakeAuth0, FakeConfig, RegisteredClient, RunningFake, Seed, UserGrants};
use gw_mcp::Tenants;
use gw_oauth::{ClientSecret, GrantMode, ScopeSet, TenantSettings, TokenCipher, UserGrant};
use gw_store::Store;
use mcp_gateway::http::{AppState, Inbound, SessionBindings, SseSessions};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub struct Setup {
    pub grant: GrantMode,
    /// The operator's scopes for the tenant (default: every scope).
    pub scopes: ScopeSet,
    pub user_policy: Vec<UserGrant>,
    /// How often a `client_credentials` connection's user is re-checked at Auth0 (zero: on
    /// every credential resolution, so a test sees a change without waiting).
    pub user_check_interval: Duration,
}

impl Setup {
    pub fn new(grant: GrantMode) -> Setup {
        Setup {
            grant,
            scopes: ScopeSet::all(),
            user_policy: vec![],
            user_check_interval: mcp_gateway::user_check::DEFAULT_INTERVAL,
        }
    }
}

/// A gateway over a store that outlives it (to restart over the same file).
pub struct Gateway {
    pub base: String,
    pub store: Store,
    shutdown: CancellationToken,
}

pub struct World {
    pub fake: RunningFake,
    pub dir: tempfile::TempDir,
    pub key: String,
    pub settings: TenantSettings,
    pub user_check_interval: Duration,
    /// `/register` calls each source address may make per hour (as `[oauth_server]` says).
    pub registrations_per_hour: u32,
}

pub async fn world(setup: Setup) -> World {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = FakeConfig {
        seed: Seed::Demo,
        clients: vec![RegisteredClient {
            client_id: "connect-e2e".into(),
            client_secret: "connect-e2e-secret".into(),
            name: "MCP Gateway".into(),
            callbacks: fake_auth0::default_callbacks(),
            management_scopes: fake_auth0::all_management_scopes(),
        }],
        // What these tests check of `authorization_code` is how the gateway handles users' own
        // tokens (refresh, scopes, revocation), so the fake grants users what they ask for,
        // which real Auth0 does not (`check_online.rs` and the fake's own tests cover that).
        user_grants: if setup.grant == GrantMode::AuthorizationCode {
            UserGrants::AllRequestedUnlikeAuth0
        } else {
            UserGrants::LikeAuth0
        },
        ..FakeConfig::default()
    };
    let domain = config.domain.clone();
    let fake = FakeAuth0::new(config)
        .serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
        .await
        .unwrap();
    let settings = TenantSettings {
        name: "acme".into(),
        domain,
        base_url: fake.base_url.parse().unwrap(),
        client_id: "connect-e2e".into(),
        client_secret: ClientSecret::new("connect-e2e-secret"),
        grant: setup.grant,
        scopes: setup.scopes,
        read_only: false,
        allow: None,
        deny: vec![],
        user_policy: setup.user_policy,
    };
    World {
        fake,
        dir: tempfile::tempdir().unwrap(),
        key: TokenCipher::generate_key(),
        settings,
        user_check_interval: setup.user_check_interval,
        registrations_per_hour: mcp_gateway::http::DEFAULT_REGISTRATIONS_PER_HOUR,
    }
}

impl World {
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("gateway.db")
    }

    pub fn store_url(&self) -> String {
        format!("sqlite://{}", self.db_path().display())
    }

    pub async fn open_store(&self) -> Store {
        Store::open_with_key(
            &self.store_url(),
            TokenCipher::from_base64(&self.key).unwrap(),
        )
        .await
        .unwrap()
    }

    /// Starts a gateway on 127.0.0.1:0 over the world's store.
    pub async fn gateway(&self) -> Gateway {
        self.gateway_serving(&[]).await
    }

    /// A gateway that also serves the same fake tenant under the names in `more`.
    pub async fn gateway_serving(&self, more: &[&str]) -> Gateway {
        let store = self.open_store().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let public_url: url::Url = format!("http://{address}/").parse().unwrap();
        let tenants = Tenants::new();
        for name in std::iter::once("acme").chain(more.iter().copied()) {
            let settings = TenantSettings {
                name: name.to_owned(),
                ..self.settings.clone()
            };
            let runtime =
                mcp_gateway::runtime::tenant_runtime(settings, Some((&public_url, &store)))
                    .unwrap();
            tenants.insert(runtime);
        }
        let state = AppState {
            store: store.clone(),
            tenants: Arc::new(tenants),
            public_url,
            inbound: Inbound::AccessKeys,
            sessions: SessionBindings::default(),
            sse: SseSessions::default(),
            oauth_http: gw_oauth::OAuthHttp::new(Duration::from_secs(10)),
            audit: None,
            credentials: Default::default(),
            user_checks: mcp_gateway::user_check::UserChecks::every(self.user_check_interval),
            portal: None,
            registrations: mcp_gateway::http::RegistrationLimiter::new(self.registrations_per_hour),
            retention: Default::default(),
        };
        let shutdown = CancellationToken::new();
        // Tool calls and refusals go to the store's audit log, as under `serve`.
        let (audit, _writer) =
            mcp_gateway::audit::StoreAudit::start(store.clone(), shutdown.clone());
        let state = AppState {
            audit: Some(audit),
            ..state
        };
        super::serve_app(listener, state, &shutdown);
        Gateway {
            base: format!("http://{address}"),
            store,
            shutdown,
        }
    }

    /// Every byte the store keeps on disk (database, WAL, shared memory).
    pub fn store_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            all.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        all
    }
}

/// A browser: follows redirects, asks for JSON so the result can be read.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .unwrap()
}

/// A client that stops at each redirect, to look at (or tamper with) where it points.
pub fn step_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 302, "expected a redirect");
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The JSON answer and status of a GET that asks for JSON.
pub async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = client
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

impl Gateway {
    /// Waits (the audit writer batches for 100 ms) until the audit log holds a refusal with
    /// `outcome`, and returns it.
    pub async fn audited(&self, outcome: &str) -> gw_mcp::AuditRecord {
        super::audited(&self.store, outcome).await
    }

    /// The whole flow as a browser walks it; the success JSON.
    pub async fn connect(&self) -> Value {
        let (status, body) = get_json(&browser(), &format!("{}/connect/acme", self.base)).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Walks the flow to the point where Auth0 redirects back: the browser (holding the
    /// gateway's cookie) and the callback URL, not yet visited.
    pub async fn callback_url(&self, extra_authorize_params: &str) -> (reqwest::Client, String) {
        let step = step_client();
        let response = step
            .get(format!("{}/connect/acme", self.base))
            .send()
            .await
            .unwrap();
        let authorize = location(&response) + extra_authorize_params;
        let response = step.get(authorize).send().await.unwrap();
        let callback = location(&response);
        (step, callback)
    }

    pub async fn mcp_client(&self, key: &str) -> RunningService<RoleClient, ()> {
        let config = StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", self.base))
            .auth_header(key);
        let transport = StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
        ().serve(transport).await.expect("MCP handshake over HTTP")
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The names of the tools a client sees, sorted.
pub async fn tool_names(client: &RunningService<RoleClient, ()>) -> Vec<String> {
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    names
}

/// The tools a set of scopes unlocks, sorted, as the catalog says.
pub fn tools_for(scopes: ScopeSet) -> Vec<String> {
    let mut names: Vec<String> = gw_oauth::tools_unlocked_by(scopes)
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}
