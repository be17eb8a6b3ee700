//! A role's permissions: `GET`, `POST` (201 `{}`), `DELETE` (204)
//! `/roles/{id}/permissions`.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::Response;
use serde_json::Value;

use super::audit::audit;
use super::body::JsonBody;
use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::paging::offset;
use super::params::Params;
use super::path_id::Id;
use super::permissions::change_permissions;
use super::reply::{created_empty, no_content, ok};
use super::scopes::{READ_ROLES, UPDATE_ROLES};
use crate::state::Shared;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_ROLES)?;
    let paging = offset(&params, 1)?;
    let tenant = shared.tenant();
    let role = tenant.roles.get(&id).ok_or_else(ApiError::role_not_found)?;
    let all: Vec<_> = role.permissions.iter().collect();
    Ok(ok(paging.list("permissions", all, |p| {
        Value::Object(tenant.render_permission(p))
    })))
}

pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&UPDATE_ROLES)?;
    let mut tenant = shared.tenant();
    change_permissions(&mut tenant, &body, true, ApiError::role_not_found, |t| {
        t.roles.get_mut(&id).map(|r| &mut r.permissions)
    })?;
    audit(
        &mut tenant,
        &caller,
        "Associate permissions with a role",
        "post",
        &format!("/api/v2/roles/{id}/permissions"),
        201,
    );
    Ok(created_empty())
}

/// 204 as recorded (the OAS says 200).
pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&UPDATE_ROLES)?;
    let mut tenant = shared.tenant();
    change_permissions(&mut tenant, &body, false, ApiError::role_not_found, |t| {
        t.roles.get_mut(&id).map(|r| &mut r.permissions)
    })?;
    audit(
        &mut tenant,
        &caller,
        "Remove permissions from a role",
        "delete",
        &format!("/api/v2/roles/{id}/permissions"),
        204,
    );
    Ok(no_content())
}
