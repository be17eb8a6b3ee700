//! `GET /authorize`: checks the request as Auth0 does, then approves it at once as the
//! configured login user (there is no login page) and redirects back with a code. How that
//! user authenticates (a reused session, a fresh login, MFA) is `sessions.rs`'s call.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use time::OffsetDateTime;
use url::Url;

use super::callbacks::callback_allowed;
use super::grants::{Grant, Pkce};
use super::login_request;
use crate::state::Shared;
use crate::tenant::NewLog;

/// Why an approved-looking request fails. Before the redirect_uri is trusted errors are
/// shown as a page; afterwards they go back to the application in the redirect, as OAuth 2.0
/// §4.1.2.1 says.
struct Refusal {
    error: &'static str,
    description: String,
}

fn redirect_error(error: &'static str, description: impl Into<String>) -> Refusal {
    Refusal {
        error,
        description: description.into(),
    }
}

pub(crate) async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let redirect_uri = match trusted_redirect(&shared, get("client_id"), get("redirect_uri")) {
        Ok(r) => r,
        Err(page) => return error_page(&page),
    };
    let state = get("state");
    match approve(&shared, &q, &redirect_uri) {
        Ok(code) => redirect(&redirect_uri, &[("code", Some(&code)), ("state", state)]),
        Err(Refusal { error, description }) => redirect(
            &redirect_uri,
            &[
                ("error", Some(error)),
                ("error_description", Some(&description)),
                ("state", state),
            ],
        ),
    }
}

/// The redirect_uri, once the client is known and the URI is one of its callbacks.
fn trusted_redirect(
    shared: &Shared,
    client_id: Option<&str>,
    redirect_uri: Option<&str>,
) -> Result<String, String> {
    let client_id = client_id.ok_or("invalid_request: Missing required parameter: client_id")?;
    let tenant = shared.tenant();
    let client = tenant
        .clients
        .get(client_id)
        .ok_or_else(|| format!("invalid_request: Unknown client: {client_id}"))?;
    let callbacks = client.callbacks();
    let uri = match redirect_uri {
        Some(u) => u.to_owned(),
        // Without a redirect_uri Auth0 falls back to the first callback, if it is usable.
        None => callbacks
            .iter()
            .find(|c| !c.contains('*'))
            .cloned()
            .ok_or("invalid_request: Missing required parameter: redirect_uri")?,
    };
    if !callback_allowed(&callbacks, &uri) {
        return Err(format!(
            "Callback URL mismatch. {uri} is not in the list of allowed callback URLs"
        ));
    }
    Ok(uri)
}

fn approve(
    shared: &Shared,
    q: &HashMap<String, String>,
    redirect_uri: &str,
) -> Result<String, Refusal> {
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let client_id = get("client_id").unwrap_or_default().to_owned();
    if get("fake_deny") == Some("1") {
        return Err(redirect_error(
            "access_denied",
            "User did not authorize the request",
        ));
    }
    let login = login_request::parse(get("prompt"), get("max_age"), get("acr_values"))
        .map_err(|d| redirect_error("invalid_request", d))?;
    // The sessions the fake keeps stand for a browser it cannot see, and no request proves it
    // carries that browser's cookie; so a request that may show no login page gets the answer
    // Auth0 gives a browser without a session (OIDC Core §3.1.2.6).
    if login.silent {
        return Err(redirect_error("login_required", "Login required"));
    }
    match get("response_type") {
        None => {
            return Err(redirect_error(
                "invalid_request",
                "Missing required parameter: response_type",
            ));
        }
        Some("code") => {}
        Some(other) => {
            return Err(redirect_error(
                "unsupported_response_type",
                format!("Unsupported response type: {other}"),
            ));
        }
    }
    let pkce = match (get("code_challenge"), get("code_challenge_method")) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(redirect_error(
                "invalid_request",
                "Missing required parameter: code_challenge",
            ));
        }
        // RFC 7636 §4.3: the method defaults to plain.
        (Some(c), m @ (None | Some("S256" | "plain"))) => Some(Pkce {
            challenge: c.to_owned(),
            method: m.unwrap_or("plain").to_owned(),
        }),
        (Some(_), Some(m)) => {
            return Err(redirect_error(
                "invalid_request",
                format!("Unsupported code_challenge_method: {m}"),
            ));
        }
    };
    let settings = shared.settings();
    let mut tenant = shared.tenant();
    let audience = get("audience").map(str::to_owned);
    if let Some(a) = &audience
        && tenant.resource_server(a).is_none()
    {
        return Err(redirect_error(
            "access_denied",
            format!("Service not found: {a}"),
        ));
    }
    let user_id = settings.login_user.clone();
    let org_id = match get("organization") {
        None => None,
        Some(o) => {
            let org = tenant
                .organizations
                .values()
                .find(|x| x.id == o || x.name == o)
                .ok_or_else(|| {
                    redirect_error(
                        "invalid_request",
                        format!("parameter organization is invalid: {o}"),
                    )
                })?;
            if !org.members.contains(&user_id) {
                return Err(redirect_error(
                    "access_denied",
                    "user is not part of the organization",
                ));
            }
            Some(org.id.clone())
        }
    };
    let Some(user) = tenant.users.get(&user_id) else {
        return Err(redirect_error(
            "access_denied",
            "The login user does not exist in this tenant",
        ));
    };
    if user.is_blocked() {
        return Err(redirect_error("unauthorized", "user is blocked"));
    }
    let enrolled = !user.multifactor.is_empty();
    let now = OffsetDateTime::now_utc();
    let unix_now = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    let Ok(authentication) = tenant
        .sessions
        .sign_in(&user_id, &login, enrolled, unix_now)
    else {
        tenant.log(NewLog {
            kind: "gd_auth_failed",
            description: "Multi-factor authentication failed",
            client_id: Some(&client_id),
            user_id: Some(&user_id),
            details: json!({"authenticator": {"type": "otp"}}),
        });
        // Guessed wording: Auth0 keeps the user on its MFA page; the fake ends the transaction.
        return Err(redirect_error(
            "access_denied",
            "Multifactor authentication failed",
        ));
    };
    if authentication.challenged_mfa {
        tenant.log(NewLog {
            kind: "gd_auth_succeed",
            description: "Multi-factor authentication success",
            client_id: Some(&client_id),
            user_id: Some(&user_id),
            details: json!({"authenticator": {"type": "otp"}}),
        });
    }
    if let Some(user) = tenant.users.get_mut(&user_id) {
        user.last_login = Some(now);
        user.logins_count += 1;
        user.last_ip = Some("127.0.0.1".to_owned());
    }
    let scopes: Vec<String> = get("scope")
        .unwrap_or("openid")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let grant = Grant {
        client_id: client_id.clone(),
        user_id: user_id.clone(),
        scopes,
        audience,
        org_id,
        nonce: get("nonce").map(str::to_owned),
        authentication,
    };
    tenant.log(NewLog {
        kind: "s",
        description: "Success Login",
        client_id: Some(&client_id),
        user_id: Some(&user_id),
        details: json!({"prompts": [], "initiatedAt": now.unix_timestamp() * 1000}),
    });
    Ok(shared
        .grants()
        .issue_code(grant, redirect_uri.to_owned(), pkce))
}

fn redirect(base: &str, params: &[(&str, Option<&str>)]) -> Response {
    let mut url = match Url::parse(base) {
        Ok(u) => u,
        Err(_) => return error_page("invalid_request: redirect_uri is not a URL"),
    };
    {
        let mut qp = url.query_pairs_mut();
        for (k, v) in params {
            if let Some(v) = v {
                qp.append_pair(k, v);
            }
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

fn error_page(message: &str) -> Response {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Oops!, something went wrong</h1><p>{escaped}</p></body></html>"
        )),
    )
        .into_response()
}
