//! Organization members: `GET`, `POST`, `DELETE /organizations/{id}/members`.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::Response;
use serde_json::Value;

use super::audit::audit;
use super::body::JsonBody;
use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::paging::{ORGS_CAP_MESSAGE, checkpoint, offset};
use super::params::{Params, project};
use super::path_id::Id;
use super::reply::{no_content, ok};
use super::scopes::{CREATE_ORG_MEMBERS, DELETE_ORG_MEMBERS, READ_ORG_MEMBERS};
use super::validate::id_list;
use crate::state::Shared;

/// Members in user_id order, as `{user_id, email, picture, name}`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_ORG_MEMBERS)?;
    let projection = params.projection()?;
    let cp = checkpoint(&params)?;
    let members: Vec<(String, Value)> = {
        let tenant = shared.tenant();
        let org = tenant
            .organizations
            .get(&id)
            .ok_or_else(ApiError::org_not_found)?;
        org.members
            .iter()
            .filter_map(|uid| tenant.users.get(uid).map(|u| (uid.clone(), u.summary())))
            .collect()
    };
    let render = |(_, d): (String, Value)| project(projection.as_ref(), d, &[]);
    if let Some(cp) = cp {
        return Ok(ok(cp.list(
            "members",
            members,
            |(uid, _)| uid.clone(),
            render,
        )));
    }
    let paging = offset(&params, 1)?;
    paging.check_cap(ORGS_CAP_MESSAGE)?;
    Ok(ok(paging.list("members", members, render)))
}

/// Every listed user must exist. Auth0 documents 400 (not 404) for a bad member list on
/// this endpoint, so an unknown user is refused as an invalid body and nothing changes.
fn change(
    shared: &Shared,
    caller: &Caller,
    id: &str,
    body: &Value,
    add: bool,
) -> ApiResult<Response> {
    let user_ids = id_list(body, "members")?;
    let mut tenant = shared.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(ApiError::org_not_found());
    }
    if let Some(missing) = user_ids.iter().find(|u| !tenant.users.contains_key(*u)) {
        return Err(ApiError::invalid_body(format!(
            "User {missing} does not exist."
        )));
    }
    if let Some(org) = tenant.organizations.get_mut(id) {
        for u in user_ids {
            if add {
                org.members.insert(u);
            } else {
                org.members.remove(&u);
            }
        }
    }
    let (what, method) = if add {
        ("Add members to an organization", "post")
    } else {
        ("Delete members from an organization", "delete")
    };
    audit(
        &mut tenant,
        caller,
        what,
        method,
        &format!("/api/v2/organizations/{id}/members"),
        204,
    );
    Ok(no_content())
}

pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&CREATE_ORG_MEMBERS)?;
    change(&shared, &caller, &id, &body, true)
}

pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&DELETE_ORG_MEMBERS)?;
    change(&shared, &caller, &id, &body, false)
}
