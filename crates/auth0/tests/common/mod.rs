//! A small programmable Auth0 stand-in for the integration tests: an axum server on
//! 127.0.0.1:0 that records every request and answers with whatever the test's responder says.
//! (The full fake tenant lives in crates/fake-auth0; these tests stay independent of it.)
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use gw_auth0::{Auth0Client, ClientOptions, RetryPolicy};
use secrecy::SecretString;
use serde_json::Value;
use url::Url;

/// The bearer token every test uses; tests check it never shows up in errors.
pub(crate) const TOKEN: &str = "test-token.eyJzdWIiOiJ0ZXN0In0.do-not-leak";

pub(crate) fn token() -> SecretString {
    SecretString::from(TOKEN)
}

/// Short delays so retry tests run in well under a second.
pub(crate) fn fast_options() -> ClientOptions {
    ClientOptions {
        request_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(1),
        retry: RetryPolicy {
            max_retries: 2,
            max_total_wait: Duration::from_secs(5),
            base_delay: Duration::from_millis(10),
        },
        user_agent: "gw-auth0-tests".into(),
    }
}

pub(crate) fn client(url: &Url) -> Auth0Client {
    client_with(url, fast_options())
}

pub(crate) fn client_with(url: &Url, options: ClientOptions) -> Auth0Client {
    Auth0Client::new(url.clone(), options).expect("client")
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    /// The raw (still percent-encoded) path.
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
    pub(crate) authorization: Option<String>,
}

impl Recorded {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the mock answers.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
    pub(crate) delay: Duration,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub(crate) fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }

    /// Auth0's error envelope.
    pub(crate) fn envelope(status: u16, error: &str, message: &str, code: Option<&str>) -> Self {
        let mut body =
            serde_json::json!({ "statusCode": status, "error": error, "message": message });
        if let Some(code) = code {
            body["errorCode"] = code.into();
        }
        Self::json(status, body)
    }

    pub(crate) fn header(mut self, name: &str, value: impl ToString) -> Self {
        self.headers.push((name.into(), value.to_string()));
        self
    }

    pub(crate) fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Responder = Arc<dyn Fn(&Recorded, usize) -> Reply + Send + Sync>;

#[derive(Clone)]
struct Shared {
    log: Arc<Mutex<Vec<Recorded>>>,
    responder: Responder,
}

/// A running mock. The responder gets each request and its 0-based hit number.
pub(crate) struct MockServer {
    pub(crate) url: Url,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl MockServer {
    pub(crate) async fn start(
        responder: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let shared = Shared {
            log: Arc::default(),
            responder: Arc::new(responder),
        };
        let log = shared.log.clone();
        let app = Router::new().fallback(handle).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: Url::parse(&format!("http://{addr}")).expect("url"),
            log,
        }
    }

    pub(crate) fn hits(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    pub(crate) fn last(&self) -> Recorded {
        self.requests().pop().expect("at least one request")
    }
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let recorded = Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect(),
        body: if body.is_empty() {
            None
        } else {
            serde_json::from_slice(&body).ok()
        },
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let n = {
        let mut log = shared.log.lock().unwrap();
        log.push(recorded.clone());
        log.len() - 1
    };
    let reply = (shared.responder)(&recorded, n);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    for (k, v) in reply.headers {
        response.headers_mut().insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    response
}

/// Seconds since the UNIX epoch, for `x-ratelimit-reset`.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
