//! Operator-portal harness: a fake tenant with several applications (right, without our
//! callback, without Management API access, with a narrow grant), a gateway with the portal on
//! over a store with a key, and a signed-in "browser" (a cookie-keeping reqwest client).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use fake_auth0::{FakeAuth0, FakeConfig, RegisteredClient, RunningFake, Seed, UserGrants};
use gw_mcp::Tenants;
use gw_oauth::{ClientSecret, GrantMode, ScopeSet, TenantSettings, TokenCipher};
use gw_store::Store;
use mcp_gateway::http::admin::Portal;
use mcp_gateway::http::{AppState, Inbound, SessionBindings, SseSessions};
use mcp_gateway::tenant_directory::{TenantDirectory, Upstream};
use tokio_util::sync::CancellationToken;

pub const SECRET: &str = "portal-app-secret-0123456789";
/// The fake tenant's domain, as operators type it.
pub const DOMAIN: &str = fake_auth0::DEFAULT_DOMAIN;
/// A domain nothing answers for (mapped to a closed loopback port).
pub const SILENT_DOMAIN: &str = "nobody-home.eu.auth0.com";
/// A domain whose server answers 404 to everything.
pub const NOT_AUTH0_DOMAIN: &str = "web-server.us.auth0.com";

pub struct PortalWorld {
    pub fake: RunningFake,
    pub dir: tempfile::TempDir,
    pub key: String,
    pub upstream: Upstream,
    _not_auth0: tokio::task::JoinHandle<()>,
}

fn app(client_id: &str, callbacks: Vec<String>, scopes: Vec<String>) -> RegisteredClient {
    RegisteredClient {
        client_id: client_id.into(),
        client_secret: SECRET.into(),
        name: client_id.into(),
        callbacks,
        management_scopes: scopes,
    }
}

pub async fn world() -> PortalWorld {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = FakeConfig {
        seed: Seed::Demo,
        clients: vec![
            app(
                "portal-app",
                fake_auth0::default_callbacks(),
                fake_auth0::all_management_scopes(),
            ),
            // Made before the operator pasted the gateway's callback URL.
            app(
                "no-callback",
                vec!["https://app.example.com/callback".into()],
                fake_auth0::all_management_scopes(),
            ),
            // Not authorized for the Management API (no client grant).
            app("no-m2m", fake_auth0::default_callbacks(), vec![]),
            // Client Credentials unticked under Grant Types (patched below).
            app(
                "no-cc",
                fake_auth0::default_callbacks(),
                fake_auth0::all_management_scopes(),
            ),
            // A client grant with one scope.
            app(
                "narrow-m2m",
                fake_auth0::default_callbacks(),
                vec!["read:users".into()],
            ),
        ],
        // The portal's users'-token tenants are tested for what the gateway does with users'
        // tokens, so the fake grants users what they ask for (real Auth0 does not).
        user_grants: UserGrants::AllRequestedUnlikeAuth0,
        ..FakeConfig::default()
    };
    let fake = FakeAuth0::new(config)
        .serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
        .await
        .unwrap();
    untick_client_credentials(&fake.base_url, "no-cc").await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let not_auth0 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let not_auth0_address = not_auth0.local_addr().unwrap();
    let not_auth0 = tokio::spawn(async move {
        let app = axum::Router::new().fallback(|| async { axum::http::StatusCode::NOT_FOUND });
        let _ = axum::serve(not_auth0, app).await;
    });
    let upstream = Upstream::Mapped(HashMap::from([
        (DOMAIN.to_owned(), fake.base_url.parse().unwrap()),
        (
            SILENT_DOMAIN.to_owned(),
            format!("http://{closed}/").parse().unwrap(),
        ),
        (
            NOT_AUTH0_DOMAIN.to_owned(),
            format!("http://{not_auth0_address}/").parse().unwrap(),
        ),
    ]));
    PortalWorld {
        fake,
        dir: tempfile::tempdir().unwrap(),
        key: TokenCipher::generate_key(),
        upstream,
        _not_auth0: not_auth0,
    }
}

/// What an operator does under Advanced Settings → Grant Types, through the Management API.
pub async fn untick_client_credentials(base_url: &str, client_id: &str) {
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{base_url}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "portal-app"),
            ("client_secret", SECRET),
            ("audience", &format!("https://{DOMAIN}/api/v2/")),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let patched = http
        .patch(format!("{base_url}/api/v2/clients/{client_id}"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&serde_json::json!({"grant_types": ["authorization_code", "refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
}

pub struct PortalGateway {
    pub base: String,
    pub store: Store,
    pub tenants: Arc<Tenants>,
    pub directory: Arc<TenantDirectory>,
    shutdown: CancellationToken,
}

impl Drop for PortalGateway {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl PortalWorld {
    pub async fn open_store(&self) -> Store {
        Store::open_with_key(
            &format!("sqlite://{}", self.dir.path().join("gateway.db").display()),
            TokenCipher::from_base64(&self.key).unwrap(),
        )
        .await
        .unwrap()
    }

    /// Another replica's view: its own registry and directory over the same store (sync it).
    pub async fn replica(&self) -> (Arc<Tenants>, TenantDirectory) {
        let tenants = Arc::new(Tenants::new());
        let directory = TenantDirectory::new(
            tenants.clone(),
            "http://127.0.0.1:1/".parse().unwrap(),
            self.open_store().await,
            self.upstream.clone(),
        );
        (tenants, directory)
    }

    /// Every byte the store keeps on disk.
    pub fn store_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            all.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        all
    }

    /// A gateway with the portal on. It also serves `configured` as if from gateway.toml (the
    /// fake tenant through the `portal-app` application).
    pub async fn gateway(&self, configured: &[&str]) -> PortalGateway {
        let store = self.open_store().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let public_url: url::Url = format!("http://{address}/").parse().unwrap();
        let tenants = Arc::new(Tenants::new());
        for name in configured {
            let settings = TenantSettings {
                name: (*name).to_owned(),
                domain: DOMAIN.to_owned(),
                base_url: self.fake.base_url.parse().unwrap(),
                client_id: "portal-app".into(),
                client_secret: ClientSecret::new(SECRET),
                grant: GrantMode::AuthorizationCode,
                scopes: ScopeSet::all(),
                read_only: false,
                allow: None,
                deny: vec![],
                user_policy: vec![],
            };
            tenants.insert(
                mcp_gateway::runtime::tenant_runtime(settings, Some((&public_url, &store)))
                    .unwrap(),
            );
        }
        let directory = Arc::new(TenantDirectory::new(
            tenants.clone(),
            public_url.clone(),
            store.clone(),
            self.upstream.clone(),
        ));
        directory.sync().await.unwrap();
        let shutdown = CancellationToken::new();
        let (audit, _writer) =
            mcp_gateway::audit::StoreAudit::start(store.clone(), shutdown.clone());
        let state = AppState {
            store: store.clone(),
            tenants: tenants.clone(),
            public_url,
            inbound: Inbound::AccessKeys,
            sessions: SessionBindings::default(),
            sse: SseSessions::default(),
            oauth_http: gw_oauth::OAuthHttp::new(Duration::from_secs(10)),
            audit: Some(audit),
            credentials: Default::default(),
            user_checks: Default::default(),
            portal: Some(Arc::new(Portal {
                directory: directory.clone(),
                demo: false,
            })),
            registrations: Default::default(),
            retention: Default::default(),
        };
        super::serve_app(listener, state, &shutdown);
        PortalGateway {
            base: format!("http://{address}"),
            store,
            tenants,
            directory,
            shutdown,
        }
    }
}

/// A browser that keeps cookies and stops at redirects (to see where they go).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The form token in a portal page.
pub fn form_token(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("the page has a form token")
        + "name=\"csrf\" value=\"".len();
    html[at..at + 64].to_owned()
}

impl PortalGateway {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn page(&self, browser: &reqwest::Client, path: &str) -> (u16, String) {
        let response = browser.get(self.url(path)).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Posts a form (pairs, so fields may repeat); the status, `Location` and body.
    pub async fn post(
        &self,
        browser: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, Option<String>, String) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let response = browser
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &self.base)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, location, response.text().await.unwrap())
    }

    /// Adds tenant `name` through the portal with the good application's form; it must save.
    pub async fn add_tenant(&self, browser: &reqwest::Client, csrf: &str, name: &str) {
        let (status, location, page) = self
            .post(browser, "/admin/tenants", &tenant_form(csrf, name))
            .await;
        assert_eq!(status, 303, "{location:?} {page}");
    }

    /// Signs a new browser in with a fresh admin key; the browser and its form token.
    pub async fn signed_in(&self) -> (reqwest::Client, String) {
        let (_, key) = self.store.create_admin_key("tester").await.unwrap();
        let browser = browser();
        let (status, login) = self.page(&browser, "/admin/login").await;
        assert_eq!(status, 200);
        let (status, location, _) = self
            .post(
                &browser,
                "/admin/login",
                &[("csrf", &form_token(&login)), ("key", key.expose_secret())],
            )
            .await;
        assert_eq!((status, location.as_deref()), (303, Some("/admin")));
        let (status, overview) = self.page(&browser, "/admin").await;
        assert_eq!(status, 200, "{overview}");
        let token = form_token(&overview);
        (browser, token)
    }

    /// The status of an MCP `initialize` sent to `/mcp` with `key`: 200 while the key works.
    pub async fn initialize_status(&self, key: &str) -> u16 {
        reqwest::Client::new()
            .post(self.url("/mcp"))
            .bearer_auth(key)
            .header("accept", "application/json, text/event-stream")
            .json(&serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Waits (audit rows are written ~100 ms behind) for a refusal with `outcome`.
    pub async fn audited(&self, outcome: &str) -> gw_mcp::AuditRecord {
        super::audited(&self.store, outcome).await
    }
}

/// The fields of the Integrations → Auth0 form for the fake tenant's good application.
pub fn tenant_form<'a>(csrf: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("domain", DOMAIN),
        ("client_id", "portal-app"),
        ("client_secret", SECRET),
        ("grant", "authorization_code"),
        ("scopes", "offline_access"),
        ("scopes", "read:users"),
        ("scopes", "create:users"),
        ("scopes", "read:roles"),
    ]
}

/// `fields` with `key` set to `value` (replacing every pair named `key`).
pub fn with<'a>(
    fields: &[(&'a str, &'a str)],
    key: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<_> = fields.iter().filter(|(k, _)| *k != key).copied().collect();
    out.push((key, value));
    out
}
