//! Why `/connect/{tenant}` or `/integration-callback` could not go on, and the one place that
//! decides what the user is told for each case. The answer is the failure page, or the same
//! content as JSON when the request asks for it, so it is made with the request's headers
//! ([`ConnectError::respond`]) rather than by `IntoResponse`, which cannot see them.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{AppState, pages, store_outage};
use crate::sign_in::SignInError;
use gw_store::StoreError;

/// The error code of a page for a store that did not answer (sent with `Retry-After`).
const STORE_UNAVAILABLE: &str = "store_unavailable";

pub(crate) enum ConnectError {
    /// `/connect/{tenant}` names a tenant this gateway does not serve.
    UnknownTenant {
        tenant: String,
    },
    /// The store has no encryption key, so it cannot keep users' tokens.
    ConnectionsDisabled,
    /// `add=` names scopes that do not exist or that the tenant does not allow.
    InvalidScope {
        explanation: String,
    },
    /// The sign-in could not be remembered, so it was not started.
    NotStarted(StoreError),
    MissingState,
    ExpiredState {
        tenant: String,
    },
    /// Never issued, or already used.
    InvalidState,
    /// The callback came to a browser other than the one that started the sign-in.
    BrowserMismatch {
        tenant: String,
    },
    /// The callback's sign-in could not be read.
    NotResumed(StoreError),
    /// Auth0 or the user said no, or the tenant went away, while the user was signing in.
    SignIn {
        tenant: String,
        error: SignInError,
    },
    /// A consent link's `for` is not a connection id.
    InvalidConsentLink,
    /// A consent link for another user's connection was finished by someone else.
    NotTheCaller,
    /// The user signed in, but the connection or its key could not be stored.
    NotStored {
        tenant: String,
        error: StoreError,
    },
}

impl ConnectError {
    /// The failure page (or JSON) for this error; store failures are logged here.
    pub(crate) fn respond(self, state: &AppState, headers: &HeaderMap) -> Response {
        let start_again = |tenant: &str| {
            Some(format!(
                "Start again at {}",
                state.public_link(&format!("connect/{tenant}"))
            ))
        };
        let store_unavailable = "The gateway's store is unavailable; try again shortly.";
        let (status, error, explanation, next_step): (_, _, String, _) = match self {
            ConnectError::UnknownTenant { tenant } => (
                StatusCode::NOT_FOUND,
                "unknown_tenant",
                format!("No tenant named `{tenant}` is served by this gateway."),
                None,
            ),
            ConnectError::ConnectionsDisabled => (
                StatusCode::SERVICE_UNAVAILABLE,
                "connections_disabled",
                "This gateway cannot keep connections: its operator has not set an encryption key ([store] encryption_key_env or encryption_key_file).".to_owned(),
                None,
            ),
            ConnectError::InvalidScope { explanation } => {
                (StatusCode::BAD_REQUEST, "invalid_scope", explanation, None)
            }
            ConnectError::NotStarted(error @ StoreError::Full(_)) => {
                tracing::warn!(%error, "refused a sign-in");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too_many_sign_ins",
                    format!("{error}."),
                    None,
                )
            }
            ConnectError::NotStarted(error) => {
                tracing::error!(%error, "cannot store a pending authorization");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    STORE_UNAVAILABLE,
                    store_unavailable.to_owned(),
                    None,
                )
            }
            ConnectError::MissingState => (
                StatusCode::BAD_REQUEST,
                "missing_state",
                "The callback carries no `state`, so it cannot be matched to a sign-in this gateway started. Open the gateway's /connect/{tenant} page to connect.".to_owned(),
                None,
            ),
            ConnectError::ExpiredState { tenant } => (
                StatusCode::BAD_REQUEST,
                "expired_state",
                "This sign-in took more than ten minutes and has expired.".to_owned(),
                start_again(&tenant),
            ),
            ConnectError::InvalidState => (
                StatusCode::BAD_REQUEST,
                "invalid_state",
                "This callback's `state` is unknown or was already used: each sign-in link works once. Nothing was stored.".to_owned(),
                None,
            ),
            ConnectError::BrowserMismatch { tenant } => (
                StatusCode::BAD_REQUEST,
                "browser_mismatch",
                "This sign-in was started in another browser (or this browser blocked the gateway's cookie), so it cannot be finished here. Nothing was stored.".to_owned(),
                start_again(&tenant),
            ),
            ConnectError::NotResumed(error) => {
                tracing::error!(%error, "cannot read a pending authorization");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    STORE_UNAVAILABLE,
                    store_unavailable.to_owned(),
                    None,
                )
            }
            ConnectError::SignIn { tenant, error } => {
                let explanation = error.to_string();
                match error {
                    SignInError::RefusedByAuth0 { .. } => (
                        StatusCode::BAD_REQUEST,
                        "authorization_failed",
                        explanation,
                        start_again(&tenant),
                    ),
                    SignInError::MissingCode => (
                        StatusCode::BAD_REQUEST,
                        "missing_code",
                        explanation,
                        start_again(&tenant),
                    ),
                    // Starting again cannot help: the tenant is gone.
                    SignInError::UnknownTenant { .. } => {
                        (StatusCode::BAD_REQUEST, "unknown_tenant", explanation, None)
                    }
                    // Auth0, not the user's request, failed.
                    SignInError::ExchangeFailed(_) => (
                        StatusCode::BAD_GATEWAY,
                        "exchange_failed",
                        explanation,
                        start_again(&tenant),
                    ),
                    SignInError::UserinfoFailed(_) => (
                        StatusCode::BAD_GATEWAY,
                        "userinfo_failed",
                        explanation,
                        start_again(&tenant),
                    ),
                }
            }
            ConnectError::InvalidConsentLink => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "This consent link's `for` is not a connection id; open the link exactly as the tool gave it.".to_owned(),
                None,
            ),
            // Starting again cannot help: only the caller's user may finish this link.
            ConnectError::NotTheCaller => (
                StatusCode::FORBIDDEN,
                "wrong_user",
                "This link asks the user of another connection to consent to more scopes, and you signed in as someone else. Nothing was changed: only the person whose client asked may grant them, signed in as themselves.".to_owned(),
                None,
            ),
            ConnectError::NotStored { tenant, error } => {
                tracing::error!(tenant, %error, "cannot store a connection");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    STORE_UNAVAILABLE,
                    store_unavailable.to_owned(),
                    start_again(&tenant),
                )
            }
        };
        let response = pages::failure(headers, status, error, &explanation, next_step.as_deref());
        if error == STORE_UNAVAILABLE {
            store_outage::retry_later(response)
        } else {
            response
        }
    }
}
