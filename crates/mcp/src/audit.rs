//! What the server tells the audit log about each tool call, and about requests refused before
//! one could run. The sink is the gateway's (it owns
//! the store); this crate only says what a record holds — never arguments or results, which may
//! carry personal data or secrets.

/// One tool call, after it finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Unix milliseconds when the call finished.
    pub at_ms: i64,
    pub tenant: String,
    /// Who the call was made for (as `Principal::subject` says it).
    pub principal: String,
    pub tool: String,
    /// `ok`, or the failure kind (`missing_scopes`, `upstream`, …).
    pub outcome: String,
    /// The upstream HTTP status when Auth0 answered with an error.
    pub upstream_status: Option<u16>,
    /// Auth0's `x-auth0-requestid` when it answered with an error (what Auth0 support asks for).
    pub upstream_request_id: Option<String>,
    pub latency_ms: u64,
}

impl AuditRecord {
    /// A request refused before any tool ran: `what` is the route, `outcome` says why
    /// (`refused_credential`, `refused_session`, `refused_host`, …). Fields the refusal does not
    /// know (an unauthenticated caller's tenant) are `-`.
    pub fn refusal(tenant: &str, principal: &str, what: &str, outcome: &str) -> AuditRecord {
        AuditRecord {
            at_ms: now_ms(),
            tenant: tenant.to_owned(),
            principal: principal.to_owned(),
            tool: what.to_owned(),
            outcome: outcome.to_owned(),
            upstream_status: None,
            upstream_request_id: None,
            latency_ms: 0,
        }
    }
}

/// Unix milliseconds now, as records keep time.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Where audit records go. `record` must not block the call: sinks queue and write behind.
pub trait AuditSink: Send + Sync {
    fn record(&self, record: AuditRecord);
}
