//! Roles: list, get, create (200, not 201), update, delete (200 `{}`).

use std::collections::BTreeSet;
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
use super::reply::{ok, ok_empty};
use super::scopes::{CREATE_ROLES, DELETE_ROLES, READ_ROLES, UPDATE_ROLES};
use super::validate::{Schema, prop, string, validate};
use crate::model::ids::new_role_id;
use crate::model::role::Role;
use crate::state::Shared;

const CREATE: Schema = Schema {
    props: &[
        prop("name", string(1, 50)),
        prop("description", string(0, 140)),
    ],
    required: &["name"],
    min_props: 0,
};

const UPDATE: Schema = Schema {
    props: &[
        prop("name", string(1, 50)),
        prop("description", string(0, 140)),
    ],
    required: &[],
    min_props: 0,
};

fn conflict() -> ApiError {
    ApiError::Conflict {
        message: "The role already exists.".into(),
        code: None,
    }
}

/// Sorted by name; `name_filter` keeps names containing it, ignoring case.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_ROLES)?;
    let paging = offset(&params, 1)?;
    let filter = params.get("name_filter").map(str::to_lowercase);
    let tenant = shared.tenant();
    let mut roles: Vec<&Role> = tenant
        .roles
        .values()
        .filter(|r| {
            filter
                .as_deref()
                .is_none_or(|f| r.name.to_lowercase().contains(f))
        })
        .collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ok(paging.list("roles", roles, Role::render)))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
) -> ApiResult<Response> {
    caller.require(&READ_ROLES)?;
    let tenant = shared.tenant();
    Ok(ok(tenant
        .roles
        .get(&id)
        .ok_or_else(ApiError::role_not_found)?
        .render()))
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&CREATE_ROLES)?;
    let m = validate(&body, &CREATE)?;
    let name = m
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut tenant = shared.tenant();
    if tenant.roles.values().any(|r| r.name == name) {
        return Err(conflict());
    }
    let role = Role {
        id: new_role_id(),
        name,
        description: m
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        permissions: BTreeSet::new(),
        users: BTreeSet::new(),
    };
    let doc = role.render();
    tenant.roles.insert(role.id.clone(), role);
    audit(
        &mut tenant,
        &caller,
        "Create a role",
        "post",
        "/api/v2/roles",
        200,
    );
    // Auth0 answers 200 here, not 201 (recorded and in the OAS).
    Ok(ok(doc))
}

pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&UPDATE_ROLES)?;
    let m = validate(&body, &UPDATE)?;
    let mut tenant = shared.tenant();
    if !tenant.roles.contains_key(&id) {
        return Err(ApiError::role_not_found());
    }
    let new_name = m.get("name").and_then(Value::as_str);
    if let Some(n) = new_name
        && tenant.roles.values().any(|r| r.name == n && r.id != id)
    {
        return Err(conflict());
    }
    let Some(role) = tenant.roles.get_mut(&id) else {
        return Err(ApiError::role_not_found());
    };
    if let Some(n) = new_name {
        role.name = n.to_owned();
    }
    if let Some(d) = m.get("description").and_then(Value::as_str) {
        role.description = Some(d.to_owned());
    }
    let doc = role.render();
    audit(
        &mut tenant,
        &caller,
        "Update a role",
        "patch",
        &format!("/api/v2/roles/{id}"),
        200,
    );
    Ok(ok(doc))
}

/// Auth0 answers `200 {}` (recorded), not 204.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
) -> ApiResult<Response> {
    caller.require(&DELETE_ROLES)?;
    let mut tenant = shared.tenant();
    tenant
        .roles
        .remove(&id)
        .ok_or_else(ApiError::role_not_found)?;
    audit(
        &mut tenant,
        &caller,
        "Delete a role",
        "delete",
        &format!("/api/v2/roles/{id}"),
        200,
    );
    Ok(ok_empty())
}
