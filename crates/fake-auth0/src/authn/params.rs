//! Token and revocation requests arrive as a form or as JSON; both become one string map.

use std::collections::HashMap;

use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::oauth_error::OAuthError;

pub(crate) type FormParams = HashMap<String, String>;

pub(crate) fn parse_params(headers: &HeaderMap, body: &[u8]) -> Result<FormParams, OAuthError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if is_json {
        let map: serde_json::Map<String, Value> = serde_json::from_slice(body)
            .map_err(|_| OAuthError::invalid_request("Invalid JSON body"))?;
        Ok(map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                Value::Null => None,
                other => Some((k, other.to_string())),
            })
            .collect())
    } else {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| OAuthError::invalid_request("Invalid form body"))?;
        Ok(pairs.into_iter().collect())
    }
}

/// A parameter that is present and not empty.
pub(crate) fn param<'a>(params: &'a FormParams, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

pub(crate) fn require<'a>(params: &'a FormParams, name: &str) -> Result<&'a str, OAuthError> {
    param(params, name)
        .ok_or_else(|| OAuthError::invalid_request(format!("Missing required parameter: {name}")))
}
