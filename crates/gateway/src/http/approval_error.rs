//! Why the approval page could not go on, and the one place that decides what the person at it
//! is told for each case: the failure page titled for approvals (or the same content as JSON
//! when the request asks for it). Refusals are audited where they are found, not here.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{AppState, pages, store_outage};
use crate::approvals::{DecideError, approval_url};
use crate::sign_in::SignInError;
use crate::step_ups::StepUpRefused;
use gw_store::StoreError;

/// The error code of a page for a store that did not answer (sent with `Retry-After`).
const STORE_UNAVAILABLE: &str = "store_unavailable";

pub(crate) enum ApprovalError {
    /// No approval request has this id, or the id could not be one: one answer for both, so the
    /// page tells nobody which ids exist.
    Unknown,
    /// The request's tenant was removed; nobody can sign in at it through this gateway.
    TenantGone { tenant: String },
    /// The store has no encryption key, so it cannot keep a sign-in's PKCE verifier.
    SignInsDisabled,
    /// The sign-in could not be remembered, so it was not started.
    NotStarted(StoreError),
    /// Auth0 or the person said no, or the tenant went away, while they were signing in.
    SignIn { id: String, error: SignInError },
    /// Auth0 does not vouch for the email of who signed in (or gave none), and approvers are
    /// named by email.
    UnverifiedEmail { id: String, email: Option<String> },
    /// Who signed in is the requester.
    OwnCall,
    /// Who signed in is not among the request's approvers.
    NotAnApprover { email: String, approvers: String },
    /// A confirmation, answered by someone other than the user who made the call.
    NotYourCall,
    /// A step-up sign-in that does not count.
    StepUp {
        id: String,
        refused: crate::step_ups::StepUpRefused,
    },
    /// A decision form without this browser's unspent sign-in and the form's current token.
    FormRefused { id: String },
    /// A decision form whose fields are wrong (no decision, a note too long); nothing was spent.
    BadForm { explanation: String },
    /// The decision could not be recorded (expired, decided already, …).
    NotDecided(DecideError),
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for ApprovalError {
    fn from(error: StoreError) -> Self {
        ApprovalError::Store(error)
    }
}

impl ApprovalError {
    /// The failure page (or JSON) for this error; store failures are logged here.
    pub(crate) fn respond(self, state: &AppState, headers: &HeaderMap) -> Response {
        let again = |id: &str| {
            Some(format!(
                "Open {} to sign in again.",
                approval_url(&state.public_url, id)
            ))
        };
        let store_unavailable = || {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                STORE_UNAVAILABLE,
                "The gateway's store is unavailable; try again shortly.".to_owned(),
                None,
            )
        };
        let (status, error, explanation, next_step): (_, _, String, _) = match self {
            ApprovalError::Unknown => (
                StatusCode::NOT_FOUND,
                "unknown_request",
                "There is no approval request at this address. Check the link; requests are removed a month after they end.".to_owned(),
                None,
            ),
            ApprovalError::TenantGone { tenant } => (
                StatusCode::NOT_FOUND,
                "unknown_tenant",
                format!(
                    "Tenant `{tenant}` is no longer served by this gateway, so nobody can sign in to decide this request."
                ),
                None,
            ),
            ApprovalError::SignInsDisabled => (
                StatusCode::SERVICE_UNAVAILABLE,
                "sign_ins_disabled",
                "This gateway cannot sign anyone in: its operator has not set an encryption key ([store] encryption_key_env or encryption_key_file). The operator can decide from the command line: `mcp-gateway approvals approve ID`.".to_owned(),
                None,
            ),
            ApprovalError::NotStarted(error @ StoreError::Full(_)) => {
                tracing::warn!(%error, "refused an approver's sign-in");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too_many_sign_ins",
                    format!("{error}."),
                    None,
                )
            }
            ApprovalError::NotStarted(error) | ApprovalError::Store(error) => {
                tracing::error!(%error, "the approval page cannot use the store");
                store_unavailable()
            }
            ApprovalError::SignIn { id, error } => match error {
                SignInError::RefusedByAuth0 { error, description } => (
                    StatusCode::BAD_REQUEST,
                    "authorization_failed",
                    format!(
                        "Auth0 did not sign you in (`{error}`): {description}. Nothing was decided."
                    ),
                    again(&id),
                ),
                // Starting again cannot help: the tenant is gone.
                SignInError::UnknownTenant { .. } => (
                    StatusCode::BAD_REQUEST,
                    "unknown_tenant",
                    error.to_string(),
                    None,
                ),
                SignInError::MissingCode => (
                    StatusCode::BAD_REQUEST,
                    "missing_code",
                    error.to_string(),
                    again(&id),
                ),
                // Auth0, not the person, failed.
                SignInError::ExchangeFailed(_) => (
                    StatusCode::BAD_GATEWAY,
                    "exchange_failed",
                    error.to_string(),
                    again(&id),
                ),
                SignInError::UserinfoFailed(_) => (
                    StatusCode::BAD_GATEWAY,
                    "userinfo_failed",
                    error.to_string(),
                    again(&id),
                ),
            },
            ApprovalError::UnverifiedEmail { id, email } => (
                StatusCode::FORBIDDEN,
                "email_not_verified",
                match email {
                    Some(email) => format!(
                        "Your email address {email} is not verified at Auth0, and approvers are named by email: the gateway cannot tell whether you are one. Verify it, then sign in again. Nothing was decided."
                    ),
                    None => "Auth0 did not tell the gateway your email address, and approvers are named by email: the gateway cannot tell whether you are one. Nothing was decided.".to_owned(),
                },
                again(&id),
            ),
            ApprovalError::OwnCall => (
                StatusCode::FORBIDDEN,
                "own_call",
                "You cannot approve your own call: this request was made by you, so another approver must decide it.".to_owned(),
                None,
            ),
            ApprovalError::NotAnApprover { email, approvers } => (
                StatusCode::FORBIDDEN,
                "not_an_approver",
                format!(
                    "You ({email}) are not among the approvers of this request: {approvers}. Nothing was decided."
                ),
                None,
            ),
            ApprovalError::NotYourCall => (
                StatusCode::FORBIDDEN,
                "not_your_call",
                DecideError::NotYourCall.to_string(),
                None,
            ),
            ApprovalError::StepUp { id, refused } => {
                let code = match refused {
                    StepUpRefused::OtherUser => "not_your_call",
                    StepUpRefused::NoMfa => "mfa_missing",
                    StepUpRefused::NotFresh => "login_not_fresh",
                    StepUpRefused::NoIdToken(_) => "id_token_invalid",
                    StepUpRefused::Expired => "expired",
                    StepUpRefused::Store(_) => "store_unavailable",
                };
                let retry = !matches!(refused, StepUpRefused::Expired);
                (
                    StatusCode::FORBIDDEN,
                    code,
                    refused.to_string(),
                    if retry { again(&id) } else { None },
                )
            }
            ApprovalError::FormRefused { id } => (
                StatusCode::FORBIDDEN,
                "form_refused",
                "This form was refused: it was used already, is more than ten minutes old, was replaced by a newer copy of the page, or was not issued to this browser. Nothing was decided.".to_owned(),
                again(&id),
            ),
            ApprovalError::BadForm { explanation } => (
                StatusCode::BAD_REQUEST,
                "invalid_form",
                format!("{explanation} Nothing was decided; go back to change the form."),
                None,
            ),
            ApprovalError::NotDecided(error) => match error {
                DecideError::Unknown(_) => (
                    StatusCode::NOT_FOUND,
                    "unknown_request",
                    error.to_string(),
                    None,
                ),
                DecideError::Expired => (
                    StatusCode::CONFLICT,
                    "expired",
                    error.to_string(),
                    None,
                ),
                DecideError::NotAnApproval => (
                    StatusCode::CONFLICT,
                    "not_an_approval",
                    error.to_string(),
                    None,
                ),
                DecideError::NotPending(_) => (
                    StatusCode::CONFLICT,
                    "already_decided",
                    format!("{error} Nothing is left to decide."),
                    None,
                ),
                DecideError::AlreadyDecided => (
                    StatusCode::CONFLICT,
                    "already_decided_by_you",
                    error.to_string(),
                    None,
                ),
                // The page answers these as its own refusals (and audits them) before here.
                DecideError::OwnCall => (
                    StatusCode::FORBIDDEN,
                    "own_call",
                    error.to_string(),
                    None,
                ),
                DecideError::NotAnApprover { .. } => (
                    StatusCode::FORBIDDEN,
                    "not_an_approver",
                    error.to_string(),
                    None,
                ),
                DecideError::NotYourCall => (
                    StatusCode::FORBIDDEN,
                    "not_your_call",
                    error.to_string(),
                    None,
                ),
                DecideError::Store(error) => {
                    tracing::error!(%error, "cannot record an approver's decision");
                    store_unavailable()
                }
            },
        };
        let response = pages::titled_failure(
            headers,
            status,
            "Approval request",
            error,
            &explanation,
            next_step.as_deref(),
        );
        if status == StatusCode::SERVICE_UNAVAILABLE && error == STORE_UNAVAILABLE {
            store_outage::retry_later(response)
        } else {
            response
        }
    }
}
