//! `/_fake/*`: the test hooks of [`crate::FakeAuth0`] over HTTP, for tests that run the
//! fake as a separate process. Not part of Auth0; never faulted, never counted.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};

use crate::config::UserGrants;
use crate::faults::Fault;
use crate::plan_limits::RateLimits;
use crate::state::Shared;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_fake/stats", get(stats))
        .route("/_fake/faults", post(add_fault).delete(clear_faults))
        .route("/_fake/settings", post(settings))
        .route("/_fake/users/{user_id}", get(user))
        .route("/_fake/users/{user_id}/mfa", put(user_mfa))
        .with_state(shared)
}

/// The user as the tenant holds it, so a test can see what a tool really changed (the gateway
/// may mask what it shows).
async fn user(State(shared): State<Arc<Shared>>, Path(user_id): Path<String>) -> Response {
    match shared.tenant().users.get(&user_id) {
        Some(user) => Json(user.render(true)).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.stats()).into_response()
}

async fn add_fault(State(shared): State<Arc<Shared>>, Json(fault): Json<Fault>) -> StatusCode {
    shared.faults().add(fault);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults().clear();
    StatusCode::NO_CONTENT
}

/// Every field is optional; leaving one out keeps it. `"grant_scopes": [...]` grants users only
/// those, `null` everything they ask for (unlike Auth0).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    #[serde(default)]
    access_token_ttl_secs: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    grant_scopes: Option<Option<Vec<String>>>,
    #[serde(default)]
    login_user: Option<String>,
    /// `true`: the next MFA challenge fails (once).
    #[serde(default)]
    fail_next_mfa: bool,
    /// `"off"`, `"free"`, `"essentials"` or `"enterprise"`; every bucket starts full again.
    #[serde(default)]
    rate_limits: Option<RateLimits>,
}

/// Tells a present `null` (Some(None)) from an absent field (None).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

async fn settings(State(shared): State<Arc<Shared>>, Json(body): Json<SettingsBody>) -> StatusCode {
    shared.update_settings(|s| {
        if let Some(t) = body.access_token_ttl_secs {
            s.access_token_ttl = std::time::Duration::from_secs(t);
        }
        if let Some(g) = body.grant_scopes {
            s.user_grants = match g {
                None => UserGrants::AllRequestedUnlikeAuth0,
                Some(list) => UserGrants::Only(list),
            };
        }
        if let Some(u) = body.login_user {
            s.login_user = u;
        }
    });
    if body.fail_next_mfa {
        shared.tenant().sessions.fail_next_mfa();
    }
    if let Some(mode) = body.rate_limits {
        shared.limiter().set_plan(mode);
    }
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MfaBody {
    enrolled: bool,
}

/// Enrolls a user in MFA or removes the enrollment; 404 for an unknown user.
async fn user_mfa(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    Json(body): Json<MfaBody>,
) -> StatusCode {
    match shared.tenant().users.get_mut(&user_id) {
        Some(user) => {
            user.set_mfa_enrolled(body.enrolled);
            StatusCode::NO_CONTENT
        }
        None => StatusCode::NOT_FOUND,
    }
}
