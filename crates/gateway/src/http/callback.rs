//! `GET /integration-callback`, where Auth0 sends every user back: it takes the sign-in its
//! state names (once), checks that the browser is the one that started it, exchanges the code
//! and learns who signed in; then the door the sign-in came through ends it — `/connect` with a
//! key page, the authorization server with a redirect to its client, the approval page by
//! letting an approver in (or refusing them).

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use gw_mcp::RefusalKind;
use serde::Deserialize;

use super::connect_error::ConnectError;
use super::{AppState, approval_page, connect, oauth_server, pages, sign_in_cookie};
use crate::sign_in::{CallbackParams, Resumed};

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
    come_back(&state, &query, &headers)
        .await
        .unwrap_or_else(|error| error.respond(&state, &headers))
}

async fn come_back(
    state: &AppState,
    query: &CallbackQuery,
    headers: &HeaderMap,
) -> Result<Response, ConnectError> {
    let Some(presented_state) = query.state.as_deref().filter(|s| !s.is_empty()) else {
        return Err(ConnectError::MissingState);
    };
    let sign_ins = state.sign_ins();
    let browser_secret = sign_in_cookie::read(headers, presented_state);
    let resumed = sign_ins
        .resume(presented_state, browser_secret)
        .await
        .map_err(ConnectError::NotResumed)?;
    let pending = match resumed {
        Resumed::Ready(pending) => pending,
        Resumed::Expired { tenant } => return Err(ConnectError::ExpiredState { tenant }),
        Resumed::Reloaded { tenant } => {
            // The success page reloaded in the browser that signed in: say what happened.
            return Ok(pages::already_connected(
                headers,
                &tenant,
                &state.public_link(&format!("connect/{tenant}")),
            ));
        }
        Resumed::Unknown => {
            state.audit_refusal("-", "-", "/integration-callback", RefusalKind::State);
            return Err(ConnectError::InvalidState);
        }
        Resumed::OtherBrowser { tenant } => {
            tracing::warn!(
                tenant,
                "a callback arrived in a browser other than the one that started the sign-in"
            );
            state.audit_refusal(&tenant, "-", "/integration-callback", RefusalKind::Browser);
            return Err(ConnectError::BrowserMismatch { tenant });
        }
    };
    let tenant = pending.tenant.clone();
    let params = CallbackParams {
        code: query.code.as_deref(),
        error: query.error.as_deref(),
        error_description: query.error_description.as_deref(),
    };
    let outcome = sign_ins.sign_in(&pending, &params).await;
    if let Some(request) = &pending.approval_request {
        return Ok(approval_page::signed_in(state, headers, request, outcome).await);
    }
    if let Some(request) = &pending.oauth_request {
        return Ok(oauth_server::complete(state, request, outcome).await);
    }
    let signed_in = outcome.map_err(|error| ConnectError::SignIn {
        tenant: tenant.clone(),
        error,
    })?;
    if let Some(connection) = &pending.consent_connection {
        connect::consenting_user(state, connection, &signed_in).await?;
    }
    let connected = connect::finish(state, &signed_in, pending.consent_connection.is_none())
        .await
        .map_err(|error| ConnectError::NotStored { tenant, error })?;
    sign_ins.finished(presented_state).await;
    Ok(pages::connected(
        headers,
        &connected.view(&signed_in.runtime, state),
    ))
}
