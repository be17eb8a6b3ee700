//! The cookie that ties a sign-in to the browser that started it: set when `/connect` or the
//! consent sends the browser to Auth0, read back at `/integration-callback`.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

use super::{AppState, cookies};
use crate::sign_in::Started;
use gw_store::sha256_hex;

/// One cookie per sign-in (named after its state), so two tabs connecting at once do not clash.
fn name(state: &str) -> String {
    format!("mcpgw_connect_{}", &sha256_hex(state)[..12])
}

/// The browser secret a callback for `state` came with.
pub(crate) fn read<'h>(headers: &'h HeaderMap, state: &str) -> Option<&'h str> {
    cookies::read(headers, &name(state))
}

/// Sends the browser to Auth0 with `status`, setting the sign-in's cookie (Lax: it must come back
/// with Auth0's redirect to the callback).
pub(crate) fn redirect(started: &Started, state: &AppState, status: StatusCode) -> Response {
    let mut response = (
        status,
        [
            (header::LOCATION, started.url.to_string()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response();
    if let Some(secret) = &started.browser_secret {
        cookies::set(
            &mut response,
            &state.public_url,
            &cookies::Cookie {
                name: &name(started.state.expose_secret()),
                value: secret,
                path: state.callback_url().path(),
                max_age_secs: 600,
                same_site: "Lax",
            },
        );
    }
    response
}
