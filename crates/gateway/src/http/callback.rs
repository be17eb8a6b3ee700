//! `GET /integration-callback`, where Auth0 sends every user back: it takes the sign-in its
//! state names (once), checks that the browser is the one that started it, exchanges the code
//! and learns who signed in; then the door the sign-in came through ends it — `/connect` with a
//! key page, the authorization server with a redirect to its client.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gw_mcp::RefusalKind;
use serde::Deserialize;

use super::{AppState, connect, oauth_server, pages, sign_in_cookie};
use crate::sign_in::{CallbackParams, Resumed, SignInError};

#[derive(Debug, Deserialize)]
pub(crate) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

pub(crate) async fn callback(
    State(state): State<AppState>,
    Query(query): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Response {
    let fail = |status, error, explanation: &str, next: Option<String>| {
        pages::failure(&headers, status, error, explanation, next.as_deref())
    };
    let start_again = |tenant: &str| {
        Some(format!(
            "Start again at {}",
            state.public_link(&format!("connect/{tenant}"))
        ))
    };
    let Some(presented_state) = query.state.as_deref().filter(|s| !s.is_empty()) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "missing_state",
            "The callback carries no `state`, so it cannot be matched to a sign-in this gateway started. Open the gateway's /connect/{tenant} page to connect.",
            None,
        );
    };
    let sign_ins = state.sign_ins();
    let browser_secret = sign_in_cookie::read(&headers, presented_state);
    let pending = match sign_ins.resume(presented_state, browser_secret).await {
        Ok(Resumed::Ready(pending)) => pending,
        Ok(Resumed::Expired { tenant }) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "expired_state",
                "This sign-in took more than ten minutes and has expired.",
                start_again(&tenant),
            );
        }
        Ok(Resumed::Reloaded { tenant }) => {
            // The success page reloaded in the browser that signed in: say what happened.
            return pages::already_connected(
                &headers,
                &tenant,
                &state.public_link(&format!("connect/{tenant}")),
            );
        }
        Ok(Resumed::Unknown) => {
            state.audit_refusal("-", "-", "/integration-callback", RefusalKind::State);
            return fail(
                StatusCode::BAD_REQUEST,
                "invalid_state",
                "This callback's `state` is unknown or was already used: each sign-in link works once. Nothing was stored.",
                None,
            );
        }
        Ok(Resumed::OtherBrowser { tenant }) => {
            tracing::warn!(
                tenant,
                "a callback arrived in a browser other than the one that started the sign-in"
            );
            state.audit_refusal(&tenant, "-", "/integration-callback", RefusalKind::Browser);
            return fail(
                StatusCode::BAD_REQUEST,
                "browser_mismatch",
                "This sign-in was started in another browser (or this browser blocked the gateway's cookie), so it cannot be finished here. Nothing was stored.",
                start_again(&tenant),
            );
        }
        Err(error) => {
            tracing::error!(%error, "cannot read a pending authorization");
            return fail(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "The gateway's store is unavailable; try again shortly.",
                None,
            );
        }
    };
    let tenant = pending.tenant.clone();
    let params = CallbackParams {
        code: query.code.as_deref(),
        error: query.error.as_deref(),
        error_description: query.error_description.as_deref(),
    };
    let outcome = sign_ins.sign_in(&pending, &params).await;
    if let Some(request) = &pending.oauth_request {
        return oauth_server::complete(&state, request, outcome).await;
    }
    let signed_in = match outcome {
        Ok(signed_in) => signed_in,
        Err(error) => {
            let (status, code, may_retry) = sign_in_failure(&error);
            return fail(
                status,
                code,
                &error.to_string(),
                may_retry.then(|| start_again(&tenant)).flatten(),
            );
        }
    };
    match connect::finish(&state, &signed_in).await {
        Ok(connected) => {
            sign_ins.finished(presented_state).await;
            pages::connected(&headers, &connected.view(&signed_in.runtime, &state))
        }
        Err(error) => {
            tracing::error!(tenant, %error, "cannot store a connection");
            fail(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "The gateway's store is unavailable; try again shortly.",
                start_again(&tenant),
            )
        }
    }
}

/// The status and error code of a sign-in that failed after its state was found, and whether
/// starting again may help (not when the tenant is gone).
fn sign_in_failure(error: &SignInError) -> (StatusCode, &'static str, bool) {
    match error {
        SignInError::RefusedByAuth0 { .. } => {
            (StatusCode::BAD_REQUEST, "authorization_failed", true)
        }
        SignInError::MissingCode => (StatusCode::BAD_REQUEST, "missing_code", true),
        SignInError::UnknownTenant { .. } => (StatusCode::BAD_REQUEST, "unknown_tenant", false),
        SignInError::ExchangeFailed(_) => (StatusCode::BAD_GATEWAY, "exchange_failed", true),
        SignInError::UserinfoFailed(_) => (StatusCode::BAD_GATEWAY, "userinfo_failed", true),
    }
}
