//! Query-string parameters, validated with Auth0's `invalid_query_string` messages.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};

/// The raw query pairs, in order.
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).map_err(|_| {
            ApiError::invalid_query("Query validation error: malformed query string.")
        })?;
        Ok(Params(pairs))
    }
}

impl Params {
    /// The first value of `name`; an empty value counts as absent.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub(crate) fn int(&self, name: &str, min: u64, max: u64) -> ApiResult<Option<u64>> {
        let Some(raw) = self.get(name) else {
            return Ok(None);
        };
        let n: i64 = raw.parse().map_err(|_| {
            ApiError::invalid_query(format!(
                "Query validation error: 'Expected type integer but found type string' on property {name}."
            ))
        })?;
        if n < i64::try_from(min).unwrap_or(i64::MAX) {
            return Err(ApiError::invalid_query(format!(
                "Query validation error: 'Value {n} is less than minimum {min}' on property {name}."
            )));
        }
        let n = u64::try_from(n).unwrap_or(0);
        if n > max {
            return Err(ApiError::invalid_query(format!(
                "Query validation error: 'Value {n} is greater than maximum {max}' on property {name}."
            )));
        }
        Ok(Some(n))
    }

    pub(crate) fn boolean(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_query(format!(
                "Query validation error: 'Expected type boolean but found type string' on property {name}."
            ))),
        }
    }

    /// `fields` + `include_fields`, if a projection was asked for.
    pub(crate) fn projection(&self) -> ApiResult<Option<Projection>> {
        let include = self.boolean("include_fields")?.unwrap_or(true);
        Ok(self.get("fields").map(|f| Projection {
            fields: f
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            include,
        }))
    }

    /// `sort=field:1|-1`, parsed.
    pub(crate) fn sort(&self) -> ApiResult<Option<(String, bool)>> {
        let Some(raw) = self.get("sort") else {
            return Ok(None);
        };
        let bad = || {
            ApiError::invalid_query(
                "Query validation error: 'String does not match pattern ^(([a-zA-Z0-9_\\.]+))\\:(1|-1)$' on property sort (The field to use for sorting. Use field:order where order is 1 for ascending and -1 for descending. For example date:-1).",
            )
        };
        let (field, order) = raw.rsplit_once(':').ok_or_else(bad)?;
        let field_ok = !field.is_empty()
            && field
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        match (field_ok, order) {
            (true, "1") => Ok(Some((field.to_owned(), true))),
            (true, "-1") => Ok(Some((field.to_owned(), false))),
            _ => Err(bad()),
        }
    }
}

/// Which top-level fields to return.
#[derive(Debug)]
pub(crate) struct Projection {
    fields: Vec<String>,
    include: bool,
}

impl Projection {
    /// Keeps (or, with include_fields=false, drops) the named fields; `always` survive
    /// either way, as Auth0 keeps e.g. a client's `tenant`.
    pub(crate) fn apply(&self, v: Value, always: &[&str]) -> Value {
        let Value::Object(m) = v else { return v };
        let out: Map<String, Value> = m
            .into_iter()
            .filter(|(k, _)| {
                always.contains(&k.as_str()) || self.fields.iter().any(|f| f == k) == self.include
            })
            .collect();
        Value::Object(out)
    }
}

pub(crate) fn project(p: Option<&Projection>, v: Value, always: &[&str]) -> Value {
    match p {
        Some(p) => p.apply(v, always),
        None => v,
    }
}
