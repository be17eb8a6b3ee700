//! What the server tells the audit log about each tool call, and about requests refused before
//! one could run. The sink is the gateway's (it owns the store); this crate only says what a
//! record holds — never arguments or results, which may carry personal data or secrets.

use crate::access::Principal;
use crate::policy_gate::PolicyNote;

/// One tool call, after it finished (or, as an intent, before it leaves for Auth0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Given when the record is made ([`new_id`]): a record kept twice (replayed after an outage
    /// or a crash) is stored once, and a call's final record replaces its intent.
    pub id: String,
    /// Unix milliseconds when the call finished.
    pub at_ms: i64,
    pub tenant: String,
    /// Who the call was made for, as people read it (`Principal::subject`).
    pub principal: String,
    /// The connection the principal acts through, kept apart from the display string so "the
    /// connection's last use" is a lookup, whatever credential the call came with.
    pub connection_id: Option<String>,
    /// The MCP client whose OAuth token the call came with.
    pub oauth_client: Option<String>,
    pub tool: String,
    pub outcome: Outcome,
    /// The upstream HTTP status when Auth0 answered with an error.
    pub upstream_status: Option<u16>,
    /// Auth0's `x-auth0-requestid` when it answered with an error (what Auth0 support asks for).
    pub upstream_request_id: Option<String>,
    pub latency_ms: u64,
    /// What the tenant's policy did: the rule, its action, the approval request, who approved.
    pub policy: crate::policy_gate::PolicyNote,
}

impl AuditRecord {
    /// A request refused before any tool ran: `what` is the route, `why` the refusal. Fields the
    /// refusal does not know (an unauthenticated caller's tenant) are `-`.
    pub fn refusal(tenant: &str, principal: &str, what: &str, why: RefusalKind) -> AuditRecord {
        AuditRecord {
            id: new_id(),
            at_ms: now_ms(),
            tenant: tenant.to_owned(),
            principal: principal.to_owned(),
            connection_id: None,
            oauth_client: None,
            tool: what.to_owned(),
            outcome: Outcome::Refused(why),
            upstream_status: None,
            upstream_request_id: None,
            latency_ms: 0,
            policy: Default::default(),
        }
    }

    /// A call's intent, made before it leaves for Auth0 (see [`AuditSink::begin`]): how the
    /// record reads if the gateway never learns how the call ended.
    pub fn intent(id: &str, principal: &Principal, tool: &str, policy: &PolicyNote) -> AuditRecord {
        AuditRecord {
            id: id.to_owned(),
            at_ms: now_ms(),
            tenant: principal.tenant.clone(),
            principal: principal.subject.clone(),
            connection_id: principal.connection.clone(),
            oauth_client: principal.oauth_client.clone(),
            tool: tool.to_owned(),
            outcome: Outcome::Interrupted,
            upstream_status: None,
            upstream_request_id: None,
            latency_ms: 0,
            policy: policy.clone(),
        }
    }

    /// A request refused to a principal the gateway already knows (a session presented by
    /// another credential, a session over the limit).
    pub fn refusal_of(principal: &Principal, what: &str, why: RefusalKind) -> AuditRecord {
        AuditRecord {
            connection_id: principal.connection.clone(),
            oauth_client: principal.oauth_client.clone(),
            ..AuditRecord::refusal(&principal.tenant, &principal.subject, what, why)
        }
    }
}

/// A new record id: a UUIDv7 (time-ordered, random), 32 hex digits.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// How a tool call ended, or why a request was refused before one could run. The audit log keeps
/// it as text ([`Outcome::as_str`]); those texts never change, so old rows read the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Ok,
    /// The tool failed; the kinds are [`crate::error::ToolError`]'s.
    InvalidArguments,
    /// A pseudonym in the arguments was unknown, altered, another tenant's, or this caller may
    /// not hand pseudonyms back.
    PseudonymRefused,
    MissingScopes,
    NotAllowed,
    Token,
    Connection,
    Upstream,
    Rejected,
    Internal,
    /// The tenant's policy refused the call.
    PolicyDenied,
    /// The call needs approval; a request is waiting on its approvers.
    AwaitingApproval,
    /// The approvers denied the call.
    ApprovalDenied,
    /// The approval was spent by an identical call that raced this one.
    ApprovalUsed,
    /// The call waits for the person at the client to confirm it (2026-07-28 round trip).
    AwaitingConfirmation,
    /// The person at the client declined or dismissed the confirmation.
    ConfirmationDeclined,
    /// The call waits for its user to sign in again with MFA (`step_up`).
    AwaitingStepUp,
    /// The caller's user signed in again with MFA (the record's principal is that user).
    SteppedUp,
    /// The gateway stopped (killed, crashed) after the call left for Auth0 and before it learned
    /// how the call ended: whether Auth0 did it is unknown. Written from the call's intent.
    Interrupted,
    /// The call was not run because its audit record could not be kept.
    AuditUnavailable,
    /// An approver approved a request (the record's principal is the approver).
    Approved,
    /// An approver denied a request.
    Denied,
    /// A limit of the tenant's was reached: the call was not run.
    RateLimited,
    /// The limits' counters could not be reached and the operator refuses calls then.
    LimitsUnavailable,
    Refused(RefusalKind),
}

impl Outcome {
    /// Every outcome: what a stored text is looked up among.
    fn all() -> impl Iterator<Item = Outcome> {
        [
            Outcome::Ok,
            Outcome::InvalidArguments,
            Outcome::MissingScopes,
            Outcome::NotAllowed,
            Outcome::Token,
            Outcome::Connection,
            Outcome::Upstream,
            Outcome::Rejected,
            Outcome::Internal,
            Outcome::PolicyDenied,
            Outcome::AwaitingApproval,
            Outcome::ApprovalDenied,
            Outcome::ApprovalUsed,
            Outcome::AwaitingConfirmation,
            Outcome::ConfirmationDeclined,
            Outcome::AwaitingStepUp,
            Outcome::SteppedUp,
            Outcome::Interrupted,
            Outcome::AuditUnavailable,
            Outcome::Approved,
            Outcome::Denied,
            Outcome::PseudonymRefused,
            Outcome::RateLimited,
            Outcome::LimitsUnavailable,
        ]
        .into_iter()
        .chain(RefusalKind::ALL.map(Outcome::Refused))
    }

    /// The text the audit log, the metrics and the logs say.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::InvalidArguments => "invalid_arguments",
            Outcome::PseudonymRefused => "pseudonym_refused",
            Outcome::MissingScopes => "missing_scopes",
            Outcome::NotAllowed => "not_allowed",
            Outcome::Token => "token",
            Outcome::Connection => "connection",
            Outcome::Upstream => "upstream",
            Outcome::Rejected => "rejected",
            Outcome::Internal => "internal",
            Outcome::PolicyDenied => "policy_denied",
            Outcome::AwaitingApproval => "awaiting_approval",
            Outcome::ApprovalDenied => "approval_denied",
            Outcome::ApprovalUsed => "approval_used",
            Outcome::AwaitingConfirmation => "awaiting_confirmation",
            Outcome::ConfirmationDeclined => "confirmation_declined",
            Outcome::AwaitingStepUp => "awaiting_step_up",
            Outcome::SteppedUp => "stepped_up",
            Outcome::Interrupted => "interrupted",
            Outcome::AuditUnavailable => "audit_unavailable",
            Outcome::Approved => "approved",
            Outcome::Denied => "denied",
            Outcome::RateLimited => "rate_limited",
            Outcome::LimitsUnavailable => "limits_unavailable",
            Outcome::Refused(why) => why.as_str(),
        }
    }

    /// The outcome a stored text stands for; `None` for a text this version never writes.
    pub fn from_text(text: &str) -> Option<Outcome> {
        Outcome::all().find(|o| o.as_str() == text)
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the stored text, so a reader can ask `record.outcome == "refused_host"`.
impl PartialEq<&str> for Outcome {
    fn eq(&self, text: &&str) -> bool {
        self.as_str() == *text
    }
}

/// Why a request was refused before any tool ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// A bearer credential the store does not know, or revoked or expired.
    Credential,
    /// The store could not say whether a credential or sign-in is good (the caller may be fine).
    StoreUnavailable,
    /// A session id presented by a credential other than the one that opened it.
    Session,
    /// A new session or stream over the credential's or the gateway's limit.
    SessionLimit,
    /// A `Host` header the gateway does not serve (DNS rebinding).
    Host,
    /// An `Origin` the gateway does not serve.
    Origin,
    /// A portal form without its session's form token.
    Csrf,
    /// A wrong admin key at the portal's sign-in.
    AdminKey,
    /// A sign-in callback whose state is unknown, used or expired.
    State,
    /// A sign-in callback carried to another browser than the one that started it.
    Browser,
    /// Client registrations over the per-address rate.
    RateLimit,
    /// An authorization code presented again.
    CodeReplay,
    /// A spent refresh token presented again.
    RefreshReuse,
    /// Someone signed in on the approval page who may not decide that request: not among its
    /// approvers, its own requester, or without a verified email.
    Approver,
    /// A step-up sign-in that does not count: another user than the caller's, no MFA, or not
    /// fresh.
    StepUp,
    /// A `client_id` URL whose metadata document was not accepted: not https, on a private
    /// address, too slow or large, redirected, or not a valid document for that URL.
    ClientMetadata,
    /// A tool call by an MCP client whose grant lacks a scope the tool needs and its
    /// connection holds: answered 403 `insufficient_scope`, so the client asks for a wider grant.
    InsufficientScope,
    /// A tool's consent link finished by someone other than the user of the connection it is for.
    Consent,
}

impl RefusalKind {
    const ALL: [RefusalKind; 18] = [
        RefusalKind::Credential,
        RefusalKind::StoreUnavailable,
        RefusalKind::Session,
        RefusalKind::SessionLimit,
        RefusalKind::Host,
        RefusalKind::Origin,
        RefusalKind::Csrf,
        RefusalKind::AdminKey,
        RefusalKind::State,
        RefusalKind::Browser,
        RefusalKind::RateLimit,
        RefusalKind::CodeReplay,
        RefusalKind::RefreshReuse,
        RefusalKind::Approver,
        RefusalKind::StepUp,
        RefusalKind::ClientMetadata,
        RefusalKind::InsufficientScope,
        RefusalKind::Consent,
    ];

    /// The text the audit log keeps. `store_unavailable` has no `refused_` prefix: it was
    /// written so before the kinds were typed, and old rows must read the same.
    pub const fn as_str(self) -> &'static str {
        match self {
            RefusalKind::Credential => "refused_credential",
            RefusalKind::StoreUnavailable => "store_unavailable",
            RefusalKind::Session => "refused_session",
            RefusalKind::SessionLimit => "refused_session_limit",
            RefusalKind::Host => "refused_host",
            RefusalKind::Origin => "refused_origin",
            RefusalKind::Csrf => "refused_csrf",
            RefusalKind::AdminKey => "refused_admin_key",
            RefusalKind::State => "refused_state",
            RefusalKind::Browser => "refused_browser",
            RefusalKind::RateLimit => "refused_rate_limit",
            RefusalKind::CodeReplay => "refused_code_replay",
            RefusalKind::RefreshReuse => "refused_refresh_reuse",
            RefusalKind::Approver => "refused_approver",
            RefusalKind::StepUp => "refused_step_up",
            RefusalKind::ClientMetadata => "refused_client_metadata",
            RefusalKind::InsufficientScope => "refused_insufficient_scope",
            RefusalKind::Consent => "refused_consent",
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
#[async_trait::async_trait]
pub trait AuditSink: Send + Sync {
    fn record(&self, record: AuditRecord);

    /// Called before a call leaves for Auth0 with its intent: the record as it must read if the
    /// gateway dies before the call ends (outcome `interrupted`). Returns once the intent is kept
    /// where a crash cannot lose it; the call's `record`, with the same id, replaces it. `Err`
    /// (why) when it cannot be kept: the call must not run.
    async fn begin(&self, intent: &AuditRecord) -> Result<(), String> {
        let _ = intent;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_reads_back_from_its_text_and_no_two_share_one() {
        let mut seen = std::collections::HashSet::new();
        for outcome in Outcome::all() {
            assert_eq!(Outcome::from_text(outcome.as_str()), Some(outcome));
            assert!(seen.insert(outcome.as_str()), "{outcome} twice");
        }
        assert_eq!(Outcome::from_text("refused_"), None);
    }

    /// The texts of rows already written: changing one would make old rows unreadable.
    #[test]
    fn the_stored_texts_stay_what_they_were() {
        let texts: Vec<&str> = Outcome::all().map(Outcome::as_str).collect();
        assert_eq!(
            texts,
            [
                "ok",
                "invalid_arguments",
                "missing_scopes",
                "not_allowed",
                "token",
                "connection",
                "upstream",
                "rejected",
                "internal",
                "policy_denied",
                "awaiting_approval",
                "approval_denied",
                "approval_used",
                "awaiting_confirmation",
                "confirmation_declined",
                "awaiting_step_up",
                "stepped_up",
                "interrupted",
                "audit_unavailable",
                "approved",
                "denied",
                "pseudonym_refused",
                "rate_limited",
                "limits_unavailable",
                "refused_credential",
                "store_unavailable",
                "refused_session",
                "refused_session_limit",
                "refused_host",
                "refused_origin",
                "refused_csrf",
                "refused_admin_key",
                "refused_state",
                "refused_browser",
                "refused_rate_limit",
                "refused_code_replay",
                "refused_refresh_reuse",
                "refused_approver",
                "refused_step_up",
                "refused_client_metadata",
                "refused_insufficient_scope",
                "refused_consent",
            ]
        );
    }
}
