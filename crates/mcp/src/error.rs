//! Why a tool call failed, and how each failure is told to the model: what happened and what to
//! do next. Tool failures are tool results with `isError: true` (so the model reads them), never
//! protocol errors, except for a tool name that does not exist at all.

use std::time::{Duration, SystemTime};

use gw_auth0::Auth0Error;
use gw_oauth::{MachineTokenError, Scope, ScopeSet, UserTokenError};
use rmcp::model::{CallToolResult, ContentBlock};

use crate::audit::Outcome;

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The arguments do not fit the tool's input schema.
    #[error(
        "Invalid arguments: {0}. Nothing was changed; check the tool's input schema and call it again."
    )]
    InvalidArguments(String),
    /// The caller's scopes do not cover the tool.
    #[error("{tool} needs the scope(s) {missing}, which this connection was not granted. {}", match consent_url {
        Some(url) => format!("The user can grant them at {url} (their access key then gains the tool)."),
        None => "Ask the tenant's operator to grant them, or use a tool you have.".to_owned(),
    }, missing = missing.names().join(", "))]
    MissingScopes {
        tool: String,
        missing: ScopeSet,
        /// Where the user can consent to exactly the missing scopes, when the tenant allows them.
        consent_url: Option<String>,
    },
    /// The connected user's token cannot be had.
    #[error("{}", describe_connection(error, reconnect_url.as_deref()))]
    Connection {
        error: UserTokenError,
        reconnect_url: Option<String>,
    },
    /// The operator's settings for the tenant do not allow the tool.
    #[error("{tool} is not allowed on tenant `{tenant}`: {reason}.")]
    NotAllowed {
        tool: String,
        tenant: String,
        reason: &'static str,
    },
    /// No Management API token could be had.
    #[error("Could not get a token for the Auth0 Management API: {0}")]
    Token(#[from] MachineTokenError),
    #[error("{}", describe_upstream(.0))]
    Upstream(#[from] Auth0Error),
    /// The request made sense to the schema but not to Auth0's rules as we know them.
    #[error("{0}")]
    Rejected(String),
    #[error("Internal error: {0}")]
    Internal(String),
    /// The tenant's policy refuses this call.
    #[error(
        "{tool} is refused by the tenant's policy (rule `{rule}`): {reason}. Nothing was changed."
    )]
    PolicyDenied {
        tool: String,
        rule: String,
        reason: String,
    },
    /// The call waits on (or was stopped by) a person's decision.
    #[error("{0}")]
    Request(Box<crate::policy_gate::RequestState>),
    /// The person at the client did not confirm the call.
    #[error("{tool} was not run: the person using this client {} the confirmation the tenant's policy asks for (rule `{rule}`). Nothing was changed; do not repeat the call unless they ask for it.", if *.cancelled { "dismissed" } else { "declined" })]
    Declined {
        tool: String,
        rule: String,
        cancelled: bool,
    },
    /// The client must ask its person and repeat the call with the answer (2026-07-28): to
    /// confirm it, sign in again with MFA, or consent to more scopes.
    #[error(
        "{tool} needs the person using this client; the client asks them and repeats the call."
    )]
    InputRequired {
        tool: String,
        result: Box<rmcp::model::InputRequiredResult>,
        /// `AwaitingConfirmation`, `AwaitingStepUp`, or `MissingScopes` for a consent.
        waits: Outcome,
    },
    /// A pseudonym in the arguments cannot be used: not this tenant's, altered, or this caller
    /// may not hand pseudonyms back.
    #[error(
        "A pseudonym in the arguments cannot be used: {0}. Nothing was changed; use values (or pseudonyms) this tenant's results gave you."
    )]
    Pseudonym(String),
    /// The call's audit record cannot be kept, so it does not run.
    #[error(
        "The gateway cannot keep the audit record of this call right now ({0}), and it runs no call it cannot record. Nothing was changed; try again shortly."
    )]
    AuditUnavailable(String),
    /// A limit of the tenant's (`[[tenants.limits]]`) is reached for this caller or the tenant.
    #[error(
        "{tool} was not run: the tenant's limit {} is reached. Nothing was changed; retry in {retry_secs} s.",
        name_and_rule(limit, rule)
    )]
    RateLimited {
        tool: String,
        /// The limit's name.
        limit: String,
        /// The limit in words (`30 calls per 1m per caller`).
        rule: String,
        /// Whole seconds (at least 1) until the limit allows one more call.
        retry_secs: u64,
    },
    /// The limits' counters (Redis) cannot be reached and the operator chose to refuse calls
    /// then (`on_redis_down = "closed"`).
    #[error(
        "The gateway cannot count this call against the tenant's limits right now ({0}), and it runs no call it cannot count. Nothing was changed; try again shortly."
    )]
    LimitsUnavailable(String),
    /// The call waits for its person at a link, told to the model in the result.
    #[error("{0}")]
    OpenLink(Box<crate::policy_gate::PersonLink>),
    /// The call waits for its person at a link, for a client that opens links itself: a
    /// URL-elicitation-required error (-32042, up to protocol 2025-11-25).
    #[error("{ask}")]
    UrlElicitationRequired {
        ask: Box<crate::url_elicitation::UrlAsk>,
        /// `AwaitingStepUp`, or `MissingScopes` for a consent to more scopes.
        waits: Outcome,
    },
}

impl ToolError {
    pub fn into_result(self) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text(self.to_string())])
    }

    /// Whether the call was stopped by the tenant's policy on purpose (a request waits, or a
    /// person declined), rather than by a failure worth a warning.
    pub fn is_policy_hold(&self) -> bool {
        matches!(
            self,
            ToolError::Request(_)
                | ToolError::Declined { .. }
                | ToolError::InputRequired { .. }
                | ToolError::OpenLink(_)
                | ToolError::UrlElicitationRequired { .. }
        )
    }

    /// How the call ended, for the audit log, the logs and the metrics.
    pub fn outcome(&self) -> Outcome {
        match self {
            ToolError::InvalidArguments(_) => Outcome::InvalidArguments,
            ToolError::Pseudonym(_) => Outcome::PseudonymRefused,
            ToolError::MissingScopes { .. } => Outcome::MissingScopes,
            ToolError::NotAllowed { .. } => Outcome::NotAllowed,
            ToolError::Token(_) => Outcome::Token,
            ToolError::Connection { .. } => Outcome::Connection,
            ToolError::Upstream(_) => Outcome::Upstream,
            ToolError::Rejected(_) => Outcome::Rejected,
            ToolError::Internal(_) => Outcome::Internal,
            ToolError::PolicyDenied { .. } => Outcome::PolicyDenied,
            ToolError::AuditUnavailable(_) => Outcome::AuditUnavailable,
            ToolError::RateLimited { .. } => Outcome::RateLimited,
            ToolError::LimitsUnavailable(_) => Outcome::LimitsUnavailable,
            ToolError::Declined { .. } => Outcome::ConfirmationDeclined,
            ToolError::InputRequired { waits, .. }
            | ToolError::UrlElicitationRequired { waits, .. } => *waits,
            ToolError::OpenLink(link) => match link.asks {
                crate::policy_gate::Asks::StepUp { .. } => Outcome::AwaitingStepUp,
                crate::policy_gate::Asks::Confirm => Outcome::AwaitingConfirmation,
            },
            ToolError::Request(state) => match state.request.status {
                crate::policy_gate::RequestStatus::Denied { .. } => Outcome::ApprovalDenied,
                crate::policy_gate::RequestStatus::Pending => Outcome::AwaitingApproval,
                _ => Outcome::ApprovalUsed,
            },
        }
    }
}

/// A limit as the model is told it: its name, and what it allows when the name does not say.
fn name_and_rule(name: &str, rule: &str) -> String {
    if name == rule {
        format!("`{name}`")
    } else {
        format!("`{name}` ({rule})")
    }
}

/// Tells the model what Auth0 said and what to do about it.
fn describe_upstream(error: &Auth0Error) -> String {
    match error {
        Auth0Error::Api {
            status,
            error_code,
            message,
            ..
        } => {
            let code = error_code
                .as_deref()
                .map(|c| format!(", errorCode {c}"))
                .unwrap_or_default();
            let advice = match status {
                400 => "Fix the arguments as the message says and call again.".to_owned(),
                401 => "The gateway's token for this tenant was rejected; try again, and if it persists the tenant must be reconnected.".to_owned(),
                403 if error.is_insufficient_scope() => insufficient_scope_advice(&error.missing_scopes()),
                403 => "The token is not allowed to do this for this resource.".to_owned(),
                404 => "Check the id (list the resources to find it).".to_owned(),
                409 => "It already exists or conflicts with existing data; look it up instead of creating it again.".to_owned(),
                414 => "The query is too long; shorten it.".to_owned(),
                500..=599 => "Auth0 had a problem; try again shortly.".to_owned(),
                _ => String::new(),
            };
            format!("Auth0 answered {status}{code}: {message} {advice}")
                .trim_end()
                .to_owned()
        }
        Auth0Error::RateLimited {
            retry_at,
            retry_after,
        } => {
            let wait = retry_after
                .or_else(|| retry_at.and_then(|at| at.duration_since(SystemTime::now()).ok()));
            match wait {
                Some(wait) => format!(
                    "Auth0's rate limit for this tenant is exhausted. Retry after {} seconds.",
                    round_up_secs(wait)
                ),
                None => "Auth0's rate limit for this tenant is exhausted. Retry in a few seconds."
                    .to_owned(),
            }
        }
        Auth0Error::OutcomeUnknown { .. } => format!(
            "{error} Do not simply repeat the call: first read the resource to see whether the change was made."
        ),
        other => format!("The call to Auth0 failed: {other}. Try again shortly."),
    }
}

fn describe_connection(error: &UserTokenError, reconnect_url: Option<&str>) -> String {
    let reconnect = reconnect_url
        .map(|url| format!(" Ask the user to connect again at {url}; their access key keeps working afterwards."))
        .unwrap_or_default();
    match error {
        UserTokenError::NeedsReconnect { reason } => {
            format!("The user's Auth0 connection must be renewed: {reason}.{reconnect}")
        }
        UserTokenError::Gone => {
            "The user's Auth0 connection was revoked; this access key no longer acts for anyone."
                .to_owned()
        }
        UserTokenError::Refresh(error) => {
            format!("Could not refresh the user's Auth0 token ({error}). Try again shortly.")
        }
        UserTokenError::Vault(error) => format!("Internal error: {error}. Try again shortly."),
    }
}

fn round_up_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// Maps the Auth0 scopes a 403 asked for to the gateway scopes that would grant them.
fn insufficient_scope_advice(auth0_missing: &[String]) -> String {
    let product: ScopeSet = Scope::ALL
        .iter()
        .copied()
        .filter(|scope| {
            scope
                .auth0_scopes()
                .iter()
                .any(|s| auth0_missing.iter().any(|m| m == s))
        })
        .collect();
    if product.is_empty() {
        format!(
            "The tenant's token lacks the Auth0 scope(s) {}; none of them is a gateway scope, so this operation is not available through the gateway.",
            auth0_missing.join(", ")
        )
    } else {
        format!(
            "The tenant's token lacks the gateway scope {}: the tenant's operator must grant it to the gateway's application in Auth0 (APIs → Auth0 Management API → Machine to Machine Applications).",
            product.names().join(" or ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insufficient_scope_names_the_gateway_scope() {
        let advice = insufficient_scope_advice(&["create:organization_members".to_owned()]);
        assert!(advice.contains("manage:organization_members"), "{advice}");
    }

    #[test]
    fn missing_scope_error_names_every_missing_scope() {
        let error = ToolError::MissingScopes {
            tool: "auth0_list_user_roles".into(),
            missing: ScopeSet::from_slice(&[Scope::ReadRoles]),
            consent_url: None,
        };
        assert!(error.to_string().contains("read:roles"));
    }
}
