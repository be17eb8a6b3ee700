//! A user's permissions: `GET` (direct and through roles, with their sources), `POST` and
//! `DELETE /users/{id}/permissions` (direct assignments).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::audit::audit;
use super::body::JsonBody;
use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::paging::offset;
use super::params::Params;
use super::path_id::Id;
use super::permissions::change_permissions;
use super::reply::{created_empty, no_content, ok};
use super::scopes::{READ_USERS, UPDATE_USERS};
use crate::model::resource_server::PermissionRef;
use crate::state::Shared;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_USERS)?;
    let paging = offset(&params, 1)?;
    let tenant = shared.tenant();
    let user = tenant.users.get(&id).ok_or_else(ApiError::user_not_found)?;
    let mut sources: BTreeMap<PermissionRef, Vec<Value>> = BTreeMap::new();
    for p in &user.direct_permissions {
        sources
            .entry(p.clone())
            .or_default()
            .push(json!({"source_id": "", "source_name": "", "source_type": "DIRECT"}));
    }
    for role in tenant.roles.values().filter(|r| r.users.contains(&id)) {
        for p in &role.permissions {
            sources.entry(p.clone()).or_default().push(
                json!({"source_id": role.id, "source_name": role.name, "source_type": "ROLE"}),
            );
        }
    }
    let all: Vec<_> = sources.into_iter().collect();
    Ok(ok(paging.list("permissions", all, |(p, src)| {
        let mut doc = tenant.render_permission(&p);
        doc.insert("sources".into(), Value::Array(src));
        Value::Object(doc)
    })))
}

pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&UPDATE_USERS)?;
    let mut tenant = shared.tenant();
    change_permissions(&mut tenant, &body, true, ApiError::user_not_found, |t| {
        t.users.get_mut(&id).map(|u| &mut u.direct_permissions)
    })?;
    audit(
        &mut tenant,
        &caller,
        "Assign permissions to a user",
        "post",
        &format!("/api/v2/users/{id}/permissions"),
        201,
    );
    Ok(created_empty())
}

pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&UPDATE_USERS)?;
    let mut tenant = shared.tenant();
    change_permissions(&mut tenant, &body, false, ApiError::user_not_found, |t| {
        t.users.get_mut(&id).map(|u| &mut u.direct_permissions)
    })?;
    audit(
        &mut tenant,
        &caller,
        "Remove permissions from a user",
        "delete",
        &format!("/api/v2/users/{id}/permissions"),
        204,
    );
    Ok(no_content())
}
