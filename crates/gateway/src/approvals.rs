//! Approval requests: tool calls the tenant's policy holds until people say yes. Calls make them
//! through [`StoredRequests`] (the store, seen from gw-mcp); approvers and the operator decide
//! them through [`Approvals::decide`], whatever door they come through (CLI, approval page,
//! portal). Who may decide is judged here, once; the store keeps the decisions atomic.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gw_mcp::policy_gate::{CallKey, NewRequest, Request, RequestStatus};
use gw_mcp::{PrincipalKind, RequestKind};
use gw_policy::Person;
use gw_store::{
    Created, Decided, Decision, NewPolicyRequest, PolicyRequest, RequesterKind, Store, StoreError,
};
use url::Url;

use crate::approval_webhook::{ApprovalEvent, ApprovalNotice, ApprovalWebhook};

/// Requests as tool calls see them: kept in the store, approvers told by webhook.
pub struct StoredRequests {
    pub store: Store,
    pub public_url: Url,
    pub webhook: Option<Arc<ApprovalWebhook>>,
    /// `[approvals] wait_seconds`.
    pub wait: std::time::Duration,
    /// `[approvals] step_up_minutes`.
    pub step_up_lasts: std::time::Duration,
}

/// Where an approver decides a request.
pub fn approval_url(public_url: &Url, id: &str) -> Url {
    gw_mcp::tenant_runtime::join(public_url, &format!("approvals/{id}"))
}

impl StoredRequests {
    fn view(&self, request: PolicyRequest) -> Request {
        let approved_by = request
            .decisions
            .iter()
            .filter(|d| d.decision == Decision::Approve)
            .map(|d| d.approver.clone())
            .collect();
        let status = match request.status {
            gw_store::RequestStatus::Pending => RequestStatus::Pending,
            gw_store::RequestStatus::Approved => RequestStatus::Approved,
            gw_store::RequestStatus::Used => RequestStatus::Used,
            gw_store::RequestStatus::Expired => RequestStatus::Expired,
            gw_store::RequestStatus::Denied => {
                let denial = request
                    .decisions
                    .iter()
                    .rev()
                    .find(|d| d.decision == Decision::Deny);
                RequestStatus::Denied {
                    by: denial.map_or_else(|| "an approver".to_owned(), |d| d.approver.clone()),
                    note: denial.and_then(|d| d.note.clone()),
                }
            }
        };
        Request {
            url: Some(approval_url(&self.public_url, &request.id).to_string()),
            id: request.id,
            status,
            rule: request.rule,
            approvers: request.approvers,
            required: request.required,
            approved_by,
            expires_at: request.expires_at,
        }
    }
}

#[async_trait::async_trait]
impl gw_mcp::PolicyRequests for StoredRequests {
    async fn consume_approved(&self, call: &CallKey<'_>) -> Result<Option<Request>, String> {
        let used = self
            .store
            .consume_approved(call.tenant, call.requester, call.tool, call.call_hash)
            .await
            .map_err(|e| e.to_string())?;
        Ok(used.map(|request| self.view(request)))
    }

    async fn open_request(&self, call: &CallKey<'_>) -> Result<Option<Request>, String> {
        let open = self
            .store
            .open_policy_request(call.tenant, call.requester, call.tool, call.call_hash)
            .await
            .map_err(|e| e.to_string())?;
        Ok(open.map(|request| self.view(request)))
    }

    async fn create(&self, new: NewRequest<'_>) -> Result<Request, String> {
        let principal = new.principal;
        let stored = NewPolicyRequest {
            tenant: new.key.tenant.to_owned(),
            kind: match new.kind {
                RequestKind::Approve => gw_store::RequestKind::Approve,
                RequestKind::Confirm => gw_store::RequestKind::Confirm,
                RequestKind::StepUp => gw_store::RequestKind::StepUp,
            },
            rule: new.rule.to_owned(),
            requester: new.key.requester.to_owned(),
            requester_kind: match principal.kind {
                PrincipalKind::User => RequesterKind::User,
                PrincipalKind::AgentKey => RequesterKind::AgentKey,
                PrincipalKind::LocalOperator => RequesterKind::LocalOperator,
            },
            requester_user_id: principal.user_id.clone(),
            requester_email: principal.email.clone(),
            connection_id: principal.connection.clone(),
            oauth_client: principal.oauth_client.clone(),
            client_name: new.client_name.map(str::to_owned),
            tool: new.key.tool.to_owned(),
            arguments_hash: new.key.call_hash.to_owned(),
            arguments_shown: new.arguments_shown,
            approvers: new.approvers,
            required: new.required,
            ttl_secs: new.ttl_secs,
        };
        let request = match self
            .store
            .create_policy_request(&stored)
            .await
            .map_err(|e| e.to_string())?
        {
            Created::New(request) => {
                tracing::info!(request = %request.id, tenant = %request.tenant, tool = %request.tool, rule = %request.rule, kind = request.kind.as_str(), "a call waits for a person");
                // Approvers hear of approvals only: a confirmation or a step-up is the caller's
                // own user's to give.
                if let Some(webhook) = &self.webhook
                    && request.kind == gw_store::RequestKind::Approve
                {
                    webhook.notify(notice(&request, &self.public_url, ApprovalEvent::Requested));
                }
                request
            }
            Created::AlreadyOpen(request) => request,
        };
        Ok(self.view(request))
    }

    async fn confirm(&self, id: &str, call: &CallKey<'_>, by: &str) -> Result<bool, String> {
        let decided = self
            .store
            .decide_policy_request(id, by, Decision::Approve, None)
            .await
            .map_err(|e| e.to_string())?;
        if !matches!(decided, Decided::Recorded(_)) {
            return Ok(false);
        }
        let used = self
            .store
            .consume_approved(call.tenant, call.requester, call.tool, call.call_hash)
            .await
            .map_err(|e| e.to_string())?;
        Ok(used.is_some_and(|request| request.id == id))
    }

    async fn decline(&self, id: &str, by: &str) -> Result<(), String> {
        self.store
            .decide_policy_request(id, by, Decision::Deny, None)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }

    async fn step_up_valid(&self, tenant: &str, user_id: &str) -> Result<bool, String> {
        self.store
            .step_up_valid(tenant, user_id)
            .await
            .map_err(|e| e.to_string())
    }

    fn step_up_lasts(&self) -> std::time::Duration {
        self.step_up_lasts
    }

    fn seal(&self, payload: &[u8]) -> Option<String> {
        let sealed = self.store.seal_for_client(payload, REQUEST_STATE)?;
        Some(URL_SAFE_NO_PAD.encode(sealed))
    }

    fn wait(&self) -> std::time::Duration {
        self.wait
    }

    fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        // A state is a few hundred bytes; anything much longer is not one of ours.
        if sealed.len() > 4096 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        self.store.open_from_client(&bytes, REQUEST_STATE)
    }
}

/// The sealing context of a tool call's `requestState`.
const REQUEST_STATE: &str = "mcp:request_state";

/// What approvers are told about a request.
pub fn notice(request: &PolicyRequest, public_url: &Url, event: ApprovalEvent) -> ApprovalNotice {
    ApprovalNotice {
        event,
        id: request.id.clone(),
        tenant: request.tenant.clone(),
        requester: request.requester.clone(),
        client: request.client_name.clone(),
        tool: request.tool.clone(),
        arguments: request.arguments_shown.clone(),
        rule: request.rule.clone(),
        approvers: request.approvers.clone(),
        required: request.required,
        expires_at: time::OffsetDateTime::from_unix_timestamp(request.expires_at)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        url: approval_url(public_url, &request.id),
        status: (event == ApprovalEvent::Decided).then(|| request.status.as_str().to_owned()),
    }
}

/// Who decides.
#[derive(Debug, Clone, Copy)]
pub enum Approver<'a> {
    /// Someone who signed in at the tenant's Auth0, with a verified email.
    Person { email: &'a str, user_id: &'a str },
    /// The operator, at the gateway's CLI (they hold the store; their word counts as one
    /// approval, recorded as `operator (cli)`).
    Operator,
}

const OPERATOR: &str = "operator (cli)";

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error("There is no approval request {0}.")]
    Unknown(String),
    #[error(
        "This request asks the caller's own user to confirm their call or sign in again; only they can answer it."
    )]
    NotAnApproval,
    #[error(
        "Only the user who made this call can confirm it, and you signed in as someone else. Nothing was decided."
    )]
    NotYourCall,
    #[error("{email} is not among this request's approvers ({approvers}).")]
    NotAnApprover { email: String, approvers: String },
    #[error("Nobody may approve their own call; another approver must decide.")]
    OwnCall,
    #[error("This request expired before it was decided; the caller must ask again.")]
    Expired,
    #[error("This request was already {0}.")]
    NotPending(&'static str),
    #[error("You have already decided on this request.")]
    AlreadyDecided,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Approvals {
    pub store: Store,
    pub public_url: Url,
    pub webhook: Option<Arc<ApprovalWebhook>>,
}

impl Approvals {
    /// Records `approver`'s decision on request `id`, after checking they may make it.
    pub async fn decide(
        &self,
        id: &str,
        approver: Approver<'_>,
        decision: Decision,
        note: Option<&str>,
    ) -> Result<PolicyRequest, DecideError> {
        let request = self
            .store
            .policy_request(id)
            .await?
            .ok_or_else(|| DecideError::Unknown(id.to_owned()))?;
        let who = match approver {
            // The operator decides approvals only: a confirmation is the caller's own user's,
            // and a step-up is a sign-in, not a decision.
            Approver::Operator if request.kind == gw_store::RequestKind::Approve => {
                OPERATOR.to_owned()
            }
            Approver::Operator => return Err(DecideError::NotAnApproval),
            Approver::Person { .. } if request.kind == gw_store::RequestKind::StepUp => {
                return Err(DecideError::NotAnApproval);
            }
            Approver::Person { email, user_id } => {
                may_decide(&request, email, user_id)?;
                email.to_ascii_lowercase()
            }
        };
        let decided = self
            .store
            .decide_policy_request(id, &who, decision, note)
            .await?;
        let request = match decided {
            Decided::Recorded(request) => *request,
            Decided::Unknown => return Err(DecideError::Unknown(id.to_owned())),
            Decided::Expired => return Err(DecideError::Expired),
            Decided::NotPending(status) => return Err(DecideError::NotPending(status.as_str())),
            Decided::AlreadyDecided => return Err(DecideError::AlreadyDecided),
            Decided::SelfApproval => return Err(DecideError::OwnCall),
        };
        tracing::info!(request = %request.id, tenant = %request.tenant, approver = %who, decision = decision.as_str(), status = request.status.as_str(), "approval request decided");
        self.audit_decision(&request, &who, decision).await;
        if let Some(webhook) = &self.webhook
            && request.kind == gw_store::RequestKind::Approve
            && request.status != gw_store::RequestStatus::Pending
        {
            webhook.notify(notice(&request, &self.public_url, ApprovalEvent::Decided));
        }
        Ok(request)
    }
}

impl Approvals {
    /// Records the decision in the audit log: who decided which request, for which call. Written
    /// at once (decisions are rare and the CLI exits right after); a store that fails here has
    /// the decision itself already, so the failure is logged, not returned.
    async fn audit_decision(&self, request: &PolicyRequest, who: &str, decision: Decision) {
        let record = gw_mcp::AuditRecord {
            id: gw_mcp::audit::new_id(),
            at_ms: gw_mcp::audit::now_ms(),
            tenant: request.tenant.clone(),
            principal: who.to_owned(),
            connection_id: None,
            oauth_client: None,
            tool: request.tool.clone(),
            outcome: match decision {
                Decision::Approve => gw_mcp::Outcome::Approved,
                Decision::Deny => gw_mcp::Outcome::Denied,
            },
            upstream_status: None,
            upstream_request_id: None,
            latency_ms: 0,
            policy: gw_mcp::PolicyNote {
                rule: Some(request.rule.clone()),
                action: Some(request.kind.as_str()),
                request_id: Some(request.id.clone()),
                approvers: vec![who.to_owned()],
            },
        };
        if let Err(error) = self.store.append_audit(&[record]).await {
            tracing::warn!(request = %request.id, %error, "cannot record an approval decision in the audit log");
        }
    }
}

/// Whether the person signed in as `email` (verified) / `user_id` may decide `request`: an
/// approval, any listed approver but its requester; a confirmation or step-up, its requester's
/// own user only.
pub fn may_decide(request: &PolicyRequest, email: &str, user_id: &str) -> Result<(), DecideError> {
    if request.kind != gw_store::RequestKind::Approve {
        return if request.requester_user_id.as_deref() == Some(user_id) {
            Ok(())
        } else {
            Err(DecideError::NotYourCall)
        };
    }
    let own = request.requester_user_id.as_deref() == Some(user_id)
        || request
            .requester_email
            .as_deref()
            .is_some_and(|requester| requester.eq_ignore_ascii_case(email));
    if own {
        return Err(DecideError::OwnCall);
    }
    let listed = request
        .approvers
        .iter()
        .filter_map(|text| Person::parse(text))
        .any(|person| person.includes(email));
    if !listed {
        return Err(DecideError::NotAnApprover {
            email: email.to_owned(),
            approvers: request.approvers.join(", "),
        });
    }
    Ok(())
}
