//! Tells approvers that a tool call waits for them, and later how it was decided, by POSTing a
//! signed JSON notice to `[approvals] webhook_url`.
//!
//! # The request
//!
//! `POST {webhook_url}`, `content-type: application/json`, with the headers
//! - `x-gateway-event`: `approval.requested` or `approval.decided`;
//! - `x-gateway-delivery`: a UUID, one per notice and the same on every attempt, so a receiver
//!   that saw it already can ignore a retry;
//! - `x-gateway-timestamp`: UNIX seconds when this attempt was signed;
//! - `x-gateway-signature`: `sha256=` followed by the lowercase hex HMAC-SHA256 of
//!   `{timestamp}.{body}` (the timestamp header, a dot, the body's bytes as sent), keyed with the
//!   bytes of the configured secret.
//!
//! A receiver recomputes the HMAC over the raw body before parsing it and compares in constant
//! time ([`verify_signature`] does both), then refuses a timestamp more than a few minutes away
//! from its own clock: each attempt is signed afresh, so a genuine retry is never stale and a
//! replayed one soon is.
//!
//! The body is the [`ApprovalNotice`] with one more field, `text`: a one-paragraph summary in
//! Slack's message format, so the URL can be a Slack incoming webhook as it is. Arguments larger
//! than 16 KiB (serialised) are replaced by a note pointing to the approval page.
//!
//! # Delivery
//!
//! [`ApprovalWebhook::notify`] never waits: it hands the notice to a task of its own. At most 256
//! notices are queued or in flight at once; beyond that a notice is dropped, with a `warn!` log
//! and `approval_webhook_deliveries_total{outcome="dropped"}`, so a dead receiver costs bounded
//! memory and never slows a tool call. The approval itself does not depend on the notice: it
//! waits in the store, and notices in flight when the process stops are lost.
//!
//! An attempt that fails in a way that may pass (no connection, a timeout, 408, 429, 5xx) is
//! retried after 1 s, 2 s, 4 s … (at most 30 s, plus up to half again at random), or after the
//! answer's `Retry-After` (at most 60 s), until `max_attempts`. Any other answer ends the
//! delivery (a 4xx is logged with its status; redirects are not followed). Logs carry the
//! delivery id, the event, the status and the attempt, never the URL (a Slack webhook's path is a
//! credential), the key, the signature or the arguments.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde::{Serialize, Serializer};
use sha2::Sha256;
use tokio::sync::Semaphore;
use url::Url;
use uuid::Uuid;

use crate::config::WebhookConfig;

/// Notices queued or in flight at once; more are dropped.
pub const MAX_PENDING: usize = 256;
/// Serialised arguments above this are left out of the notice.
const MAX_ARGUMENTS_BYTES: usize = 16 * 1024;
/// The longest wait between two attempts that backoff alone chooses.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The longest `Retry-After` obeyed; a longer one is cut to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Each value quoted in `text` is cut to this many characters.
const MAX_TEXT_VALUE_CHARS: usize = 200;

/// What happened to the approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ApprovalEvent {
    /// A tool call waits for approvers.
    #[serde(rename = "approval.requested")]
    Requested,
    /// The request was approved, denied or expired (`status` says which).
    #[serde(rename = "approval.decided")]
    Decided,
}

impl ApprovalEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalEvent::Requested => "approval.requested",
            ApprovalEvent::Decided => "approval.decided",
        }
    }
}

/// One notice, as the receiver gets it (plus the `text` the notifier writes).
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalNotice {
    pub event: ApprovalEvent,
    /// The approval request's id.
    pub id: String,
    pub tenant: String,
    /// Who made the tool call (an email or a user id).
    pub requester: String,
    /// The MCP client it came through, when known.
    pub client: Option<String>,
    pub tool: String,
    /// The call's arguments, already masked by the caller: they leave the gateway as they are.
    pub arguments: serde_json::Value,
    /// The policy rule that asked for approval.
    pub rule: String,
    pub approvers: Vec<String>,
    /// How many approvers must say yes.
    pub required: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    /// Where to decide: `{public_url}/approvals/{id}`.
    #[serde(serialize_with = "url_as_str")]
    pub url: Url,
    /// `Decided` events: the decision as the store names it (e.g. `approved`, `denied`,
    /// `expired`); `None` for `Requested`.
    pub status: Option<String>,
}

/// How one delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx to the last of these attempts.
    Delivered { attempts: u32 },
    /// The receiver gave an answer that a retry would not change (a 4xx, a redirect).
    Refused { status: u16, attempts: u32 },
    /// Every attempt failed in a way that might have passed.
    GaveUp { attempts: u32 },
}

impl DeliveryOutcome {
    /// The `outcome` label of `approval_webhook_deliveries_total`.
    fn label(self) -> &'static str {
        match self {
            DeliveryOutcome::Delivered { .. } => "delivered",
            DeliveryOutcome::Refused { .. } => "refused",
            DeliveryOutcome::GaveUp { .. } => "gave_up",
        }
    }
}

/// Sends approval notices to the configured webhook. Cheap to clone: clones share the client
/// and the bound on pending notices.
#[derive(Debug, Clone)]
pub struct ApprovalWebhook {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: WebhookConfig,
    http: reqwest::Client,
    pending: Arc<Semaphore>,
}

/// A notice ready to send: its delivery id and the exact bytes that are signed.
struct Prepared {
    delivery: Uuid,
    event: ApprovalEvent,
    body: Vec<u8>,
}

/// What one attempt came to.
enum Attempt {
    Answered {
        status: reqwest::StatusCode,
        retry_after: Option<Duration>,
    },
    /// No answer: no connection, a timeout, a connection dropped mid-way.
    Failed { reason: &'static str },
}

impl ApprovalWebhook {
    pub fn new(config: WebhookConfig) -> Self {
        crate::install_crypto_provider();
        let http = reqwest::Client::builder()
            // A redirect would send the notice, signed, to a host nobody configured.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .user_agent(concat!("mcp-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a reqwest client with rustls and a process-wide crypto provider builds");
        ApprovalWebhook {
            inner: Arc::new(Inner {
                config,
                http,
                pending: Arc::new(Semaphore::new(MAX_PENDING)),
            }),
        }
    }

    /// Sends `notice` in the background and returns its delivery id at once, or `None` when
    /// [`MAX_PENDING`] notices are already queued or in flight: then this one is dropped (logged
    /// and counted). Must be called within a Tokio runtime.
    pub fn notify(&self, notice: ApprovalNotice) -> Option<Uuid> {
        let event = notice.event;
        let Ok(slot) = Arc::clone(&self.inner.pending).try_acquire_owned() else {
            tracing::warn!(
                event = event.as_str(),
                approval = %notice.id,
                "approval webhook: {MAX_PENDING} notices already pending, this one is dropped"
            );
            metrics::counter!("approval_webhook_deliveries_total", "outcome" => "dropped")
                .increment(1);
            return None;
        };
        let prepared = prepare(notice);
        let delivery = prepared.delivery;
        let webhook = self.clone();
        tokio::spawn(async move {
            webhook.send(&prepared).await;
            drop(slot);
        });
        Some(delivery)
    }

    /// Sends `notice` and waits until it is delivered, refused or given up, retries included.
    /// [`ApprovalWebhook::notify`] runs this in the background.
    pub async fn deliver(&self, notice: ApprovalNotice) -> DeliveryOutcome {
        self.send(&prepare(notice)).await
    }

    async fn send(&self, notice: &Prepared) -> DeliveryOutcome {
        let config = &self.inner.config;
        let max_attempts = config.max_attempts.max(1);
        let mut attempt = 1;
        let outcome = loop {
            let wait = match self.attempt(notice).await {
                Attempt::Answered { status, .. } if status.is_success() => {
                    tracing::info!(
                        delivery = %notice.delivery,
                        event = notice.event.as_str(),
                        status = status.as_u16(),
                        attempt,
                        "approval webhook: delivered"
                    );
                    break DeliveryOutcome::Delivered { attempts: attempt };
                }
                Attempt::Answered {
                    status,
                    retry_after,
                } if is_retryable(status) => {
                    tracing::warn!(
                        delivery = %notice.delivery,
                        event = notice.event.as_str(),
                        status = status.as_u16(),
                        attempt,
                        "approval webhook: attempt failed"
                    );
                    retry_after.unwrap_or_else(|| {
                        backoff(config.backoff_base, attempt) + jitter(attempt, config)
                    })
                }
                Attempt::Answered { status, .. } => {
                    tracing::warn!(
                        delivery = %notice.delivery,
                        event = notice.event.as_str(),
                        status = status.as_u16(),
                        attempt,
                        "approval webhook: the receiver refused the notice; not retried"
                    );
                    break DeliveryOutcome::Refused {
                        status: status.as_u16(),
                        attempts: attempt,
                    };
                }
                Attempt::Failed { reason } => {
                    tracing::warn!(
                        delivery = %notice.delivery,
                        event = notice.event.as_str(),
                        reason,
                        attempt,
                        "approval webhook: attempt failed"
                    );
                    backoff(config.backoff_base, attempt) + jitter(attempt, config)
                }
            };
            if attempt >= max_attempts {
                tracing::warn!(
                    delivery = %notice.delivery,
                    event = notice.event.as_str(),
                    attempt,
                    "approval webhook: given up after {max_attempts} attempts"
                );
                break DeliveryOutcome::GaveUp { attempts: attempt };
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        };
        metrics::counter!("approval_webhook_deliveries_total", "outcome" => outcome.label())
            .increment(1);
        outcome
    }

    async fn attempt(&self, notice: &Prepared) -> Attempt {
        let config = &self.inner.config;
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
            .to_string();
        let signature = sign(
            config.secret.expose_secret().as_bytes(),
            &timestamp,
            &notice.body,
        );
        let sent = self
            .inner
            .http
            .post(config.url.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header("x-gateway-event", notice.event.as_str())
            .header("x-gateway-delivery", notice.delivery.to_string())
            .header("x-gateway-timestamp", &timestamp)
            .header("x-gateway-signature", signature)
            .body(notice.body.clone())
            .send()
            .await;
        match sent {
            Ok(response) => Attempt::Answered {
                status: response.status(),
                retry_after: response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| retry_after(value, SystemTime::now())),
            },
            // reqwest's own text names the URL, which must not be logged.
            Err(e) if e.is_timeout() => Attempt::Failed { reason: "timeout" },
            Err(e) if e.is_connect() => Attempt::Failed {
                reason: "no connection",
            },
            Err(_) => Attempt::Failed {
                reason: "no answer",
            },
        }
    }
}

/// `sha256=<hex>`: the HMAC-SHA256 under `key` of `{timestamp}.{body}`.
fn sign(key: &[u8], timestamp: &str, body: &[u8]) -> String {
    let digest = signer(key, timestamp, body).finalize().into_bytes();
    format!("sha256={}", hex::encode(digest))
}

/// The HMAC fed with `{timestamp}.{body}`.
fn signer(key: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Whether `header` (`x-gateway-signature`) is the signature of `timestamp`
/// (`x-gateway-timestamp`) and `body` (the raw bytes received) under `key`, compared in constant
/// time. Checking that the timestamp is recent is the receiver's job.
pub fn verify_signature(key: &[u8], timestamp: &str, body: &[u8], header: &str) -> bool {
    let Some(expected) = header
        .strip_prefix("sha256=")
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
    else {
        return false;
    };
    signer(key, timestamp, body).verify_slice(&expected).is_ok()
}

/// The body and a fresh delivery id; oversized arguments are replaced by a note.
fn prepare(mut notice: ApprovalNotice) -> Prepared {
    let arguments_size = serde_json::to_vec(&notice.arguments).map_or(0, |bytes| bytes.len());
    if arguments_size > MAX_ARGUMENTS_BYTES {
        notice.arguments = serde_json::json!({
            "omitted": format!("{arguments_size} bytes, more than a notice carries; see the approval page"),
        });
    }
    #[derive(Serialize)]
    struct Body<'a> {
        text: String,
        #[serde(flatten)]
        notice: &'a ApprovalNotice,
    }
    let body = serde_json::to_vec(&Body {
        text: summary(&notice),
        notice: &notice,
    })
    .expect("a notice serialises to JSON");
    Prepared {
        delivery: Uuid::new_v4(),
        event: notice.event,
        body,
    }
}

/// The `text` field: one paragraph in Slack's message format.
fn summary(notice: &ApprovalNotice) -> String {
    let requester = quoted(&notice.requester);
    let tool = quoted(&notice.tool);
    let tenant = quoted(&notice.tenant);
    let via = notice
        .client
        .as_deref()
        .map(|client| format!(" (via {})", quoted(client)))
        .unwrap_or_default();
    let url = slack_escape(notice.url.as_str());
    match notice.event {
        ApprovalEvent::Requested => format!(
            "{requester} asks to run {tool} on tenant {tenant}{via} — approve or deny: <{url}>"
        ),
        ApprovalEvent::Decided => {
            let status = notice.status.as_deref().map_or_else(
                || "decided".to_owned(),
                |status| slack_escape(&one_line(status)),
            );
            format!(
                "{requester}'s request to run {tool} on tenant {tenant}{via} was {status}: <{url}>"
            )
        }
    }
}

/// `value` as inline code: on one line, cut short, without backticks (which would end the code
/// span; Slack has no escape for them), escaped.
fn quoted(value: &str) -> String {
    format!("`{}`", slack_escape(&one_line(value).replace('`', "'")))
}

/// Control characters (newlines included) become spaces; long values are cut with `…`.
fn one_line(value: &str) -> String {
    let mut line: String = value
        .chars()
        .take(MAX_TEXT_VALUE_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if value.chars().count() > MAX_TEXT_VALUE_CHARS {
        line.push('…');
    }
    line
}

/// Slack's three control characters, as its message formatting docs ask: `&`, `<`, `>`.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Worth another attempt: the receiver or something in front of it may do better soon.
fn is_retryable(status: reqwest::StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429) || status.is_server_error()
}

/// The wait after failed attempt `attempt` (1-based): `base · 2^(attempt-1)`, at most 30 s.
fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(16)))
        .min(MAX_BACKOFF)
}

/// Up to half the backoff again, at random, so notices failed together are not retried together.
fn jitter(attempt: u32, config: &WebhookConfig) -> Duration {
    use rand::Rng;
    let max_ms = (backoff(config.backoff_base, attempt) / 2).as_millis() as u64;
    Duration::from_millis(rand::rng().random_range(0..=max_ms))
}

/// The wait `Retry-After` asks for, delta-seconds or an HTTP date (a past date means now), cut
/// to 60 s.
fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(now).unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

fn url_as_str<S: Serializer>(url: &Url, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(url.as_str())
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;
    use std::time::Instant;

    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Response};

    use super::*;

    const KEY: &str = "a-test-key-of-more-than-32-characters";

    /// One request as the receiver saw it.
    struct Received {
        delivery: String,
        event: String,
        content_type: String,
        /// The signature checked out under `KEY`.
        signed: bool,
        body: serde_json::Value,
    }

    /// A webhook receiver on 127.0.0.1:0: answers the scripted statuses in turn (then 200), or
    /// never answers.
    #[derive(Default)]
    struct Receiver {
        /// Status and `Retry-After`, one per request.
        answers: Mutex<VecDeque<(u16, Option<&'static str>)>>,
        hang: bool,
        received: Mutex<Vec<Received>>,
    }

    impl Receiver {
        fn answering(answers: &[(u16, Option<&'static str>)]) -> Self {
            Receiver {
                answers: Mutex::new(answers.iter().copied().collect()),
                ..Receiver::default()
            }
        }

        async fn start(self) -> (Arc<Receiver>, Url) {
            let receiver = Arc::new(self);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url =
                Url::parse(&format!("http://{}/hook", listener.local_addr().unwrap())).unwrap();
            let app = axum::Router::new()
                .route("/hook", axum::routing::post(receive))
                .with_state(Arc::clone(&receiver));
            tokio::spawn(async move { axum::serve(listener, app).await });
            (receiver, url)
        }

        fn received(&self) -> std::sync::MutexGuard<'_, Vec<Received>> {
            self.received.lock().unwrap()
        }
    }

    async fn receive(
        State(receiver): State<Arc<Receiver>>,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let signed = verify_signature(
            KEY.as_bytes(),
            &header("x-gateway-timestamp"),
            &body,
            &header("x-gateway-signature"),
        );
        receiver.received.lock().unwrap().push(Received {
            delivery: header("x-gateway-delivery"),
            event: header("x-gateway-event"),
            content_type: header("content-type"),
            signed,
            body: serde_json::from_slice(&body).unwrap_or_default(),
        });
        if receiver.hang {
            std::future::pending::<()>().await;
        }
        let next = receiver.answers.lock().unwrap().pop_front();
        let (status, retry_after) = next.unwrap_or((200, None));
        let mut response = StatusCode::from_u16(status).unwrap().into_response();
        if let Some(wait) = retry_after {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, HeaderValue::from_static(wait));
        }
        response
    }

    fn config(url: Url) -> WebhookConfig {
        WebhookConfig {
            url,
            secret: secrecy::SecretString::from(KEY),
            timeout: Duration::from_secs(5),
            max_attempts: 5,
            backoff_base: Duration::from_millis(10),
        }
    }

    fn notice() -> ApprovalNotice {
        ApprovalNotice {
            event: ApprovalEvent::Requested,
            id: "apr_1".to_owned(),
            tenant: "prod".to_owned(),
            requester: "alice@example.com".to_owned(),
            client: None,
            tool: "auth0_delete_user".to_owned(),
            arguments: serde_json::json!({ "user_id": "auth0|42" }),
            rule: "deletes need two admins".to_owned(),
            approvers: vec!["bob@example.com".to_owned(), "carol@example.com".to_owned()],
            required: 2,
            expires_at: time::macros::datetime!(2026-12-01 10:00 UTC),
            url: Url::parse("https://gw.example.com/approvals/apr_1").unwrap(),
            status: None,
        }
    }

    #[tokio::test]
    async fn a_delivery_arrives_signed_with_the_slack_text() {
        let (receiver, url) = Receiver::default().start().await;
        let outcome = ApprovalWebhook::new(config(url)).deliver(notice()).await;
        assert_eq!(outcome, DeliveryOutcome::Delivered { attempts: 1 });
        let received = receiver.received();
        assert_eq!(received.len(), 1);
        let got = &received[0];
        assert!(got.signed);
        assert_eq!(got.event, "approval.requested");
        assert_eq!(got.content_type, "application/json");
        assert!(Uuid::parse_str(&got.delivery).is_ok(), "{}", got.delivery);
        assert_eq!(
            got.body,
            serde_json::json!({
                "text": "`alice@example.com` asks to run `auth0_delete_user` on tenant `prod` — approve or deny: <https://gw.example.com/approvals/apr_1>",
                "event": "approval.requested",
                "id": "apr_1",
                "tenant": "prod",
                "requester": "alice@example.com",
                "client": null,
                "tool": "auth0_delete_user",
                "arguments": { "user_id": "auth0|42" },
                "rule": "deletes need two admins",
                "approvers": ["bob@example.com", "carol@example.com"],
                "required": 2,
                "expires_at": "2026-12-01T10:00:00Z",
                "url": "https://gw.example.com/approvals/apr_1",
                "status": null,
            })
        );
    }

    #[tokio::test]
    async fn a_500_is_retried_and_the_notice_arrives_once_with_the_same_delivery_id() {
        let (receiver, url) = Receiver::answering(&[(500, None)]).start().await;
        let outcome = ApprovalWebhook::new(config(url)).deliver(notice()).await;
        assert_eq!(outcome, DeliveryOutcome::Delivered { attempts: 2 });
        let received = receiver.received();
        assert_eq!(received.len(), 2);
        assert_eq!(received[0].delivery, received[1].delivery);
        assert!(received.iter().all(|r| r.signed));
    }

    #[tokio::test]
    async fn a_429_waits_as_long_as_retry_after_says() {
        let (receiver, url) = Receiver::answering(&[(429, Some("1"))]).start().await;
        let started = Instant::now();
        let outcome = ApprovalWebhook::new(config(url)).deliver(notice()).await;
        assert_eq!(outcome, DeliveryOutcome::Delivered { attempts: 2 });
        // The backoff alone would have waited 10–15 ms.
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(receiver.received().len(), 2);
    }

    #[tokio::test]
    async fn a_400_or_a_redirect_is_not_retried() {
        for status in [400, 302] {
            let (receiver, url) = Receiver::answering(&[(status, None)]).start().await;
            let outcome = ApprovalWebhook::new(config(url)).deliver(notice()).await;
            assert_eq!(
                outcome,
                DeliveryOutcome::Refused {
                    status,
                    attempts: 1
                }
            );
            assert_eq!(receiver.received().len(), 1, "{status}");
        }
    }

    #[tokio::test]
    async fn a_receiver_that_never_answers_times_out_and_is_given_up_after_max_attempts() {
        let receiver = Receiver {
            hang: true,
            ..Receiver::default()
        };
        let (receiver, url) = receiver.start().await;
        let config = WebhookConfig {
            timeout: Duration::from_millis(200),
            max_attempts: 3,
            ..config(url)
        };
        let outcome = ApprovalWebhook::new(config).deliver(notice()).await;
        assert_eq!(outcome, DeliveryOutcome::GaveUp { attempts: 3 });
        let received = receiver.received();
        assert_eq!(received.len(), 3);
        assert!(received.iter().all(|r| r.delivery == received[0].delivery));
    }

    #[tokio::test]
    async fn an_unreachable_receiver_is_retried_then_given_up() {
        // Bound, then closed: nothing listens on this port.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = Url::parse(&format!("http://127.0.0.1:{port}/hook")).unwrap();
        let config = WebhookConfig {
            max_attempts: 2,
            ..config(url)
        };
        let outcome = ApprovalWebhook::new(config).deliver(notice()).await;
        assert_eq!(outcome, DeliveryOutcome::GaveUp { attempts: 2 });
    }

    #[test]
    fn a_wrong_key_or_a_changed_message_fails_verification() {
        let body = br#"{"event":"approval.requested"}"#;
        let header = sign(KEY.as_bytes(), "1700000000", body);
        assert!(
            header.starts_with("sha256=") && header.len() == 7 + 64,
            "{header}"
        );
        assert!(verify_signature(
            KEY.as_bytes(),
            "1700000000",
            body,
            &header
        ));
        assert!(!verify_signature(
            b"another-key-of-more-than-32-characters",
            "1700000000",
            body,
            &header
        ));
        assert!(!verify_signature(
            KEY.as_bytes(),
            "1700000001",
            body,
            &header
        ));
        assert!(!verify_signature(
            KEY.as_bytes(),
            "1700000000",
            br#"{"event":"approval.decided"}"#,
            &header
        ));
        assert!(!verify_signature(
            KEY.as_bytes(),
            "1700000000",
            body,
            &header["sha256=".len()..]
        ));
        assert!(!verify_signature(
            KEY.as_bytes(),
            "1700000000",
            body,
            "sha256=not-hex"
        ));
        assert!(!verify_signature(
            KEY.as_bytes(),
            "1700000000",
            body,
            &header[..header.len() - 2]
        ));
    }

    #[tokio::test]
    async fn beyond_256_pending_notices_are_dropped_without_blocking_until_a_slot_frees() {
        let receiver = Receiver {
            hang: true,
            ..Receiver::default()
        };
        let (_receiver, url) = receiver.start().await;
        let config = WebhookConfig {
            timeout: Duration::from_millis(500),
            max_attempts: 1,
            ..config(url)
        };
        let webhook = ApprovalWebhook::new(config);
        let started = Instant::now();
        let queued = (0..MAX_PENDING + 44)
            .filter_map(|_| webhook.notify(notice()))
            .collect::<std::collections::HashSet<Uuid>>();
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(queued.len(), MAX_PENDING);
        assert_eq!(webhook.notify(notice()), None);
        // Once the deliveries in flight time out, their slots serve new notices.
        let deadline = Instant::now() + Duration::from_secs(20);
        while webhook.notify(notice()).is_none() {
            assert!(Instant::now() < deadline, "no slot freed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    #[test]
    fn the_text_escapes_slack_control_characters_and_stays_one_line() {
        let notice = ApprovalNotice {
            requester: "Eve <eve@example.com> & co".to_owned(),
            tool: "auth0_`x`\nnext".to_owned(),
            client: Some("<!channel>".to_owned()),
            ..notice()
        };
        assert_eq!(
            summary(&notice),
            "`Eve &lt;eve@example.com&gt; &amp; co` asks to run `auth0_'x' next` on tenant `prod` (via `&lt;!channel&gt;`) — approve or deny: <https://gw.example.com/approvals/apr_1>"
        );
        let long = "x".repeat(500);
        assert_eq!(quoted(&long), format!("`{}…`", "x".repeat(200)));
    }

    #[test]
    fn a_decided_notice_says_how() {
        let notice = ApprovalNotice {
            event: ApprovalEvent::Decided,
            status: Some("approved".to_owned()),
            ..notice()
        };
        assert_eq!(
            summary(&notice),
            "`alice@example.com`'s request to run `auth0_delete_user` on tenant `prod` was approved: <https://gw.example.com/approvals/apr_1>"
        );
    }

    #[test]
    fn oversized_arguments_are_left_out() {
        let notice = ApprovalNotice {
            arguments: serde_json::json!({ "blob": "x".repeat(MAX_ARGUMENTS_BYTES) }),
            ..notice()
        };
        let prepared = prepare(notice);
        assert!(prepared.body.len() < 2048, "{}", prepared.body.len());
        let body: serde_json::Value = serde_json::from_slice(&prepared.body).unwrap();
        let note = body["arguments"]["omitted"].as_str().unwrap();
        assert!(note.contains("see the approval page"), "{note}");
    }

    #[test]
    fn backoff_doubles_from_the_base_up_to_30_seconds() {
        let waits: Vec<u64> = (1..=7)
            .map(|attempt| backoff(Duration::from_secs(1), attempt).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date_and_cut_to_a_minute() {
        let now = SystemTime::now();
        assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("3600", now), Some(Duration::from_secs(60)));
        let soon = httpdate::fmt_http_date(now + Duration::from_secs(30));
        let wait = retry_after(&soon, now).unwrap();
        assert!(
            wait <= Duration::from_secs(30) && wait >= Duration::from_secs(29),
            "{wait:?}"
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
    }
}
