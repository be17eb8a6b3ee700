//! DNS-rebinding protection: the `Host` must be the gateway's own or loopback, and a browser
//! `Origin`, when present, the gateway's own origin or a loopback page. rmcp checks `/mcp` too;
//! this check runs first there so that every refusal is audited the same way.
//!
//! The `Host` check ([`check_host`]) is one layer around the whole app, so no route can be left
//! out (`/metrics`, `/readyz`, the token endpoints and the discovery documents once were, and a
//! page rebound to a loopback gateway could read them). On the [`OPERATIONAL`] routes
//! (`/healthz`, `/readyz`, `/metrics`) a `Host` that is an IP address is accepted too: that is
//! what Kubernetes probes, load-balancer health checks and in-cluster scrapers send (the pod's
//! address, which the gateway cannot know), and a rebinding attack cannot produce it — a rebound
//! page is reached by the attacker's domain name, which its requests carry as `Host`; a page
//! that a browser reached by an IP address is a page of that address, not the attacker's.
//!
//! The `Origin` check ([`check_origin`]) is on the routes browsers must not call from other
//! pages; the discovery documents and the client endpoints (`/register`, `/token`, `/revoke`)
//! are open to any origin by CORS on purpose (browser-hosted MCP clients call them).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gw_mcp::RefusalKind;

/// The hosts and origins a request may name, and where refusals are recorded.
#[derive(Clone)]
pub(crate) struct Allowed {
    pub hosts: Arc<Vec<String>>,
    pub origin: String,
    pub audit: Option<Arc<dyn gw_mcp::AuditSink>>,
}

impl Allowed {
    /// Audits a refusal; the offending value is kept, cut short (it is the caller's text).
    fn refused(&self, request: &Request, why: RefusalKind, value: &str) {
        if let Some(audit) = &self.audit {
            let shown: String = value.chars().take(100).collect();
            audit.record(gw_mcp::AuditRecord::refusal(
                "-",
                &format!(
                    "{} {shown}",
                    if why == RefusalKind::Host {
                        "Host"
                    } else {
                        "Origin"
                    }
                ),
                request.uri().path(),
                why,
            ));
        }
    }
}

/// The routes that also accept an IP address as `Host` (see the module's doc).
pub(crate) const OPERATIONAL: &[&str] = &["/healthz", "/readyz", "/metrics"];

pub(crate) async fn check_host(
    State(allowed): State<Allowed>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let operational = OPERATIONAL.contains(&request.uri().path());
    if !host.map(hostname).is_some_and(|host| {
        allowed.hosts.iter().any(|h| h.eq_ignore_ascii_case(&host))
            || (operational && host.parse::<std::net::IpAddr>().is_ok())
    }) {
        allowed.refused(&request, RefusalKind::Host, host.unwrap_or_default());
        return (
            StatusCode::FORBIDDEN,
            "Forbidden: Host header is not allowed",
        )
            .into_response();
    }
    next.run(request).await
}

pub(crate) async fn check_origin(
    State(allowed): State<Allowed>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(origin) = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        let loopback = ["http://localhost", "http://127.0.0.1", "http://[::1]"]
            .iter()
            .any(|prefix| {
                origin == *prefix
                    || origin
                        .strip_prefix(prefix)
                        .is_some_and(|rest| rest.starts_with(':'))
            });
        if origin != allowed.origin && !loopback {
            allowed.refused(&request, RefusalKind::Origin, origin);
            return (StatusCode::FORBIDDEN, "Forbidden: Origin is not allowed").into_response();
        }
    }
    next.run(request).await
}

/// The host part of a `Host` header value, without port or IPv6 brackets.
fn hostname(authority: &str) -> String {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_owned();
    }
    authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host)
        .to_owned()
}
