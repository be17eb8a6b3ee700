//! HTTP harness: the gateway's axum app serving two tenants, `acme` and `beta`, each on its own
//! fake Auth0, all in this process on 127.0.0.1:0, with a store in a temporary directory; rmcp's
//! streamable HTTP client. Keys are for `acme` unless a test asks for `beta`.

use std::sync::Arc;
use std::time::Duration;

use fake_auth0::{FakeAuth0, FakeConfig, RegisteredClient, RunningFake, Seed};
use gw_mcp::Tenants;
use gw_oauth::{ClientSecret, GrantMode, ScopeSet, TenantSettings};
use gw_store::{AccessKey, NewKey, Store};
use mcp_gateway::http::{AppState, Inbound, McpSettings, SessionBindings};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use tokio_util::sync::CancellationToken;

pub struct HttpGateway {
    pub fake: RunningFake,
    /// The second tenant's fake, which `acme`'s keys must never reach.
    pub beta: RunningFake,
    pub store: Store,
    pub base: String,
    pub sessions: SessionBindings,
    pub sse: mcp_gateway::http::SseSessions,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

pub async fn start_http(stateless: bool) -> HttpGateway {
    start_http_with(stateless, mcp_gateway::http::listener::Limits::default()).await
}

/// A gateway whose connections get `limits` (e.g. a short header deadline).
pub async fn start_http_with(
    stateless: bool,
    limits: mcp_gateway::http::listener::Limits,
) -> HttpGateway {
    start_http_limited(stateless, limits, Default::default()).await
}

/// A gateway whose connections get `limits` and whose MCP sessions `sessions`.
pub async fn start_http_limited(
    stateless: bool,
    limits: mcp_gateway::http::listener::Limits,
    sessions: mcp_gateway::http::SessionLimits,
) -> HttpGateway {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (fake, acme) = tenant("acme").await;
    let (beta, beta_runtime) = tenant("beta").await;

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!(
        "sqlite://{}",
        dir.path().join("gateway.db").display()
    ))
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let sessions = SessionBindings::new(sessions);
    let sse = mcp_gateway::http::SseSessions::default();
    let state = AppState {
        store: store.clone(),
        tenants: Arc::new(Tenants::of([acme, beta_runtime])),
        public_url: format!("http://{address}/").parse().unwrap(),
        inbound: Inbound::AccessKeys,
        sessions: sessions.clone(),
        sse: sse.clone(),
        oauth_http: gw_oauth::OAuthHttp::new(Duration::from_secs(10)),
        audit: None,
        credentials: Default::default(),
        user_checks: Default::default(),
        portal: None,
        registrations: Default::default(),
        retention: Default::default(),
    };
    let shutdown = CancellationToken::new();
    // Tool calls and refusals go to the store's audit log, as under `serve`.
    let (audit, _writer) = mcp_gateway::audit::StoreAudit::start(store.clone(), shutdown.clone());
    let state = AppState {
        audit: Some(audit),
        ..state
    };
    let app = mcp_gateway::http::app(
        state,
        McpSettings {
            stateless,
            allowed_hosts: vec![],
            shutdown: shutdown.clone(),
        },
    );
    let stop = shutdown.clone();
    tokio::spawn(async move {
        mcp_gateway::http::listener::serve(listener, app, limits, stop.cancelled_owned())
            .await
            .unwrap();
    });
    HttpGateway {
        fake,
        beta,
        store,
        base: format!("http://{address}"),
        sessions,
        sse,
        shutdown,
        _dir: dir,
    }
}

/// A fake Auth0 for one tenant and the gateway's runtime for it.
async fn tenant(name: &str) -> (RunningFake, Arc<gw_mcp::TenantRuntime>) {
    let config = FakeConfig {
        seed: Seed::Demo,
        clients: vec![RegisteredClient {
            client_id: "http-e2e".into(),
            client_secret: "http-e2e-secret".into(),
            name: "http e2e".into(),
            callbacks: vec![],
            management_scopes: fake_auth0::all_management_scopes(),
        }],
        ..FakeConfig::default()
    };
    let config = match name {
        "acme" => config,
        other => FakeConfig {
            domain: format!("{other}-tenant.eu.auth0.com"),
            ..config
        },
    };
    let domain = config.domain.clone();
    let fake = FakeAuth0::new(config)
        .serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
        .await
        .unwrap();
    let settings = TenantSettings {
        name: name.into(),
        domain,
        base_url: fake.base_url.parse().unwrap(),
        client_id: "http-e2e".into(),
        client_secret: ClientSecret::new("http-e2e-secret"),
        grant: GrantMode::ClientCredentials,
        scopes: ScopeSet::all(),
        read_only: false,
        allow: None,
        deny: vec![],
        user_policy: vec![],
    };
    (
        fake,
        mcp_gateway::runtime::tenant_runtime(settings, None).unwrap(),
    )
}

impl HttpGateway {
    pub async fn key(&self, scopes: &str) -> AccessKey {
        self.key_for("acme", scopes).await
    }

    pub async fn key_for(&self, tenant: &str, scopes: &str) -> AccessKey {
        let (_, key) = self
            .store
            .create_key(NewKey {
                tenant: tenant.into(),
                name: "test".into(),
                scopes: ScopeSet::parse_list(scopes).unwrap(),
                expires_at: None,
                connection_id: None,
            })
            .await
            .unwrap();
        key
    }

    pub async fn client(&self, key: &AccessKey) -> RunningService<RoleClient, ()> {
        let config = StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", self.base))
            .auth_header(key.expose_secret());
        let transport = StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
        ().serve(transport).await.expect("MCP handshake over HTTP")
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.fake.shutdown().await;
        self.beta.shutdown().await;
    }
}
