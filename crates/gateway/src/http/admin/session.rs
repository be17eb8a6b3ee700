//! Who is signed in to the portal, and the checks every portal form passes: the form token
//! (derived from the session cookie, so a page from another site cannot know it) and, when the
//! browser says where a request came from, that it came from the portal itself.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use gw_mcp::RefusalKind;
use gw_store::{ADMIN_SESSION_SECS, AdminSecret, sha256_hex};

use super::error::AdminError;
use super::layout::{self, Frame};
use super::views::{FormRefusedPage, UnavailablePage};
use crate::http::AppState;
use crate::http::cookies::{self, Cookie};

/// The portal's session cookie (HttpOnly, SameSite=Strict, only sent to /admin).
pub(super) const SESSION_COOKIE: &str = "mcpgw_admin";
/// Ties the sign-in form to the browser that loaded it (double-submit: this cookie and a field
/// derived from it).
pub(super) const LOGIN_COOKIE: &str = "mcpgw_admin_login";

/// A signed-in operator.
pub(super) struct Operator {
    pub(super) name: String,
    pub(super) cookie: AdminSecret,
    /// The form token this session's forms carry.
    pub(super) csrf: String,
}

impl Operator {
    pub(super) fn frame(&self) -> Frame<'_> {
        Frame {
            operator: Some(&self.name),
            csrf: Some(&self.csrf),
        }
    }

    /// Refuses (and audits) a form whose token is not this session's.
    pub(super) fn check_form(
        &self,
        state: &AppState,
        presented: Option<&str>,
    ) -> Result<(), AdminError> {
        if presented.is_some_and(|p| constant_time_eq(p.as_bytes(), self.csrf.as_bytes())) {
            return Ok(());
        }
        state.audit_refusal("-", &self.name, "/admin", RefusalKind::Csrf);
        Err(AdminError::FormRefused)
    }
}

/// The form token of a session or sign-in cookie.
pub(super) fn form_token(cookie: &str, purpose: &str) -> String {
    sha256_hex(&format!("{purpose}:{cookie}"))
}

pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The page for a form that failed its checks.
pub(super) fn forbidden(operator: Option<&Operator>) -> Response {
    let page = FormRefusedPage {
        frame: operator.map_or(Frame::ANONYMOUS, Operator::frame),
    };
    layout::page(StatusCode::FORBIDDEN, &page)
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(value) = cookies::read(&parts.headers, SESSION_COOKIE) else {
            return Err(to_sign_in());
        };
        let cookie = AdminSecret::from_presented(value);
        match state.store.admin_session(&cookie).await {
            Ok(Some(session)) => Ok(Operator {
                name: session.admin_name,
                csrf: form_token(cookie.expose_secret(), "csrf"),
                cookie,
            }),
            Ok(None) => Err(to_sign_in()),
            Err(error) => {
                tracing::error!(%error, "the portal cannot read its sessions");
                let page = UnavailablePage {
                    frame: Frame::ANONYMOUS,
                    message: "The gateway's store is not answering. Try again in a moment.",
                };
                Err(crate::http::store_outage::retry_later(layout::page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &page,
                )))
            }
        }
    }
}

fn to_sign_in() -> Response {
    Redirect::to("/admin/login").into_response()
}

/// Sets the session cookie after a sign-in.
pub(super) fn set_session(response: &mut Response, state: &AppState, cookie: &AdminSecret) {
    cookies::set(
        response,
        &state.public_url,
        &Cookie {
            name: SESSION_COOKIE,
            value: cookie.expose_secret(),
            path: "/admin",
            max_age_secs: ADMIN_SESSION_SECS,
            same_site: "Strict",
        },
    );
}

pub(super) fn clear(response: &mut Response, state: &AppState, name: &str) {
    cookies::set(
        response,
        &state.public_url,
        &Cookie {
            name,
            value: "",
            path: "/admin",
            max_age_secs: 0,
            same_site: "Strict",
        },
    );
}

/// Every state-changing portal request must come from the portal's own pages when the browser
/// says where it came from (`Origin`, `Sec-Fetch-Site`); the form token is checked as well.
pub(super) async fn same_origin_posts(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::GET
        && request.method() != Method::HEAD
        && !from_portal(request.headers(), &state)
    {
        state.audit_refusal("-", "-", "/admin", RefusalKind::Origin);
        return forbidden(None);
    }
    next.run(request).await
}

/// Same origin: the public URL's, or the one the request itself was sent to (`Host`, which the
/// host check has already limited to this gateway's names) — an operator may reach the portal
/// through a port-forward rather than at `public_url`.
fn from_portal(headers: &HeaderMap, state: &AppState) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_ok = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|origin| {
            origin == state.public_url.origin().ascii_serialization()
                || host.is_some_and(|host| {
                    origin
                        .strip_prefix("https://")
                        .or_else(|| origin.strip_prefix("http://"))
                        .is_some_and(|rest| rest.eq_ignore_ascii_case(host))
                })
        });
    let site_ok = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|site| site == "same-origin" || site == "none");
    origin_ok && site_ok
}
