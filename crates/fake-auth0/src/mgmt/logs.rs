//! Log events: `GET /logs` (search or checkpoint), `GET /logs/{id}`, `GET /users/{id}/logs`.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use serde_json::Value;
use url::form_urlencoded;

use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::paging::{MAX_PER_PAGE, Offset, offset};
use super::params::{Params, project};
use super::path_id::Id;
use super::reply::ok;
use super::scopes::READ_LOGS;
use super::search::{Fields, Query, parse};
use super::users::sort_docs;
use crate::authn::base_url;
use crate::state::Shared;

const LOG_FIELDS: Fields<'static> = Fields {
    default: &["description", "user_name", "user_id", "type", "client_name"],
    case_insensitive: &["user_name", "description"],
    words: &["description"],
};

/// Sorts (default `date:-1`), pages and projects rendered events. With include_totals the
/// envelope is `{start, limit, length, total, logs}` and, as Auth0 does since v3 made
/// totals obsolete, `total` is the page size.
fn page_of(mut docs: Vec<Value>, params: &Params, paging: Offset) -> ApiResult<Value> {
    let projection = params.projection()?;
    let (field, asc) = params.sort()?.unwrap_or_else(|| ("date".to_owned(), false));
    sort_docs(&mut docs, &field, asc);
    let page: Vec<Value> = paging
        .window(docs)
        .into_iter()
        .map(|d| project(projection.as_ref(), d, &[]))
        .collect();
    let total = page.len();
    Ok(paging.respond("logs", page, total, true))
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_LOGS)?;
    if let Some(from) = params.get("from") {
        return checkpoint(&shared, &headers, &params, from);
    }
    let paging = offset(&params, 0)?;
    let query = match params.get("q") {
        None => Query::All,
        Some(q) => parse(q).map_err(|e| {
            ApiError::invalid_query(format!("Query validation error: could not parse q ({e})."))
        })?,
    };
    let docs: Vec<Value> = shared
        .tenant()
        .logs
        .iter()
        .map(|l| l.render())
        .filter(|d| query.matches(d, &LOG_FIELDS))
        .collect();
    Ok(ok(page_of(docs, &params, paging)?))
}

/// `from=<log_id>&take=N`: the events after `from` in log_id order, and a `Link` header
/// to the next batch (pointing at the same place when there is nothing new). `from` beats
/// `q`; other parameters are ignored.
fn checkpoint(
    shared: &Shared,
    headers: &HeaderMap,
    params: &Params,
    from: &str,
) -> ApiResult<Response> {
    let take = usize::try_from(params.int("take", 1, MAX_PER_PAGE)?.unwrap_or(50)).unwrap_or(50);
    let docs: Vec<Value> = shared
        .tenant()
        .logs
        .iter()
        .filter(|l| l.log_id.as_str() > from)
        .take(take)
        .map(|l| l.render())
        .collect();
    let last = docs
        .last()
        .and_then(|d| d.get("log_id"))
        .and_then(Value::as_str)
        .unwrap_or(from)
        .to_owned();
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("from", &last)
        .append_pair("take", &take.to_string())
        .finish();
    let link = format!("<{}/api/v2/logs?{query}>; rel=\"next\"", base_url(headers));
    let mut resp = ok(Value::Array(docs));
    if let Ok(v) = HeaderValue::from_str(&link) {
        resp.headers_mut().insert(header::LINK, v);
    }
    Ok(resp)
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
) -> ApiResult<Response> {
    caller.require(&READ_LOGS)?;
    let tenant = shared.tenant();
    let log = tenant
        .logs
        .iter()
        .find(|l| l.log_id == id)
        .ok_or_else(|| ApiError::NotFound {
            message: "Log not found.".into(),
            code: None,
        })?;
    Ok(ok(log.render()))
}

/// A user's events. Auth0 does not check that the user exists: an unknown id lists nothing.
pub(crate) async fn for_user(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_LOGS)?;
    let paging = offset(&params, 0)?;
    let docs: Vec<Value> = shared
        .tenant()
        .logs
        .iter()
        .filter(|l| l.user_id() == Some(id.as_str()))
        .map(|l| l.render())
        .collect();
    Ok(ok(page_of(docs, &params, paging)?))
}
