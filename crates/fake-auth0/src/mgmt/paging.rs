//! The two paging styles of the Management API (auth0-api.md §2): offset
//! (`page`, `per_page`, `include_totals`) and checkpoint (`from`, `take` → `next`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::error::{ApiError, ApiResult};
use super::params::Params;

/// Auth0's default page size: half the maximum of 100.
pub(crate) const DEFAULT_PER_PAGE: u64 = 50;
pub(crate) const MAX_PER_PAGE: u64 = 100;
/// No offset listing reaches past this many records.
pub(crate) const RECORD_CAP: u64 = 1000;

pub(crate) const USERS_CAP_MESSAGE: &str = "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation.";
pub(crate) const ORGS_CAP_MESSAGE: &str =
    "Requesting page exceeds the allowed maximum of 1000 records.";

#[derive(Clone, Copy, Debug)]
pub(crate) struct Offset {
    pub(crate) page: u64,
    pub(crate) per_page: u64,
    pub(crate) include_totals: bool,
}

/// Reads offset parameters; `min_per_page` is 0 for users and logs, 1 elsewhere.
pub(crate) fn offset(params: &Params, min_per_page: u64) -> ApiResult<Offset> {
    Ok(Offset {
        page: params.int("page", 0, u64::from(u32::MAX))?.unwrap_or(0),
        per_page: params
            .int("per_page", min_per_page, MAX_PER_PAGE)?
            .unwrap_or(DEFAULT_PER_PAGE),
        include_totals: params.boolean("include_totals")?.unwrap_or(false),
    })
}

impl Offset {
    /// Refuses a page that reaches past the first 1000 records.
    pub(crate) fn check_cap(&self, message: &str) -> ApiResult<()> {
        if self.page.saturating_add(1).saturating_mul(self.per_page) > RECORD_CAP {
            return Err(ApiError::invalid_paging(message));
        }
        Ok(())
    }

    fn start(&self) -> usize {
        usize::try_from(self.page.saturating_mul(self.per_page)).unwrap_or(usize::MAX)
    }

    pub(crate) fn window<T>(&self, items: Vec<T>) -> Vec<T> {
        let per_page = usize::try_from(self.per_page).unwrap_or(usize::MAX);
        items
            .into_iter()
            .skip(self.start())
            .take(per_page)
            .collect()
    }

    /// This page of `items`, each rendered, in the `respond` envelope (without `length`);
    /// `total` counts all of `items`.
    pub(crate) fn list<T>(
        &self,
        key: &str,
        items: Vec<T>,
        render: impl FnMut(T) -> Value,
    ) -> Value {
        let total = items.len();
        let page = self.window(items).into_iter().map(render).collect();
        self.respond(key, page, total, false)
    }

    /// A bare array, or with include_totals `{start, limit, [length,] total, <key>}`.
    pub(crate) fn respond(
        &self,
        key: &str,
        page: Vec<Value>,
        total: usize,
        with_length: bool,
    ) -> Value {
        if !self.include_totals {
            return Value::Array(page);
        }
        let mut out = Map::new();
        out.insert("start".into(), json!(self.start()));
        out.insert("limit".into(), json!(self.per_page));
        if with_length {
            out.insert("length".into(), json!(page.len()));
        }
        out.insert("total".into(), json!(total));
        out.insert(key.into(), Value::Array(page));
        Value::Object(out)
    }
}

#[derive(Debug)]
pub(crate) struct Checkpoint {
    after: Option<String>,
    take: usize,
}

/// Checkpoint parameters, if `from` or `take` is present (they win over page/per_page).
pub(crate) fn checkpoint(params: &Params) -> ApiResult<Option<Checkpoint>> {
    if !params.has("from") && !params.has("take") {
        return Ok(None);
    }
    let take = params
        .int("take", 1, MAX_PER_PAGE)?
        .unwrap_or(DEFAULT_PER_PAGE);
    let after = match params.get("from") {
        None => None,
        Some(token) => Some(
            URL_SAFE_NO_PAD
                .decode(token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    ApiError::invalid_query(
                        "Query validation error: invalid value for parameter 'from'.",
                    )
                })?,
        ),
    };
    Ok(Some(Checkpoint {
        after,
        take: usize::try_from(take).unwrap_or(50),
    }))
}

impl Checkpoint {
    /// The next page of `items` (sorted ascending by `key`) and the opaque cursor that
    /// follows it, or `None` on the last page.
    fn page<T>(&self, items: Vec<T>, key: impl Fn(&T) -> String) -> (Vec<T>, Option<String>) {
        let mut rest: Vec<T> = items
            .into_iter()
            .filter(|i| self.after.as_deref().is_none_or(|a| key(i).as_str() > a))
            .collect();
        let more = rest.len() > self.take;
        rest.truncate(self.take);
        let next = if more {
            rest.last().map(|l| URL_SAFE_NO_PAD.encode(key(l)))
        } else {
            None
        };
        (rest, next)
    }

    /// The next page of `items` (sorted ascending by `cursor`), each rendered, as
    /// `checkpoint_body` under `key`.
    pub(crate) fn list<T>(
        &self,
        key: &str,
        items: Vec<T>,
        cursor: impl Fn(&T) -> String,
        render: impl FnMut(T) -> Value,
    ) -> Value {
        let (page, next) = self.page(items, cursor);
        checkpoint_body(key, page.into_iter().map(render).collect(), next)
    }
}

/// `{<key>: [...], next}`, `next` omitted on the last page.
fn checkpoint_body(key: &str, page: Vec<Value>, next: Option<String>) -> Value {
    let mut out = Map::new();
    out.insert(key.into(), Value::Array(page));
    if let Some(n) = next {
        out.insert("next".into(), json!(n));
    }
    Value::Object(out)
}
