//! A role's users: `GET /roles/{id}/users` (offset or checkpoint), `POST` (200 `{}`).

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::Response;
use serde_json::Value;

use super::audit::audit;
use super::body::JsonBody;
use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::paging::{checkpoint, offset};
use super::params::Params;
use super::path_id::Id;
use super::reply::{ok, ok_empty};
use super::scopes::{ASSIGN_ROLE_USERS, READ_ROLE_USERS};
use super::validate::id_list;
use crate::state::Shared;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_ROLE_USERS)?;
    let cp = checkpoint(&params)?;
    let users: Vec<(String, Value)> = {
        let tenant = shared.tenant();
        let role = tenant.roles.get(&id).ok_or_else(ApiError::role_not_found)?;
        role.users
            .iter()
            .filter_map(|u| tenant.users.get(u).map(|x| (u.clone(), x.summary())))
            .collect()
    };
    let doc = |(_, d): (String, Value)| d;
    if let Some(cp) = cp {
        return Ok(ok(cp.list("users", users, |(u, _)| u.clone(), doc)));
    }
    let paging = offset(&params, 1)?;
    Ok(ok(paging.list("users", users, doc)))
}

/// Every listed user must exist, else nothing changes.
pub(crate) async fn assign(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&ASSIGN_ROLE_USERS)?;
    let user_ids = id_list(&body, "users")?;
    let mut tenant = shared.tenant();
    if !tenant.roles.contains_key(&id) {
        return Err(ApiError::role_not_found());
    }
    if user_ids.iter().any(|u| !tenant.users.contains_key(u)) {
        return Err(ApiError::user_not_found());
    }
    if let Some(role) = tenant.roles.get_mut(&id) {
        role.users.extend(user_ids);
    }
    audit(
        &mut tenant,
        &caller,
        "Assign users to a role",
        "post",
        &format!("/api/v2/roles/{id}/users"),
        200,
    );
    // Auth0 answers `200 {}` here (recorded).
    Ok(ok_empty())
}
