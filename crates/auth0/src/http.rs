//! The one place requests are sent: URL building, the bearer header, timeouts, the retry loop,
//! body size limits, and the turning of answers into typed results or [`Auth0Error`]s.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, redirect};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::field::Empty;
use url::Url;

use crate::error::{Auth0Error, api_error};
use crate::paging::{self, ListSpec, Offset, Page, PageRequest};
use crate::retry::{self, Budget, RetryPolicy};

/// The largest answer we read. The biggest real one (100 users with metadata) is far below;
/// anything larger is a misbehaving server, and reading it would only cost memory.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The header Auth0 uses to identify a request for its support.
const REQUEST_ID_HEADER: &str = "x-auth0-requestid";

/// How the client talks to Auth0.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The deadline for one attempt, from sending to the last byte of the answer.
    pub request_timeout: Duration,
    /// The deadline for opening a connection.
    pub connect_timeout: Duration,
    /// When and how long to retry.
    pub retry: RetryPolicy,
    /// The `User-Agent` header sent with every request.
    pub user_agent: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            user_agent: concat!("gw-auth0/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// A typed client for one Auth0 tenant's Management API (and its `/userinfo`).
///
/// Cheap to clone: clones share one connection pool. It holds no credentials; every call takes
/// the bearer token to use, because the gateway calls with different tokens (each connected
/// user's, or the tenant's machine token) through the same client.
#[derive(Clone)]
pub struct Auth0Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    options: ClientOptions,
}

impl fmt::Debug for Auth0Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth0Client")
            .field("base_url", &self.inner.base.as_str())
            .field("options", &self.inner.options)
            .finish()
    }
}

impl Auth0Client {
    /// Builds a client for `base_url`: `https://{domain}` for a real tenant, or a loopback
    /// `http://127.0.0.1:PORT` for tests and local fakes.
    ///
    /// Plain `http` is refused for any other host, because the bearer token would cross the
    /// network in clear. Redirects are never followed: a redirect could send the token, or a
    /// request the gateway chose, to a host nobody configured (SSRF).
    pub fn new(base_url: Url, options: ClientOptions) -> Result<Self, Auth0Error> {
        // reqwest is built without a default crypto provider so the workspace picks one; the
        // call fails harmlessly when another crate installed one first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = check_base_url(base_url)?;
        let http = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .timeout(options.request_timeout)
            .connect_timeout(options.connect_timeout)
            .user_agent(options.user_agent.clone())
            .build()
            .map_err(|e| Auth0Error::Transport(error_chain(e)))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                options,
            }),
        })
    }

    /// The tenant's base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The options the client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }
}

/// Accepts `https` URLs, and `http` only on loopback; no credentials, query or fragment.
fn check_base_url(url: Url) -> Result<Url, Auth0Error> {
    let bad = |why: &str| Err(Auth0Error::InvalidBaseUrl(why.to_owned()));
    if url.cannot_be_a_base() || url.host().is_none() {
        return bad("it has no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad("it must not contain credentials");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return bad("it must not have a query or a fragment");
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return bad("plain http is only allowed for loopback hosts; use https"),
        _ => return bad("the scheme must be https"),
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// One request, described before it is sent (so it can be sent again).
#[derive(Debug)]
pub(crate) struct Call<'a> {
    method: Method,
    /// Under `/api/v2` (Management API) or at the root (Authentication API).
    management: bool,
    segments: Vec<&'a str>,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
}

/// The words of Management and Authentication API paths; any other segment is a value (an id,
/// an email, a name) and is not written to logs or traces.
const PATH_WORDS: [&str; 10] = [
    "clients",
    "logs",
    "members",
    "name",
    "organizations",
    "permissions",
    "roles",
    "userinfo",
    "users",
    "users-by-email",
];

impl<'a> Call<'a> {
    /// The path as logs and traces show it: `/api/v2/users/{id}/roles`. Values in the path (a
    /// user id is often an email, and may have come from a pseudonym the model was given) stay
    /// out of the logs and of what is exported to a trace collector.
    pub(crate) fn route(&self) -> String {
        let mut route = if self.management {
            "/api/v2".to_owned()
        } else {
            String::new()
        };
        for segment in &self.segments {
            route.push('/');
            route.push_str(if PATH_WORDS.contains(segment) {
                segment
            } else {
                "{id}"
            });
        }
        route
    }

    /// A Management API call to `/api/v2/{segments…}`. Each segment is percent-encoded, so an
    /// id can never add path segments.
    pub(crate) fn api(method: Method, segments: &[&'a str]) -> Self {
        Self {
            method,
            management: true,
            segments: segments.to_vec(),
            query: Vec::new(),
            body: None,
        }
    }

    /// An Authentication API call to `/{segments…}`.
    pub(crate) fn root(method: Method, segments: &[&'a str]) -> Self {
        Self {
            management: false,
            ..Self::api(method, segments)
        }
    }

    pub(crate) fn query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    pub(crate) fn query_opt(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v.to_string()),
            None => self,
        }
    }

    pub(crate) fn queries(mut self, pairs: Vec<(&'static str, String)>) -> Self {
        self.query.extend(pairs);
        self
    }

    /// Adds `fields` / `include_fields`.
    pub(crate) fn fields(self, fields: &crate::Fields) -> Self {
        self.query_opt("fields", fields.fields.as_deref())
            .query_opt("include_fields", fields.include_fields)
    }

    /// Sets a JSON body. Serialising our own input types cannot fail in practice; if it ever
    /// does, nothing is sent.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self, Auth0Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Auth0Error::InvalidArgument(format!("request body: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }
}

/// A successful (2xx) answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// Why one attempt produced no answer.
enum Failure {
    /// The connection could not be opened, so the request was never sent.
    NotSent { timeout: bool, detail: String },
    /// The attempt's deadline passed after the request may have been sent.
    Timeout,
    /// The connection failed after the request may have been sent.
    Dropped(String),
    /// The answer was larger than we are willing to read.
    TooLarge(u16),
}

/// The raw outcome of one attempt that got an answer.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Auth0Client {
    /// Sends a call with the retry policy and returns the 2xx answer, or the error.
    #[tracing::instrument(
        name = "auth0.request",
        skip_all,
        fields(method = %call.method, path = Empty, status = Empty, retries = Empty, request_id = Empty)
    )]
    pub(crate) async fn send(
        &self,
        token: &SecretString,
        call: Call<'_>,
    ) -> Result<Reply, Auth0Error> {
        let url = self.url_for(&call)?;
        let span = tracing::Span::current();
        span.record("path", call.route());
        let policy = &self.inner.options.retry;
        let idempotent = retry::is_idempotent(&call.method);
        let mut budget = Budget::new(policy);
        let token = token.expose_secret();
        loop {
            let attempt = budget.retries();
            span.record("retries", attempt);
            let started = Instant::now();
            let outcome = self.attempt(&call, &url, token).await;
            let wait = match outcome {
                Ok(answer) => {
                    let request_id = answer
                        .headers
                        .get(REQUEST_ID_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    span.record("status", answer.status);
                    metrics::counter!("auth0_responses_total", "status" => answer.status.to_string())
                        .increment(1);
                    metrics::histogram!("auth0_request_duration_seconds")
                        .record(started.elapsed().as_secs_f64());
                    if let Some(id) = &request_id {
                        span.record("request_id", id.as_str());
                    }
                    tracing::debug!(
                        status = answer.status,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "auth0 answered"
                    );
                    if answer.status == 429 {
                        // 429 means "not processed": safe to repeat whatever the method.
                        let now = SystemTime::now();
                        let wait = retry::rate_limit_wait(policy, &answer.headers, attempt, now);
                        if budget.take(wait) {
                            tracing::warn!(
                                wait_ms = wait.as_millis() as u64,
                                "rate limited by auth0, waiting"
                            );
                            metrics::counter!("auth0_retries_total").increment(1);
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        let after =
                            retry::server_wait(&answer.headers, now).map_or(wait, |(d, _)| d);
                        tracing::warn!(
                            retry_after_s = after.as_secs(),
                            "rate limited by auth0, giving up"
                        );
                        return Err(Auth0Error::RateLimited {
                            retry_at: now.checked_add(after),
                            retry_after: Some(after),
                        });
                    }
                    if (200..300).contains(&answer.status) {
                        return Ok(Reply {
                            status: answer.status,
                            headers: answer.headers,
                            body: answer.body,
                        });
                    }
                    let retryable = idempotent && retry::is_transient(answer.status);
                    let wait = retryable.then(|| {
                        retry::server_wait(&answer.headers, SystemTime::now())
                            .map_or_else(|| retry::backoff_with_jitter(policy, attempt), |(d, _)| d)
                    });
                    match wait {
                        Some(wait) if budget.take(wait) => wait,
                        _ => return Err(api_error(answer.status, &answer.body, request_id, token)),
                    }
                }
                Err(Failure::TooLarge(status)) => {
                    return Err(Auth0Error::Decode {
                        status,
                        detail: format!("the answer is larger than {MAX_BODY_BYTES} bytes"),
                    });
                }
                Err(failure) => {
                    metrics::counter!("auth0_transport_errors_total").increment(1);
                    // A connection that never opened carried nothing, so even a POST may be
                    // repeated; after that, only idempotent calls are.
                    let not_sent = matches!(failure, Failure::NotSent { .. });
                    let wait = (idempotent || not_sent)
                        .then(|| retry::backoff_with_jitter(policy, attempt));
                    match wait {
                        Some(wait) if budget.take(wait) => {
                            tracing::debug!(
                                wait_ms = wait.as_millis() as u64,
                                "auth0 unreachable, retrying"
                            );
                            wait
                        }
                        _ => return Err(self.failure_error(failure, idempotent, &call)),
                    }
                }
            };
            tracing::debug!(wait_ms = wait.as_millis() as u64, "retrying after backoff");
            metrics::counter!("auth0_retries_total").increment(1);
            tokio::time::sleep(wait).await;
        }
    }

    fn failure_error(&self, failure: Failure, idempotent: bool, call: &Call<'_>) -> Auth0Error {
        match failure {
            Failure::NotSent { timeout: true, .. } => Auth0Error::Timeout,
            Failure::NotSent { detail, .. } => Auth0Error::Transport(detail),
            _ if !idempotent => {
                tracing::warn!("request sent but no answer: outcome unknown");
                Auth0Error::OutcomeUnknown {
                    method: call.method.to_string(),
                    path: call.route(),
                }
            }
            Failure::Timeout => Auth0Error::Timeout,
            Failure::Dropped(detail) => Auth0Error::Transport(detail),
            Failure::TooLarge(status) => Auth0Error::Decode {
                status,
                detail: "answer too large".into(),
            },
        }
    }

    /// One attempt: send, then read the whole answer under the same deadline.
    async fn attempt(&self, call: &Call<'_>, url: &Url, token: &str) -> Result<Answer, Failure> {
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url.clone())
            .timeout(self.inner.options.request_timeout)
            .bearer_auth(token)
            .header(ACCEPT, "application/json");
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let mut response = request.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if response
            .content_length()
            .is_some_and(|l| l > MAX_BODY_BYTES as u64)
        {
            return Err(Failure::TooLarge(status));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(Failure::TooLarge(status));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    fn url_for(&self, call: &Call<'_>) -> Result<Url, Auth0Error> {
        let mut path = self.inner.base.path().trim_end_matches('/').to_owned();
        if call.management {
            path.push_str("/api/v2");
        }
        for segment in &call.segments {
            if segment.is_empty() {
                return Err(Auth0Error::InvalidArgument(
                    "an id must not be empty".into(),
                ));
            }
            if *segment == "." || *segment == ".." {
                return Err(Auth0Error::InvalidArgument(format!(
                    "`{segment}` is not a valid id"
                )));
            }
            path.push('/');
            encode_segment(segment, &mut path);
        }
        let mut url = self.inner.base.clone();
        url.set_path(&path);
        Ok(url)
    }

    /// Sends a call and decodes its JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        token: &SecretString,
        call: Call<'_>,
    ) -> Result<T, Auth0Error> {
        let reply = self.send(token, call).await?;
        serde_json::from_slice(&reply.body).map_err(|e| Auth0Error::Decode {
            status: reply.status,
            detail: e.to_string(),
        })
    }

    /// Sends a call whose answer carries nothing we need (204, or Auth0's `{}`).
    pub(crate) async fn unit(
        &self,
        token: &SecretString,
        call: Call<'_>,
    ) -> Result<(), Auth0Error> {
        self.send(token, call).await.map(|_| ())
    }

    /// Sends a list call with the paging parameters of `request` added.
    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        token: &SecretString,
        call: Call<'_>,
        request: &PageRequest,
        spec: ListSpec,
    ) -> Result<Page<T>, Auth0Error> {
        let reply = self
            .send(token, call.queries(paging::paging_query(request)))
            .await?;
        let raw = paging::parse_raw(reply.status, &reply.body, spec.key)?;
        paging::into_page(reply.status, raw, request, spec)
    }

    /// `list` for an endpoint paged by offset only.
    pub(crate) async fn list_offset<T: DeserializeOwned>(
        &self,
        token: &SecretString,
        call: Call<'_>,
        offset: &Offset,
        spec: ListSpec,
    ) -> Result<Page<T>, Auth0Error> {
        self.list(token, call, &PageRequest::Offset(*offset), spec)
            .await
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, as Auth0's own SDKs do
/// (`auth0|123` becomes `auth0%7C123`).
fn encode_segment(segment: &str, out: &mut String) {
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Sorts a reqwest error into what it means for retrying.
fn classify(e: reqwest::Error) -> Failure {
    if e.is_connect() {
        let timeout = e.is_timeout();
        return Failure::NotSent {
            timeout,
            detail: error_chain(e),
        };
    }
    if e.is_timeout() {
        return Failure::Timeout;
    }
    Failure::Dropped(error_chain(e))
}

/// The error and its causes in one line, without the URL (its query may hold a searched
/// email). The token is never part of a reqwest error: it travels in a header.
fn error_chain(e: reqwest::Error) -> String {
    use std::error::Error as _;
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Result<Auth0Client, Auth0Error> {
        Auth0Client::new(Url::parse(base).unwrap(), ClientOptions::default())
    }

    #[test]
    fn base_url_rules() {
        let cases: &[(&str, &str, bool)] = &[
            ("tenant", "https://tenant.eu.auth0.com", true),
            ("tenant with slash", "https://tenant.eu.auth0.com/", true),
            ("loopback v4", "http://127.0.0.1:8080", true),
            ("loopback v6", "http://[::1]:8080", true),
            ("localhost", "http://localhost:1234", true),
            ("plain http elsewhere", "http://tenant.auth0.com", false),
            ("credentials", "https://user:pw@tenant.auth0.com", false),
            ("query", "https://tenant.auth0.com/?x=1", false),
            ("other scheme", "ftp://tenant.auth0.com", false),
            ("no host", "data:text/plain,hi", false),
        ];
        for (name, url, ok) in cases {
            assert_eq!(client(url).is_ok(), *ok, "case {name}");
        }
    }

    #[test]
    fn urls_encode_ids() {
        let c = client("https://t.auth0.com/").unwrap();
        let url = c
            .url_for(&Call::api(Method::GET, &["users", "auth0|abc/../x y"]))
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://t.auth0.com/api/v2/users/auth0%7Cabc%2F..%2Fx%20y"
        );
        let url = c.url_for(&Call::root(Method::GET, &["userinfo"])).unwrap();
        assert_eq!(url.as_str(), "https://t.auth0.com/userinfo");
        for bad in ["", ".", ".."] {
            assert!(matches!(
                c.url_for(&Call::api(Method::GET, &["users", bad])),
                Err(Auth0Error::InvalidArgument(_))
            ));
        }
    }

    #[test]
    fn base_path_prefix_is_kept() {
        let c = client("http://127.0.0.1:9/tenant-a/").unwrap();
        let url = c.url_for(&Call::api(Method::GET, &["roles"])).unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9/tenant-a/api/v2/roles");
    }

    #[test]
    fn debug_shows_no_secrets() {
        let c = client("https://t.auth0.com").unwrap();
        let text = format!("{c:?}");
        assert!(text.contains("t.auth0.com"));
    }
}
