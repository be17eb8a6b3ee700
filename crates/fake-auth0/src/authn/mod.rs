//! The Authentication API: discovery, `/authorize`, `/oauth/token`, `/userinfo` and
//! `/oauth/revoke`.

mod authorize;
mod callbacks;
mod client_auth;
mod discovery;
mod grant_client_credentials;
mod grant_code;
mod grant_refresh;
pub(crate) mod grants;
mod login_request;
pub(crate) mod mint;
mod oauth_error;
mod params;
mod revoke;
pub(crate) mod sessions;
mod token;
mod userinfo;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub(crate) use discovery::base_url;
pub(crate) use userinfo::bearer;

use crate::faults::{Dialect, inject};
use crate::state::Shared;

/// Token requests larger than this are refused; real ones are a few hundred bytes.
const MAX_BODY: usize = 64 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/.well-known/jwks.json", get(discovery::jwks))
        .route("/authorize", get(authorize::authorize))
        .route("/oauth/token", post(token::token))
        .route(
            "/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route("/oauth/revoke", post(revoke::revoke))
        .route_layer(middleware::from_fn_with_state(shared.clone(), pipeline))
        .with_state(shared)
}

/// Counts token requests by grant type, then applies faults. Counting comes first so that
/// a test sees every attempt a client made, including those a fault turned away.
async fn pipeline(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let req = if path == "/oauth/token" {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
            return oauth_error::OAuthError::invalid_request("Request body too large")
                .into_response();
        };
        if let Some(gt) = params::parse_params(&parts.headers, &bytes)
            .ok()
            .and_then(|p| p.get("grant_type").cloned())
        {
            shared.count_token_request(&gt);
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    if let Some(resp) = inject(&shared, &method, &path, Dialect::OAuth).await {
        return resp;
    }
    next.run(req).await
}
