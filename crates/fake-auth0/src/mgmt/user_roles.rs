//! A user's roles: `GET`, `POST`, `DELETE /users/{id}/roles`.

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
use super::reply::{no_content, ok};
use super::scopes::{ASSIGN_USER_ROLES, READ_USER_ROLES, REMOVE_USER_ROLES};
use super::validate::id_list;
use crate::state::Shared;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_USER_ROLES)?;
    let paging = offset(&params, 1)?;
    let tenant = shared.tenant();
    if !tenant.users.contains_key(&id) {
        return Err(ApiError::user_not_found());
    }
    let mut roles: Vec<_> = tenant
        .roles
        .values()
        .filter(|r| r.users.contains(&id))
        .collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ok(paging.list("roles", roles, |r| r.render())))
}

/// Adds (`assign`) or removes the listed roles. Every role must exist, else nothing changes.
fn change(
    shared: &Shared,
    caller: &Caller,
    id: &str,
    body: &Value,
    assign: bool,
) -> ApiResult<Response> {
    let role_ids = id_list(body, "roles")?;
    let mut tenant = shared.tenant();
    if !tenant.users.contains_key(id) {
        return Err(ApiError::user_not_found());
    }
    if role_ids.iter().any(|r| !tenant.roles.contains_key(r)) {
        return Err(ApiError::role_not_found());
    }
    for r in &role_ids {
        if let Some(role) = tenant.roles.get_mut(r) {
            if assign {
                role.users.insert(id.to_owned());
            } else {
                role.users.remove(id);
            }
        }
    }
    let (what, method) = if assign {
        ("Assign roles to a user", "post")
    } else {
        ("Removes roles from a user", "delete")
    };
    audit(
        &mut tenant,
        caller,
        what,
        method,
        &format!("/api/v2/users/{id}/roles"),
        204,
    );
    Ok(no_content())
}

pub(crate) async fn assign(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&ASSIGN_USER_ROLES)?;
    change(&shared, &caller, &id, &body, true)
}

pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&REMOVE_USER_ROLES)?;
    change(&shared, &caller, &id, &body, false)
}
