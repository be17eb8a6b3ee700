//! The few cookies the gateway sets: each ties a sign-in or a consent to the browser that
//! started it. HttpOnly always, Secure whenever the gateway is served over https.

use axum::http::{HeaderMap, header};
use axum::response::Response;
use url::Url;

pub(crate) struct Cookie<'a> {
    pub name: &'a str,
    pub value: &'a str,
    /// Sent back only to this path.
    pub path: &'a str,
    pub max_age_secs: i64,
    /// `Lax` when the cookie must survive a redirect back from Auth0; `Strict` otherwise.
    pub same_site: &'static str,
}

/// Adds `cookie` to `response`.
pub(crate) fn set(response: &mut Response, public_url: &Url, cookie: &Cookie<'_>) {
    let secure = if public_url.scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{}={}; Path={}; Max-Age={}; HttpOnly; SameSite={}{secure}",
        cookie.name, cookie.value, cookie.path, cookie.max_age_secs, cookie.same_site
    );
    if let Ok(value) = value.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The value of the cookie `name` the request carries.
pub(crate) fn read<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}
