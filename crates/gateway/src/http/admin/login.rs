//! Signing in to the portal with an admin key, and signing out.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use gw_mcp::RefusalKind;
use gw_store::AdminSecret;
use rand::distr::{Alphanumeric, SampleString};
use serde::Deserialize;

use super::layout::{self, Frame};
use super::session::{self, LOGIN_COOKIE, Operator, SESSION_COOKIE};
use super::views::{SignInPage, SignInProblem};
use crate::http::AppState;
use crate::http::cookies::{self, Cookie};

pub(super) async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // Already signed in: straight to the portal.
    if let Some(value) = cookies::read(&headers, SESSION_COOKIE)
        && matches!(
            state
                .store
                .admin_session(&AdminSecret::from_presented(value))
                .await,
            Ok(Some(_))
        )
    {
        return Redirect::to("/admin").into_response();
    }
    sign_in_page(&state, StatusCode::OK, None)
}

/// The sign-in page, with a fresh sign-in cookie and the form token derived from it.
fn sign_in_page(state: &AppState, status: StatusCode, problem: Option<SignInProblem>) -> Response {
    let login = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let page = SignInPage {
        frame: Frame::ANONYMOUS,
        csrf: &session::form_token(&login, "login"),
        problem,
        demo: state.portal.as_ref().is_some_and(|p| p.demo),
    };
    let mut response = layout::page(status, &page);
    cookies::set(
        &mut response,
        &state.public_url,
        &Cookie {
            name: LOGIN_COOKIE,
            value: &login,
            path: "/admin",
            max_age_secs: 1800,
            same_site: "Strict",
        },
    );
    response
}

#[derive(Deserialize)]
pub(super) struct SignIn {
    #[serde(default)]
    key: String,
    #[serde(default)]
    csrf: String,
}

pub(super) async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let expected = cookies::read(&headers, LOGIN_COOKIE).map(|c| session::form_token(c, "login"));
    if !expected.is_some_and(|e| session::constant_time_eq(e.as_bytes(), form.csrf.as_bytes())) {
        state.audit_refusal("-", "-", "/admin/login", RefusalKind::Csrf);
        return session::forbidden(None);
    }
    let key = AdminSecret::from_presented(&form.key);
    match state.store.open_admin_session(&key).await {
        Ok(Some(cookie)) => {
            let mut response = Redirect::to("/admin").into_response();
            session::set_session(&mut response, &state, &cookie);
            session::clear(&mut response, &state, LOGIN_COOKIE);
            layout::secure(response)
        }
        Ok(None) => {
            state.audit_refusal("-", "-", "/admin/login", RefusalKind::AdminKey);
            sign_in_page(
                &state,
                StatusCode::UNAUTHORIZED,
                Some(SignInProblem::UnknownKey),
            )
        }
        Err(error) => {
            tracing::error!(%error, "cannot open a portal session");
            crate::http::store_outage::retry_later(sign_in_page(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                Some(SignInProblem::StoreDown),
            ))
        }
    }
}

#[derive(Deserialize)]
pub(super) struct SignOut {
    csrf: Option<String>,
}

pub(super) async fn sign_out(
    State(state): State<AppState>,
    operator: Operator,
    Form(form): Form<SignOut>,
) -> Response {
    if let Err(refused) = operator.check_form(&state, form.csrf.as_deref()) {
        return refused.page(&operator);
    }
    if let Err(error) = state.store.close_admin_session(&operator.cookie).await {
        tracing::error!(%error, "cannot close a portal session");
    }
    let mut response = Redirect::to("/admin/login").into_response();
    session::clear(&mut response, &state, SESSION_COOKIE);
    response
}
