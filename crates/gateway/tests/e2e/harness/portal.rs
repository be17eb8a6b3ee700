//! The operator portal: the applications an operator may paste (right, without our callback,
//! without Management API access, without the Client Credentials grant, with a narrow grant), the
//! domains its checks may meet, and a signed-in "browser" (a cookie-keeping client that stops at
//! redirects).

use std::collections::HashMap;
use std::sync::Arc;

use fake_auth0::{RegisteredClient, RunningFake};
use gw_mcp::Tenants;
use mcp_gateway::tenant_directory::{TenantDirectory, Upstream};

use super::browser::step_client;
use super::{CLIENT_ID, CLIENT_SECRET, InProcess, World};

/// The fake tenant's domain, as operators type it.
pub const DOMAIN: &str = fake_auth0::DEFAULT_DOMAIN;
/// A domain nothing answers for (mapped to a closed loopback port).
pub const SILENT_DOMAIN: &str = "nobody-home.eu.auth0.com";
/// A domain whose server answers 404 to everything.
pub const NOT_AUTH0_DOMAIN: &str = "web-server.us.auth0.com";

/// A world with the portal on, and a gateway over it in this process; `configured` are the
/// tenants of `gateway.toml` (with users' own tokens, as the portal's add form defaults to
/// neither), the rest is added through the portal.
pub async fn portal_gateway(configured: &[&str]) -> (World, InProcess) {
    super::world()
        .portal()
        .grant(gw_oauth::GrantMode::AuthorizationCode)
        .tenants(configured)
        .in_process()
        .await
}

/// The applications besides the gateway's own ([`CLIENT_ID`]) on the portal's fake tenant.
pub(super) fn applications() -> Vec<RegisteredClient> {
    let app = |client_id: &str, callbacks: Vec<String>, scopes: Vec<String>| RegisteredClient {
        client_id: client_id.into(),
        client_secret: CLIENT_SECRET.into(),
        name: client_id.into(),
        callbacks,
        management_scopes: scopes,
    };
    vec![
        // Made before the operator pasted the gateway's callback URL.
        app(
            "no-callback",
            vec!["https://app.example.com/callback".into()],
            fake_auth0::all_management_scopes(),
        ),
        // Not authorized for the Management API (no client grant).
        app("no-m2m", fake_auth0::default_callbacks(), vec![]),
        // Client Credentials unticked under Grant Types (done by `PortalUpstream::start`).
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
    ]
}

/// Where the portal's checks find each domain: the fake tenant at [`DOMAIN`], nothing at
/// [`SILENT_DOMAIN`], a server that is not Auth0 at [`NOT_AUTH0_DOMAIN`].
pub(super) struct PortalUpstream {
    pub(super) upstream: Upstream,
    _not_auth0: tokio::task::JoinHandle<()>,
}

impl PortalUpstream {
    pub(super) async fn start(fake: &RunningFake) -> PortalUpstream {
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
        PortalUpstream {
            upstream,
            _not_auth0: not_auth0,
        }
    }
}

/// What an operator does under Advanced Settings → Grant Types, through the Management API.
pub async fn untick_client_credentials(base_url: &str, client_id: &str) {
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{base_url}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
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

impl World {
    /// Another replica's view: its own registry and directory over the same store (sync it).
    pub async fn replica(&self) -> (Arc<Tenants>, TenantDirectory) {
        let tenants = Arc::new(Tenants::new());
        let directory = TenantDirectory::new(
            tenants.clone(),
            "http://127.0.0.1:1/".parse().unwrap(),
            self.open_store().await,
            self.portal
                .as_ref()
                .expect("a world with the portal")
                .upstream
                .clone(),
        );
        (tenants, directory)
    }
}

/// The form token in a portal page.
pub fn form_token(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("the page has a form token")
        + "name=\"csrf\" value=\"".len();
    html[at..at + 64].to_owned()
}

impl InProcess {
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
        let browser = step_client();
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
}

/// The fields of the Integrations → Auth0 form for the fake tenant's good application.
pub fn tenant_form<'a>(csrf: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("domain", DOMAIN),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
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
