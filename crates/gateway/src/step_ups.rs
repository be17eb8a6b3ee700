//! Completing a step-up: the user a `step_up` request waits on signed in again at the tenant's
//! Auth0. It counts only when the ID token (its signature, issuer and audience checked by
//! gw-oauth) names the request's own user, shows MFA (`amr` contains `mfa`; Auth0 issues a token
//! without it for a user not enrolled) and a fresh authentication (`auth_time`: the sign-in asked
//! for `max_age=0`). Then the user's `step_up` calls run for `[approvals] step_up_minutes`, on
//! every replica, and the request is marked approved for the people reading it later.

use std::time::Duration;

use gw_oauth::IdTokenClaims;
use gw_store::{Decided, Decision, PolicyRequest, RequestKind, RequestStatus, Store, StoreError};

/// How old the authentication may be: a sign-in is good for ten minutes, so a fresh login
/// (`prompt=login`, `max_age=0`) is at most that old when its callback arrives.
const FRESH_SECS: i64 = 10 * 60;

/// Why a sign-in does not count as the step-up a request waits for.
#[derive(Debug, thiserror::Error)]
pub enum StepUpRefused {
    #[error(
        "This link asks the user who made the call to sign in again; you signed in as someone else. Nothing changed."
    )]
    OtherUser,
    #[error(
        "Your sign-in did not include multi-factor authentication, which the tenant's policy asks for. Enroll in MFA at Auth0 (or ask the tenant's administrator), then sign in again. Nothing changed."
    )]
    NoMfa,
    #[error(
        "Auth0 reported an earlier sign-in rather than a new one, so it does not count. Sign in again. Nothing changed."
    )]
    NotFresh,
    #[error(
        "Auth0's answer carried no valid ID token ({0}), so the gateway cannot tell how you signed in. Nothing changed."
    )]
    NoIdToken(String),
    #[error(
        "This request has expired: repeat the call in your client for a new link. Nothing changed."
    )]
    Expired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl StepUpRefused {
    /// Refusals someone could be trying on purpose (another account, no MFA) are audited.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            StepUpRefused::OtherUser | StepUpRefused::NoMfa | StepUpRefused::NotFresh
        )
    }
}

/// Records the step-up `claims` prove for `request` (a `step_up` request), valid for `lasts`.
/// `claims` is what the ID token said, or why it could not be read.
pub async fn complete(
    store: &Store,
    request: &PolicyRequest,
    claims: Result<IdTokenClaims, String>,
    lasts: Duration,
) -> Result<PolicyRequest, StepUpRefused> {
    debug_assert_eq!(request.kind, RequestKind::StepUp);
    if request.status == RequestStatus::Expired {
        return Err(StepUpRefused::Expired);
    }
    let claims = claims.map_err(StepUpRefused::NoIdToken)?;
    if request.requester_user_id.as_deref() != Some(claims.sub.as_str()) {
        return Err(StepUpRefused::OtherUser);
    }
    if !claims.has_mfa() {
        return Err(StepUpRefused::NoMfa);
    }
    let now = jiff::Timestamp::now().as_second();
    if !claims
        .auth_time
        .is_some_and(|at| at > now - FRESH_SECS && at <= now + 60)
    {
        return Err(StepUpRefused::NotFresh);
    }
    let secs = i64::try_from(lasts.as_secs()).unwrap_or(i64::MAX);
    store
        .record_step_up(&request.tenant, &claims.sub, secs)
        .await?;
    let who = claims.email.clone().unwrap_or_else(|| claims.sub.clone());
    // The step-up itself is recorded; the request's own state only tells people what happened
    // (a second sign-in on a request already approved changes nothing there).
    let decided = store
        .decide_policy_request(&request.id, &who, Decision::Approve, None)
        .await?;
    let request = match decided {
        Decided::Recorded(request) => *request,
        _ => store
            .policy_request(&request.id)
            .await?
            .unwrap_or_else(|| request.clone()),
    };
    tracing::info!(request = %request.id, tenant = %request.tenant, user = %claims.sub, "a user stepped up with MFA");
    audit(store, &request, &who).await;
    Ok(request)
}

/// The step-up in the audit log, written at once (rare, and the user waits on the page).
async fn audit(store: &Store, request: &PolicyRequest, who: &str) {
    let record = gw_mcp::AuditRecord {
        id: gw_mcp::audit::new_id(),
        at_ms: gw_mcp::audit::now_ms(),
        tenant: request.tenant.clone(),
        principal: who.to_owned(),
        connection_id: request.connection_id.clone(),
        oauth_client: None,
        tool: request.tool.clone(),
        outcome: gw_mcp::Outcome::SteppedUp,
        upstream_status: None,
        upstream_request_id: None,
        latency_ms: 0,
        policy: gw_mcp::PolicyNote {
            rule: Some(request.rule.clone()),
            action: Some("step_up"),
            request_id: Some(request.id.clone()),
            approvers: vec![who.to_owned()],
        },
    };
    if let Err(error) = store.append_audit(&[record]).await {
        tracing::warn!(request = %request.id, %error, "cannot record a step-up in the audit log");
    }
}
