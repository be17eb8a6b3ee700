//! Injected failures: rate limits, error statuses, slowness, dropped connections and
//! broken bodies, so clients can be tested against the ways Auth0 misbehaves.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::model::timestamp::unix_now;
use crate::ratelimit::{RATE_LIMIT, set_rate_limit_headers};

/// A failure to inject into requests whose method and path match.
///
/// Over HTTP (`POST /_fake/faults`) it reads, for example,
/// `{"method":"GET","path_prefix":"/api/v2/users","kind":{"type":"rate_limit","reset_after_ms":2000},"times":1}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FaultWire", into = "FaultWire")]
pub struct Fault {
    /// `None` matches every method.
    pub method: Option<String>,
    /// Matches request paths that start with it, e.g. `/api/v2/users` or `/oauth/token`.
    pub path_prefix: String,
    pub kind: FaultKind,
    /// How many requests it hits; `None` = until cleared.
    pub times: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 with `x-ratelimit-reset` = now + `reset_after` (Unix seconds, rounded up) and no
    /// `Retry-After`: Auth0's usual Management API answer.
    RateLimit { reset_after: Duration },
    /// 429 with `Retry-After: seconds`, as Auth0 sends for M2M token quotas.
    RateLimitRetryAfter { seconds: u64 },
    /// That status with the Auth0 error body of the API hit.
    Status(u16),
    /// 403 `insufficient_scope` naming these scopes, as Auth0 answers when its requirements for
    /// an endpoint differ from what the caller's token carries (e.g. after Auth0 changes them).
    InsufficientScope { expected: Vec<String> },
    /// Waits, then answers normally. Latency faults add up and combine with one other fault.
    Latency(Duration),
    /// Closes the connection without a response.
    DropConnection,
    /// 200 whose body is not JSON.
    MalformedBody,
}

#[derive(Serialize, Deserialize)]
struct FaultWire {
    #[serde(default)]
    method: Option<String>,
    path_prefix: String,
    kind: FaultKindWire,
    #[serde(default)]
    times: Option<u32>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum FaultKindWire {
    RateLimit { reset_after_ms: u64 },
    RateLimitRetryAfter { seconds: u64 },
    Status { status: u16 },
    InsufficientScope { expected: Vec<String> },
    Latency { latency_ms: u64 },
    DropConnection,
    MalformedBody,
}

impl From<FaultWire> for Fault {
    fn from(w: FaultWire) -> Self {
        let kind = match w.kind {
            FaultKindWire::RateLimit { reset_after_ms } => FaultKind::RateLimit {
                reset_after: Duration::from_millis(reset_after_ms),
            },
            FaultKindWire::RateLimitRetryAfter { seconds } => {
                FaultKind::RateLimitRetryAfter { seconds }
            }
            FaultKindWire::Status { status } => FaultKind::Status(status),
            FaultKindWire::InsufficientScope { expected } => {
                FaultKind::InsufficientScope { expected }
            }
            FaultKindWire::Latency { latency_ms } => {
                FaultKind::Latency(Duration::from_millis(latency_ms))
            }
            FaultKindWire::DropConnection => FaultKind::DropConnection,
            FaultKindWire::MalformedBody => FaultKind::MalformedBody,
        };
        Fault {
            method: w.method,
            path_prefix: w.path_prefix,
            kind,
            times: w.times,
        }
    }
}

impl From<Fault> for FaultWire {
    fn from(f: Fault) -> Self {
        let kind = match f.kind {
            FaultKind::RateLimit { reset_after } => FaultKindWire::RateLimit {
                reset_after_ms: millis(reset_after),
            },
            FaultKind::RateLimitRetryAfter { seconds } => {
                FaultKindWire::RateLimitRetryAfter { seconds }
            }
            FaultKind::Status(status) => FaultKindWire::Status { status },
            FaultKind::InsufficientScope { expected } => {
                FaultKindWire::InsufficientScope { expected }
            }
            FaultKind::Latency(d) => FaultKindWire::Latency {
                latency_ms: millis(d),
            },
            FaultKind::DropConnection => FaultKindWire::DropConnection,
            FaultKind::MalformedBody => FaultKindWire::MalformedBody,
        };
        FaultWire {
            method: f.method,
            path_prefix: f.path_prefix,
            kind,
            times: f.times,
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The faults in force, in the order they were added, and the random ones.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    entries: Vec<Fault>,
    chaos: Option<Chaos>,
    chaos_injected: u64,
}

/// Faults injected at random into a share of Management API requests, for soak tests.
#[derive(Clone, Debug, PartialEq)]
pub struct Chaos {
    /// The share of requests hit, 0.0–1.0.
    pub rate: f64,
    /// One of these, chosen at random, hits each of them.
    pub kinds: Vec<FaultKind>,
}

/// What to do to one request.
#[derive(Debug, Default)]
pub(crate) struct Planned {
    pub(crate) latency: Duration,
    pub(crate) action: Option<FaultKind>,
}

impl FaultBook {
    pub(crate) fn add(&mut self, fault: Fault) {
        self.entries.push(fault);
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.chaos = None;
    }

    pub(crate) fn set_chaos(&mut self, chaos: Option<Chaos>) {
        self.chaos = chaos;
    }

    /// How many requests the random faults have hit so far.
    pub(crate) fn chaos_injected(&self) -> u64 {
        self.chaos_injected
    }

    /// A random fault for a Management API request, at the configured rate.
    pub(crate) fn plan_chaos(&mut self, planned: &mut Planned) {
        let Some(chaos) = &self.chaos else { return };
        if planned.action.is_some() || chaos.kinds.is_empty() || !rand::random_bool(chaos.rate) {
            return;
        }
        let kind = chaos.kinds[rand::random_range(0..chaos.kinds.len())].clone();
        self.chaos_injected += 1;
        match kind {
            FaultKind::Latency(d) => planned.latency += d,
            other => planned.action = Some(other),
        }
    }

    /// Uses up the faults that hit this request: every matching latency, and the first
    /// matching fault of any other kind.
    pub(crate) fn plan(&mut self, method: &str, path: &str) -> Planned {
        let mut planned = Planned::default();
        for f in &mut self.entries {
            let method_ok = f
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method));
            if !method_ok || !path.starts_with(&f.path_prefix) {
                continue;
            }
            match &f.kind {
                FaultKind::Latency(d) => planned.latency += *d,
                other if planned.action.is_none() => planned.action = Some(other.clone()),
                _ => continue,
            }
            if let Some(t) = &mut f.times {
                *t = t.saturating_sub(1);
            }
        }
        self.entries.retain(|f| f.times != Some(0));
        planned
    }
}

/// The two error dialects: the Management API's envelope and the Authentication API's
/// OAuth `{error, error_description}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Management,
    OAuth,
}

const TOO_MANY: &str = "Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.";

/// The response a fault produces; `None` for latency, which only delays.
pub(crate) fn fault_response(kind: &FaultKind, dialect: Dialect) -> Option<Response> {
    let resp = match kind {
        FaultKind::Latency(_) => return None,
        FaultKind::RateLimit { reset_after } => {
            let reset =
                unix_now() + reset_after.as_secs() + u64::from(reset_after.subsec_nanos() > 0);
            let mut r = error_body(StatusCode::TOO_MANY_REQUESTS, dialect, TOO_MANY);
            set_rate_limit_headers(r.headers_mut(), RATE_LIMIT, 0, reset);
            r
        }
        FaultKind::RateLimitRetryAfter { seconds } => {
            let mut r = error_body(StatusCode::TOO_MANY_REQUESTS, dialect, TOO_MANY);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
            set_rate_limit_headers(r.headers_mut(), RATE_LIMIT, 0, unix_now() + seconds);
            r
        }
        FaultKind::Status(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error_body(
                status,
                dialect,
                status.canonical_reason().unwrap_or("Error"),
            )
        }
        FaultKind::InsufficientScope { expected } => (
            StatusCode::FORBIDDEN,
            axum::Json(json!({
                "statusCode": 403,
                "error": "Forbidden",
                "message": format!("Insufficient scope, expected any of: {}", expected.join(", ")),
                "errorCode": "insufficient_scope",
            })),
        )
            .into_response(),
        FaultKind::DropConnection => {
            // A body that fails before its first byte makes hyper abort the connection
            // without writing the response head, which the client sees as a reset.
            let stream = futures::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other(
                    "fake-auth0: injected dropped connection",
                ))
            });
            Response::new(Body::from_stream(stream))
        }
        FaultKind::MalformedBody => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            "{\"statusCode\":200,\"truncated\": tru",
        )
            .into_response(),
    };
    Some(resp)
}

fn error_body(status: StatusCode, dialect: Dialect, message: &str) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = match dialect {
        Dialect::Management => {
            let mut b = json!({"statusCode": status.as_u16(), "error": reason, "message": message});
            if status == StatusCode::TOO_MANY_REQUESTS {
                b["errorCode"] = json!("too_many_requests");
            }
            b
        }
        Dialect::OAuth => {
            let error = match status.as_u16() {
                400 => "invalid_request",
                401 | 403 => "access_denied",
                429 => "too_many_requests",
                503 => "temporarily_unavailable",
                _ => "server_error",
            };
            let description = if status == StatusCode::TOO_MANY_REQUESTS {
                "Global limit has been reached"
            } else {
                message
            };
            json!({"error": error, "error_description": description})
        }
    };
    (status, axum::Json(body)).into_response()
}

/// Applies the faults in force to one request: sleeps for any latency, then returns the
/// response that replaces the real one, if any.
pub(crate) async fn inject(
    shared: &crate::state::Shared,
    method: &str,
    path: &str,
    dialect: Dialect,
) -> Option<Response> {
    let planned = {
        let mut faults = shared.faults();
        let mut planned = faults.plan(method, path);
        if dialect == Dialect::Management {
            faults.plan_chaos(&mut planned);
        }
        planned
    };
    if !planned.latency.is_zero() {
        tokio::time::sleep(planned.latency).await;
    }
    let kind = planned.action?;
    tracing::info!(method, path, fault = ?kind, "injecting fault");
    fault_response(&kind, dialect)
}
