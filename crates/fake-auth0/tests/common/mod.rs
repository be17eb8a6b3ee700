//! Helpers shared by the integration tests: a tenant served on 127.0.0.1:0 and a small
//! HTTP client around it.
#![allow(dead_code, unreachable_pub)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fake_auth0::{FakeAuth0, FakeConfig, RunningFake};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub const CLIENT_ID: &str = fake_auth0::DEFAULT_CLIENT_ID;
pub const CLIENT_SECRET: &str = fake_auth0::DEFAULT_CLIENT_SECRET;

pub struct Tenant {
    pub running: RunningFake,
    pub http: reqwest::Client,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// The body as JSON, or `Value::Null` when it is empty or not JSON.
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

pub async fn start() -> Tenant {
    start_with(FakeConfig::default()).await
}

pub async fn start_with(config: FakeConfig) -> Tenant {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let running = FakeAuth0::new(config).serve(listener).await.expect("serve");
    Tenant {
        running,
        http: http_client(),
    }
}

pub async fn read(r: reqwest::Response) -> Resp {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        json,
    }
}

/// The claims of a JWT, unverified.
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
        .expect("JSON claims")
}

pub fn jwt_header(jwt: &str) -> Value {
    let header = jwt.split('.').next().expect("a JWT has a header");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("base64url"))
        .expect("JSON header")
}

impl Tenant {
    pub fn fake(&self) -> &FakeAuth0 {
        &self.running.fake
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url)
    }

    /// A Management API token with exactly these scopes.
    pub fn token(&self, scopes: &[&str]) -> String {
        self.fake().issue_management_token(CLIENT_ID, scopes)
    }

    /// A token with every scope the fake enforces.
    pub fn admin_token(&self) -> String {
        let all = fake_auth0::all_management_scopes();
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        self.token(&refs)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Resp {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        read(req.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str, body: Option<&Value>) -> Resp {
        self.call(Method::DELETE, path, Some(token), body).await
    }

    /// `POST /oauth/token` with a form body.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> Resp {
        read(
            self.http
                .post(self.url("/oauth/token"))
                .form(form)
                .send()
                .await
                .expect("token request"),
        )
        .await
    }

    pub async fn client_credentials(&self) -> Resp {
        let audience = self.fake().management_audience().to_owned();
        self.token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("audience", &audience),
        ])
        .await
    }

    /// The access token a client-credentials request returns.
    pub async fn client_credentials_token(&self) -> String {
        self.client_credentials().await.json["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// `GET path` without a token, the body decoded as `T`.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> T {
        self.http
            .get(self.url(path))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON body")
    }
}
