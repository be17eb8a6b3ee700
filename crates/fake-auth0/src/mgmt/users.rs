//! Reading users: `GET /users` (search v3), `GET /users/{id}`, `GET /users-by-email`.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::Response;
use serde_json::Value;

use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::paging::{USERS_CAP_MESSAGE, offset};
use super::params::{Params, project};
use super::path_id::Id;
use super::reply::ok;
use super::scopes::READ_USERS;
use super::search::{Fields, Query, leaves, parse};
use crate::state::Shared;

/// How user fields behave in `q`: bare terms look at the usual identity fields; email and
/// name are normalised (case-insensitive) as Auth0 documents.
pub(crate) const USER_FIELDS: Fields<'static> = Fields {
    default: &[
        "email",
        "name",
        "nickname",
        "username",
        "user_id",
        "given_name",
        "family_name",
    ],
    case_insensitive: &[
        "email",
        "name",
        "nickname",
        "given_name",
        "family_name",
        "username",
    ],
    words: &["name", "given_name", "family_name", "nickname"],
};

fn user_query(params: &Params) -> ApiResult<Query> {
    match params.get("search_engine") {
        // Tenants created today default to v3, so a missing search_engine means v3.
        None | Some("v2" | "v3") => {}
        Some("v1") if params.has("q") => {
            return Err(ApiError::invalid_query(
                "The 'q' parameter is available only if you specify 'search_engine=v2|v3'.",
            ));
        }
        Some("v1") => {}
        Some(other) => {
            return Err(ApiError::invalid_query(format!(
                "Query validation error: 'No enum match for: \"{other}\"' on property search_engine (The version of the search engine)."
            )));
        }
    }
    match params.get("q") {
        None => Ok(Query::All),
        Some(q) => parse(q).map_err(|e| {
            ApiError::invalid_query(format!("Query validation error: could not parse q ({e})."))
        }),
    }
}

/// Sorts rendered documents on `field`; documents without it go last either way.
pub(crate) fn sort_docs(docs: &mut [Value], field: &str, ascending: bool) {
    docs.sort_by(|a, b| {
        let (x, y) = (
            leaves(a, field).into_iter().next(),
            leaves(b, field).into_iter().next(),
        );
        match (x, y) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => {
                let o = match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(p), Ok(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
                    _ => x.cmp(&y),
                };
                if ascending { o } else { o.reverse() }
            }
        }
    });
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_USERS)?;
    let paging = offset(&params, 0)?;
    let projection = params.projection()?;
    let sort = params.sort()?;
    let query = user_query(&params)?;
    paging.check_cap(USERS_CAP_MESSAGE)?;
    let idp = caller.has("read:user_idp_tokens");
    let mut docs: Vec<Value> = {
        let tenant = shared.tenant();
        tenant
            .users
            .values()
            .map(|u| u.render(idp))
            .filter(|d| query.matches(d, &USER_FIELDS))
            .collect()
    };
    if let Some((field, asc)) = &sort {
        sort_docs(&mut docs, field, *asc);
    }
    let total = docs.len();
    let page = paging
        .window(docs)
        .into_iter()
        .map(|d| project(projection.as_ref(), d, &[]))
        .collect();
    Ok(ok(paging.respond("users", page, total, true)))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_USERS)?;
    let projection = params.projection()?;
    let doc = shared
        .tenant()
        .users
        .get(&id)
        .map(|u| u.render(caller.has("read:user_idp_tokens")))
        .ok_or_else(ApiError::user_not_found)?;
    Ok(ok(project(projection.as_ref(), doc, &[])))
}

/// Exact, case-sensitive match on the stored address; Auth0 stores addresses lowercased.
pub(crate) async fn by_email(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_USERS)?;
    let projection = params.projection()?;
    let email = params.get("email").ok_or_else(|| {
        ApiError::invalid_query("Query validation error: 'Missing required property: email'.")
    })?;
    let idp = caller.has("read:user_idp_tokens");
    let docs: Vec<Value> = shared
        .tenant()
        .users
        .values()
        .filter(|u| u.email.as_deref() == Some(email))
        .map(|u| project(projection.as_ref(), u.render(idp), &[]))
        .collect();
    Ok(ok(Value::Array(docs)))
}
