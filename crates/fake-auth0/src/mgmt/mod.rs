//! The Management API (`/api/v2`): the endpoints the gateway's tools call, with Auth0's
//! authentication, scope checks, paging, error envelope and rate-limit headers.

mod audit;
mod body;
mod caller;
mod clients;
pub(crate) mod error;
mod logs;
mod org_members;
mod organizations;
mod paging;
mod params;
mod path_id;
mod permissions;
mod reply;
mod role_permissions;
mod role_users;
mod roles;
mod scopes;
mod search;
mod user_organizations;
mod user_permissions;
mod user_roles;
mod user_write;
mod users;
mod validate;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::faults::{Dialect, inject};
use crate::ratelimit::{ensure_rate_limit_headers, has_rate_limit_headers};
use crate::state::Shared;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v2/users", get(users::list).post(user_write::create))
        .route(
            "/api/v2/users/{id}",
            get(users::get)
                .patch(user_write::update)
                .delete(user_write::delete),
        )
        .route("/api/v2/users-by-email", get(users::by_email))
        .route(
            "/api/v2/users/{id}/roles",
            get(user_roles::list)
                .post(user_roles::assign)
                .delete(user_roles::remove),
        )
        .route(
            "/api/v2/users/{id}/permissions",
            get(user_permissions::list)
                .post(user_permissions::add)
                .delete(user_permissions::remove),
        )
        .route(
            "/api/v2/users/{id}/organizations",
            get(user_organizations::list),
        )
        .route("/api/v2/users/{id}/logs", get(logs::for_user))
        .route(
            "/api/v2/organizations",
            get(organizations::list).post(organizations::create),
        )
        .route(
            "/api/v2/organizations/{id}",
            get(organizations::get)
                .patch(organizations::update)
                .delete(organizations::delete),
        )
        .route(
            "/api/v2/organizations/name/{name}",
            get(organizations::get_by_name),
        )
        .route(
            "/api/v2/organizations/{id}/members",
            get(org_members::list)
                .post(org_members::add)
                .delete(org_members::remove),
        )
        .route("/api/v2/roles", get(roles::list).post(roles::create))
        .route(
            "/api/v2/roles/{id}",
            get(roles::get).patch(roles::update).delete(roles::delete),
        )
        .route(
            "/api/v2/roles/{id}/users",
            get(role_users::list).post(role_users::assign),
        )
        .route(
            "/api/v2/roles/{id}/permissions",
            get(role_permissions::list)
                .post(role_permissions::add)
                .delete(role_permissions::remove),
        )
        .route("/api/v2/logs", get(logs::list))
        .route("/api/v2/logs/{id}", get(logs::get))
        .route("/api/v2/clients", get(clients::list))
        .route(
            "/api/v2/clients/{id}",
            get(clients::get).patch(clients::update),
        )
        // Auth0 answers a method it has no route for like an unknown path.
        .method_not_allowed_fallback(not_found)
        .route_layer(middleware::from_fn_with_state(shared.clone(), pipeline))
        .with_state(shared)
}

/// The Management API's 404 for paths it does not know.
pub(crate) async fn not_found() -> Response {
    let mut r = error::ApiError::no_route().into_response();
    ensure_rate_limit_headers(r.headers_mut());
    r
}

/// Around every Management request: count it, take a token from its rate-limit bucket (when
/// a plan's limits are on; a refused request goes no further, as on Auth0), apply faults,
/// authenticate the bearer token, and stamp the rate-limit and request-id headers on
/// whatever comes back.
async fn pipeline(
    State(shared): State<Arc<Shared>>,
    matched: MatchedPath,
    mut req: Request,
    next: Next,
) -> Response {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    shared.count_management_request(format!("{method} {}", matched.as_str()));
    let verdict = shared.limiter().admit(&method, &path, Instant::now());
    let mut resp = if let Some(v) = verdict.filter(|v| !v.allowed) {
        shared.count_rate_limited(v.family.as_str());
        tracing::info!(%method, %path, family = v.family.as_str(), "rate limited");
        v.too_many_requests()
    } else if let Some(r) = inject(&shared, &method, &path, Dialect::Management).await {
        r
    } else {
        match caller::authenticate(&shared, req.headers()) {
            Ok(caller) => {
                req.extensions_mut().insert(caller);
                next.run(req).await
            }
            Err(e) => e.into_response(),
        }
    };
    match verdict {
        // An injected fault's own rate-limit headers win, as they do in the default mode.
        Some(v) if !has_rate_limit_headers(resp.headers()) => v.set_headers(resp.headers_mut()),
        _ => ensure_rate_limit_headers(resp.headers_mut()),
    }
    // Auth0 names every answer for its support staff.
    if let Ok(id) = crate::model::ids::random_alnum(24).to_lowercase().parse() {
        resp.headers_mut().insert("x-auth0-requestid", id);
    }
    tracing::debug!(%method, %path, status = resp.status().as_u16(), "management request");
    resp
}
