//! The approval page, `{public_url}/approvals/{id}`: where approvers sign in through the
//! request's tenant's Auth0 and approve or deny.
//!
//! - `GET` shows a stranger only the request's id, tenant and state, with a sign-in button
//!   (`POST …/sign-in`, a sign-in through `SignIns` bound to the browser like every other).
//! - The callback ends here ([`signed_in`]): only someone `approvals::may_decide` lets decide
//!   (a verified email among the approvers, not the requester) is let in, and their browser gets
//!   a sign-in for this request (a cookie, ten minutes). Others are refused, and audited.
//! - `GET` with that cookie shows the whole request and a decision form carrying a new
//!   single-use token; `POST` spends the sign-in and decides through `Approvals::decide`, which
//!   checks again. A form that is replayed, stale, forged or from another browser decides
//!   nothing, and is audited.
//!
//! Nothing here stores a connection or a key, or keeps the approver's Auth0 tokens.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gw_mcp::RefusalKind;
use gw_oauth::{Scope, ScopeSet};
use gw_store::{
    ApprovalSignIn, Decision, MAX_NOTE_CHARS, PolicyRequest, RequestKind, RequestStatus,
};
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::approval_error::ApprovalError;
use super::approval_views::{self, Outcome};
use super::{AppState, cookies, sign_in_cookie};
use crate::approvals::{Approver, DecideError, approval_url, may_decide};
use crate::sign_in::{Purpose, SignInError, SignedIn};

/// What an approver's sign-in asks Auth0 for: who they are, nothing more.
const APPROVER_SCOPES: ScopeSet =
    ScopeSet::from_slice(&[Scope::Openid, Scope::Email, Scope::Profile]);

/// The approver's sign-in cookie, sent back only to its request's page.
const COOKIE: &str = "mcpgw_approver";

/// Longest id looked up; request ids are `preq_` and 24 letters or digits.
const MAX_ID_LEN: usize = 64;

/// `GET /approvals/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    page(&state, &id, &headers)
        .await
        .unwrap_or_else(|error| error.respond(&state, &headers))
}

async fn page(state: &AppState, id: &str, headers: &HeaderMap) -> Result<Response, ApprovalError> {
    let request = find(state, id).await?;
    if let Some(secret) = cookies::read(headers, COOKIE)
        && let Some(form) = state.store.approval_form(secret, &request.id).await?
    {
        return Ok(approval_views::request_page(
            &state.public_url,
            &request,
            &form.signed_in,
            Some(form.token.expose_secret()),
            None,
        ));
    }
    Ok(approval_views::gate(&state.public_url, &request))
}

/// The approval request `id` names. An id that cannot be one gets the answer an unknown one
/// gets, without a lookup.
async fn find(state: &AppState, id: &str) -> Result<PolicyRequest, ApprovalError> {
    let well_formed = id.len() <= MAX_ID_LEN
        && id.starts_with("preq_")
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !well_formed {
        return Err(ApprovalError::Unknown);
    }
    match state.store.policy_request(id).await? {
        Some(request) => Ok(request),
        None => Err(ApprovalError::Unknown),
    }
}

/// `POST /approvals/{id}/sign-in`: sends the approver to the tenant's Auth0.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    send_to_auth0(&state, &id)
        .await
        .unwrap_or_else(|error| error.respond(&state, &headers))
}

async fn send_to_auth0(state: &AppState, id: &str) -> Result<Response, ApprovalError> {
    let request = find(state, id).await?;
    if request.status != RequestStatus::Pending {
        // Nothing to decide: the page says why.
        return Ok(approval_views::gate(&state.public_url, &request));
    }
    let Some(runtime) = state.tenants.get(&request.tenant) else {
        return Err(ApprovalError::TenantGone {
            tenant: request.tenant,
        });
    };
    if !state.store.can_hold_tokens() {
        return Err(ApprovalError::SignInsDisabled);
    }
    let purpose = match request.kind {
        RequestKind::StepUp => Purpose::StepUp(request.id.clone()),
        RequestKind::Approve | RequestKind::Confirm => Purpose::Approval(request.id.clone()),
    };
    let started = state
        .sign_ins()
        .begin(&runtime.settings, APPROVER_SCOPES, true, purpose)
        .await
        .map_err(ApprovalError::NotStarted)?;
    tracing::info!(request = %request.id, tenant = %request.tenant, kind = request.kind.as_str(), "sending a person to Auth0 for a held call");
    Ok(sign_in_cookie::redirect(
        &started,
        state,
        StatusCode::SEE_OTHER,
    ))
}

/// Ends a sign-in started on request `id`'s page (from the callback): lets in only someone who
/// may decide it, and sends them back to the page.
pub(super) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    outcome: Result<SignedIn, SignInError>,
) -> Response {
    let_in(state, id, outcome)
        .await
        .unwrap_or_else(|error| error.respond(state, headers))
}

async fn let_in(
    state: &AppState,
    id: &str,
    outcome: Result<SignedIn, SignInError>,
) -> Result<Response, ApprovalError> {
    let signed_in = outcome.map_err(|error| ApprovalError::SignIn {
        id: id.to_owned(),
        error,
    })?;
    let request = find(state, id).await?;
    if request.tenant != signed_in.runtime.settings.name {
        return Err(ApprovalError::Unknown);
    }
    let identity = &signed_in.identity;
    let what = approval_url(&state.public_url, id).path().to_owned();
    let email = match (&identity.email, request.kind) {
        (_, RequestKind::StepUp) => return stepped_up(state, &request, &signed_in).await,
        // The caller's own user is known by their user id; their email need not be verified.
        (email, RequestKind::Confirm) => email.clone().unwrap_or_else(|| identity.user_id.clone()),
        (Some(email), RequestKind::Approve) if identity.email_verified => email.clone(),
        (email, RequestKind::Approve) => {
            let who = email.as_deref().unwrap_or(&identity.user_id);
            state.audit_refusal(&request.tenant, who, &what, RefusalKind::Approver);
            return Err(ApprovalError::UnverifiedEmail {
                id: id.to_owned(),
                email: email.clone(),
            });
        }
    };
    if let Err(refusal) = may_decide(&request, &email, &identity.user_id) {
        state.audit_refusal(&request.tenant, &email, &what, RefusalKind::Approver);
        return Err(refused(refusal));
    }
    let secret = state
        .store
        .start_approval_sign_in(&ApprovalSignIn {
            request_id: request.id.clone(),
            email: email.clone(),
            user_id: identity.user_id.clone(),
        })
        .await?;
    tracing::info!(request = %request.id, tenant = %request.tenant, approver = %email, "an approver signed in");
    let mut response = (
        StatusCode::SEE_OTHER,
        [
            (
                axum::http::header::LOCATION,
                approval_url(&state.public_url, id).to_string(),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response();
    set_cookie(&mut response, state, id, secret.expose_secret(), 600);
    Ok(response)
}

/// Ends a step-up sign-in: it counts when the ID token shows the request's own user, MFA and a
/// fresh login (`step_ups::complete`); refusals are audited.
async fn stepped_up(
    state: &AppState,
    request: &PolicyRequest,
    signed_in: &SignedIn,
) -> Result<Response, ApprovalError> {
    let claims = state.sign_ins().id_token_claims(signed_in).await;
    let lasts = state.policy_requests.as_ref().map_or_else(
        || crate::config::ApprovalsConfig::default().step_up_lasts,
        |requests| requests.step_up_lasts(),
    );
    match crate::step_ups::complete(&state.store, request, claims, lasts).await {
        Ok(done) => Ok(approval_views::stepped_up(&done, lasts)),
        Err(crate::step_ups::StepUpRefused::Store(error)) => Err(ApprovalError::Store(error)),
        Err(refused) => {
            if refused.is_refusal() {
                let identity = &signed_in.identity;
                let who = identity.email.as_deref().unwrap_or(&identity.user_id);
                let what = approval_url(&state.public_url, &request.id)
                    .path()
                    .to_owned();
                state.audit_refusal(&request.tenant, who, &what, RefusalKind::StepUp);
            }
            Err(ApprovalError::StepUp {
                id: request.id.clone(),
                refused,
            })
        }
    }
}

/// Who may not decide, as the page says it.
fn refused(refusal: DecideError) -> ApprovalError {
    match refusal {
        DecideError::OwnCall => ApprovalError::OwnCall,
        DecideError::NotYourCall => ApprovalError::NotYourCall,
        DecideError::NotAnApprover { email, approvers } => {
            ApprovalError::NotAnApprover { email, approvers }
        }
        other => ApprovalError::NotDecided(other),
    }
}

/// The approver's cookie (Lax: it must come with the redirect from the callback, which follows
/// Auth0's), only for this request's page; `max_age_secs` 0 removes it.
fn set_cookie(response: &mut Response, state: &AppState, id: &str, value: &str, max_age_secs: i64) {
    cookies::set(
        response,
        &state.public_url,
        &cookies::Cookie {
            name: COOKIE,
            value,
            path: approval_url(&state.public_url, id).path(),
            max_age_secs,
            same_site: "Lax",
        },
    );
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub(crate) struct DecisionForm {
    token: Option<String>,
    decision: Option<String>,
    note: Option<String>,
}

/// `POST /approvals/{id}`: records the signed-in approver's decision.
pub(crate) async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> Response {
    record(&state, &id, &headers, form)
        .await
        .unwrap_or_else(|error| error.respond(&state, &headers))
}

async fn record(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> Result<Response, ApprovalError> {
    let request = find(state, id).await?;
    let Ok(Form(form)) = form else {
        return Err(ApprovalError::BadForm {
            explanation: "The form could not be read.".to_owned(),
        });
    };
    let decision = match form.decision.as_deref() {
        Some("approve") => Decision::Approve,
        Some("deny") => Decision::Deny,
        _ => {
            return Err(ApprovalError::BadForm {
                explanation: "Choose Approve or Deny.".to_owned(),
            });
        }
    };
    let note = form
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(note) = note
        && note.chars().count() > MAX_NOTE_CHARS
    {
        return Err(ApprovalError::BadForm {
            explanation: format!("The note is longer than {MAX_NOTE_CHARS} characters."),
        });
    }
    let what = approval_url(&state.public_url, id).path().to_owned();
    let signed_in = match (cookies::read(headers, COOKIE), form.token.as_deref()) {
        (Some(secret), Some(token)) => state.store.use_approval_form(secret, id, token).await?,
        _ => None,
    };
    let Some(signed_in) = signed_in else {
        tracing::warn!(request = %id, "refused a decision form without this browser's sign-in and token");
        state.audit_refusal(&request.tenant, "-", &what, RefusalKind::Csrf);
        return Err(ApprovalError::FormRefused { id: id.to_owned() });
    };
    let approver = Approver::Person {
        email: &signed_in.email,
        user_id: &signed_in.user_id,
    };
    let decided = match state.approvals().decide(id, approver, decision, note).await {
        Ok(decided) => decided,
        Err(
            error @ (DecideError::OwnCall
            | DecideError::NotAnApprover { .. }
            | DecideError::NotYourCall),
        ) => {
            state.audit_refusal(
                &request.tenant,
                &signed_in.email,
                &what,
                RefusalKind::Approver,
            );
            return Err(refused(error));
        }
        Err(error) => return Err(ApprovalError::NotDecided(error)),
    };
    let mut response = approval_views::request_page(
        &state.public_url,
        &decided,
        &signed_in,
        None,
        Some(Outcome::after(decision, &decided)),
    );
    // The sign-in is spent: the browser may forget it.
    set_cookie(&mut response, state, id, "", 0);
    Ok(response)
}
