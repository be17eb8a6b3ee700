//! `GET /users/{id}/organizations`: the organizations a user belongs to.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::Response;

use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::paging::offset;
use super::params::Params;
use super::path_id::Id;
use super::reply::ok;
use super::scopes::READ_USER_ORGS;
use crate::state::Shared;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_USER_ORGS)?;
    let paging = offset(&params, 1)?;
    let tenant = shared.tenant();
    if !tenant.users.contains_key(&id) {
        return Err(ApiError::user_not_found());
    }
    let orgs = tenant.organizations_of(&id);
    Ok(ok(paging.list("organizations", orgs, |o| o.render())))
}
