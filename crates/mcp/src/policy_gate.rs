//! The tenant's policy between "the scopes cover this tool" and "call Auth0": what the first
//! matching rule decides, and for calls that need a person, the stored request they wait on.
//! A call that matches no rule costs one in-memory evaluation and no store round trip.

use std::net::IpAddr;

use serde_json::Value;

use crate::access::{Principal, PrincipalKind};
use crate::error::ToolError;

/// Where calls that need a person wait (the gateway's store; approvers are notified from there).
#[async_trait::async_trait]
pub trait PolicyRequests: Send + Sync {
    /// Marks one approved, unexpired request for exactly this call used and returns it; across
    /// replicas, at most one caller ever gets a given request.
    async fn consume_approved(&self, call: &CallKey<'_>) -> Result<Option<Request>, String>;
    /// The latest request for exactly this call that is not used and not expired.
    async fn open_request(&self, call: &CallKey<'_>) -> Result<Option<Request>, String>;
    /// Makes a request (and tells its approvers).
    async fn create(&self, new: NewRequest<'_>) -> Result<Request, String>;
    /// Records that `by` (the person at the client) confirmed request `id`, a `confirm` request
    /// for exactly `call`, and spends it: `true` when this call may now run (once, across replicas).
    async fn confirm(&self, id: &str, call: &CallKey<'_>, by: &str) -> Result<bool, String>;
    /// Records that `by` declined request `id`.
    async fn decline(&self, id: &str, by: &str) -> Result<(), String>;
    /// Whether `user_id` of `tenant` signed in again with MFA recently enough that `step_up`
    /// rules let their calls run (on any replica).
    async fn step_up_valid(&self, tenant: &str, user_id: &str) -> Result<bool, String>;
    /// How long a step-up counts (`[approvals] step_up_minutes`), for telling the user.
    fn step_up_lasts(&self) -> std::time::Duration;
    /// Seals `payload` (authenticated encryption) for a client to carry back; `None` when the
    /// gateway has no key to seal with.
    fn seal(&self, payload: &[u8]) -> Option<String>;
    /// Opens what [`PolicyRequests::seal`] made; `None` when it was not, or was altered.
    fn open(&self, sealed: &str) -> Option<Vec<u8>>;
    /// How long a call held for approval waits for the decision when its client can be told
    /// progress meanwhile (`[approvals] wait_seconds`); zero answers at once.
    fn wait(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

/// Where a waiting call reports progress: the client's peer and the token it sent.
#[derive(Clone)]
pub(crate) struct Progress {
    pub peer: rmcp::Peer<rmcp::RoleServer>,
    pub token: rmcp::model::ProgressToken,
    pub cancelled: tokio_util::sync::CancellationToken,
}

/// What a request is bound to: the tenant, the caller, the tool and its canonical arguments.
#[derive(Debug, Clone, Copy)]
pub struct CallKey<'a> {
    pub tenant: &'a str,
    pub requester: &'a str,
    pub tool: &'a str,
    /// [`gw_policy::call_hash`] of the tool and its validated arguments.
    pub call_hash: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Approve,
    Confirm,
    StepUp,
}

pub struct NewRequest<'a> {
    pub kind: RequestKind,
    pub key: CallKey<'a>,
    pub rule: &'a str,
    pub principal: &'a Principal,
    pub client_name: Option<&'a str>,
    /// The arguments with secrets masked: what approvers see.
    pub arguments_shown: Value,
    pub approvers: Vec<String>,
    pub required: u32,
    pub ttl_secs: i64,
}

/// A stored request, as a tool call sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: String,
    pub status: RequestStatus,
    pub rule: String,
    pub approvers: Vec<String>,
    pub required: u32,
    /// Who approved so far (or, once used, who approved it).
    pub approved_by: Vec<String>,
    /// Unix seconds.
    pub expires_at: i64,
    /// Where approvers decide (`{public_url}/approvals/{id}`), when the gateway has a public URL.
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestStatus {
    Pending,
    Approved,
    Denied { by: String, note: Option<String> },
    Used,
    Expired,
}

/// A call that waits for its own person to do something at a page of the gateway: sign in
/// again with MFA, or confirm the call (for a client that cannot ask them itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonLink {
    pub tool: String,
    pub rule: String,
    pub request_id: String,
    /// The request's page.
    pub url: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub asks: Asks,
}

/// What the person is asked to do at the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asks {
    /// Sign in again with MFA; it then counts for this many minutes, for every `step_up` call.
    StepUp { lasts_minutes: u64 },
    /// Sign in as themselves and confirm exactly this call.
    Confirm,
}

impl PersonLink {
    /// The link as a URL elicitation: the request's page, tracked by the request's id.
    pub fn ask(&self) -> crate::url_elicitation::UrlAsk {
        crate::url_elicitation::UrlAsk {
            message: self.message(),
            url: self.url.clone(),
            elicitation_id: self.request_id.clone(),
        }
    }

    /// What the person reads (in their client's URL prompt).
    pub fn message(&self) -> String {
        match self.asks {
            Asks::StepUp { .. } => format!(
                "The tenant's policy (rule `{}`) asks you to sign in again with MFA before {} runs.",
                self.rule, self.tool
            ),
            Asks::Confirm => format!(
                "The tenant's policy (rule `{}`) asks you to confirm this {} call.",
                self.rule, self.tool
            ),
        }
    }
}

impl std::fmt::Display for PersonLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let expires = jiff::Timestamp::from_second(self.expires_at)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| self.expires_at.to_string());
        match self.asks {
            Asks::StepUp { lasts_minutes } => write!(
                f,
                "{tool} needs the user to sign in again with MFA first (the tenant's policy, rule `{rule}`). Nothing was changed. Ask the user to open {url} and sign in (request {id}, until {expires}); then repeat exactly this call. The sign-in counts for {lasts_minutes} minutes.",
                tool = self.tool,
                rule = self.rule,
                url = self.url,
                id = self.request_id,
            ),
            Asks::Confirm => write!(
                f,
                "{tool} needs the user to confirm this exact call (the tenant's policy, rule `{rule}`), and this client cannot ask them itself. Nothing was changed. Ask the user to open {url}, sign in as themselves and confirm (request {id}, until {expires}); then repeat exactly this call (same arguments): it runs once.",
                tool = self.tool,
                rule = self.rule,
                url = self.url,
                id = self.request_id,
            ),
        }
    }
}

/// What the policy did to a call that went ahead, for the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyNote {
    pub rule: Option<String>,
    pub action: Option<&'static str>,
    pub request_id: Option<String>,
    pub approvers: Vec<String>,
}

impl PolicyNote {
    /// For people reading the audit log: `rule `x`: approve, preq_…, approved by a, b`; `None`
    /// when no rule matched.
    pub fn describe(&self) -> Option<String> {
        let rule = self.rule.as_ref()?;
        let mut parts = vec![self.action.unwrap_or("?").to_owned()];
        parts.extend(self.request_id.clone());
        if !self.approvers.is_empty() {
            parts.push(format!("approved by {}", self.approvers.join(", ")));
        }
        Some(format!("rule `{rule}`: {}", parts.join(", ")))
    }
}

/// Where and through what the call came: what rules on sources and clients match.
#[derive(Debug, Clone, Default)]
pub struct CallOrigin {
    pub source: Option<IpAddr>,
    /// `clientInfo.name`, when the transport knows it.
    pub client_name: Option<String>,
}

/// The request's source address, put in the HTTP request's extensions by the transport.
#[derive(Debug, Clone, Copy)]
pub struct SourceAddress(pub IpAddr);

/// Whether the tenant's policy hides `tool` from `principal` (using the client named
/// `client_name`) outright, as `tools/list` does.
pub fn hidden_by_policy(
    policies: &gw_policy::PolicySet,
    principal: &Principal,
    client_name: Option<&str>,
    tool: &str,
) -> bool {
    let origin = CallOrigin {
        source: None,
        client_name: client_name.map(str::to_owned),
    };
    policies.listing(tool, &policy_caller(principal, &origin)) == gw_policy::Listing::Hidden
}

pub(crate) fn policy_caller<'a>(
    principal: &'a Principal,
    origin: &'a CallOrigin,
) -> gw_policy::Caller<'a> {
    gw_policy::Caller {
        kind: match principal.kind {
            PrincipalKind::User => gw_policy::CallerKind::User,
            PrincipalKind::AgentKey => gw_policy::CallerKind::AgentKey,
            PrincipalKind::LocalOperator => gw_policy::CallerKind::LocalOperator,
        },
        email: principal.email.as_deref(),
        key_name: principal.key_name.as_deref(),
        oauth_client: principal.oauth_client.as_deref(),
        client_name: origin.client_name.as_deref(),
    }
}

/// The arguments as approvers and the audit see them: values under keys that name a secret are
/// masked, at any depth.
pub fn shown_arguments(arguments: &Value) -> Value {
    match arguments {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let secret = ["password", "secret", "token"]
                        .iter()
                        .any(|word| key.to_ascii_lowercase().contains(word));
                    let shown = if secret && !value.is_null() {
                        Value::String("••••••".to_owned())
                    } else {
                        shown_arguments(value)
                    };
                    (key.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shown_arguments).collect()),
        other => other.clone(),
    }
}

/// Why a call waits on, or was stopped by, a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestState {
    pub tool: String,
    pub request: Request,
    /// True when this call made the request.
    pub created: bool,
}

impl std::fmt::Display for RequestState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.request;
        let expires = jiff::Timestamp::from_second(r.expires_at)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| r.expires_at.to_string());
        let who = r.approvers.join(", ");
        let count = if r.required > 1 {
            format!("{} approvals from", r.required)
        } else {
            "approval from".to_owned()
        };
        let at = r
            .url
            .as_ref()
            .map(|url| format!(" They decide at {url}."))
            .unwrap_or_default();
        match &r.status {
            RequestStatus::Pending => write!(
                f,
                "{tool} needs {count} {who} before it runs (the tenant's policy, rule `{rule}`). {made} approval request {id}; it expires at {expires}.{at} Nothing was changed. Once it is approved, repeat exactly this call (same tool, same arguments) and it runs once; a call with other arguments needs its own approval.{so_far}",
                tool = self.tool,
                rule = r.rule,
                id = r.id,
                made = if self.created {
                    "The gateway made"
                } else {
                    "They have not yet decided on"
                },
                so_far = if r.approved_by.is_empty() {
                    String::new()
                } else {
                    format!(" Approved so far by {}.", r.approved_by.join(", "))
                },
            ),
            RequestStatus::Denied { by, note } => write!(
                f,
                "{tool} was denied by {by} (approval request {id}, rule `{rule}`){note}. Nothing was changed; do not repeat this call. The decision stands until {expires}.",
                tool = self.tool,
                id = r.id,
                rule = r.rule,
                note = note
                    .as_deref()
                    .map(|n| format!(": \"{n}\""))
                    .unwrap_or_default(),
            ),
            RequestStatus::Expired => write!(
                f,
                "The approval request {id} for this call expired before it was used. Nothing was changed; repeat the call to ask again.",
                id = r.id,
            ),
            RequestStatus::Approved | RequestStatus::Used => write!(
                f,
                "The approval {id} for this call was just used by another, identical call: an approval lets the call run once. Nothing was changed by this one; if the call must run again, it needs a new approval (repeat it to ask).",
                id = r.id,
            ),
        }
    }
}

pub(crate) fn requests_missing(tool: &str) -> ToolError {
    ToolError::Internal(format!(
        "{tool} needs a person's decision under the tenant's policy, and this gateway process keeps no requests (it has no store); nothing was changed"
    ))
}

pub(crate) fn store_failed(tool: &str, error: String) -> ToolError {
    tracing::warn!(tool, %error, "policy requests are unavailable");
    ToolError::Internal(format!(
        "{tool} needs a person's decision under the tenant's policy, and the gateway's store cannot be reached right now; nothing was changed. Try again shortly."
    ))
}
