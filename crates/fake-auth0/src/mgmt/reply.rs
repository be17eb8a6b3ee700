//! Success responses with the statuses Auth0 uses, which differ by endpoint (a role is
//! created with 200, a user with 201, a role deleted with 200 `{}`, a user with 204).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(crate) fn ok(v: Value) -> Response {
    Json(v).into_response()
}

pub(crate) fn created(v: Value) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

/// `200 {}`.
pub(crate) fn ok_empty() -> Response {
    ok(json!({}))
}

/// `201 {}`.
pub(crate) fn created_empty() -> Response {
    created(json!({}))
}

pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
