//! Management API errors, always in Auth0's envelope
//! `{"statusCode", "error", "message"[, "errorCode"]}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// 401. Auth0 repeats the message under `attributes.error`.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403; `errorCode` is `insufficient_scope` for every scope failure.
    #[error("forbidden: {0}")]
    InsufficientScope(String),
    #[error("bad request: {message}")]
    BadRequest {
        message: String,
        code: Option<&'static str>,
    },
    #[error("not found: {message}")]
    NotFound {
        message: String,
        code: Option<&'static str>,
    },
    #[error("conflict: {message}")]
    Conflict {
        message: String,
        code: Option<&'static str>,
    },
}

impl ApiError {
    pub(crate) fn invalid_body(message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            code: Some("invalid_body"),
        }
    }

    pub(crate) fn invalid_query(message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            code: Some("invalid_query_string"),
        }
    }

    pub(crate) fn invalid_paging(message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            code: Some("invalid_paging"),
        }
    }

    pub(crate) fn user_not_found() -> Self {
        ApiError::NotFound {
            message: "The user does not exist.".into(),
            code: Some("inexistent_user"),
        }
    }

    pub(crate) fn role_not_found() -> Self {
        ApiError::NotFound {
            message: "The role does not exist.".into(),
            code: None,
        }
    }

    pub(crate) fn org_not_found() -> Self {
        ApiError::NotFound {
            message: "No organization found by that id or name".into(),
            code: None,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>, code: Option<&'static str>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            code,
        }
    }

    /// Auth0's catch-all for a path it has no route for.
    pub(crate) fn no_route() -> Self {
        ApiError::NotFound {
            message: "Not Found".into(),
            code: None,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::InsufficientScope(_) => StatusCode::FORBIDDEN,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
        }
    }

    fn body(&self) -> Value {
        let status = self.status();
        let mut out = Map::new();
        out.insert("statusCode".into(), json!(status.as_u16()));
        out.insert(
            "error".into(),
            json!(status.canonical_reason().unwrap_or("Error")),
        );
        let (message, code) = match self {
            ApiError::Unauthorized(m) => {
                out.insert("message".into(), json!(m));
                out.insert("attributes".into(), json!({"error": m}));
                return Value::Object(out);
            }
            ApiError::InsufficientScope(m) => (m, Some("insufficient_scope")),
            ApiError::BadRequest { message, code }
            | ApiError::NotFound { message, code }
            | ApiError::Conflict { message, code } => (message, *code),
        };
        out.insert("message".into(), json!(message));
        if let Some(c) = code {
            out.insert("errorCode".into(), json!(c));
        }
        Value::Object(out)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status(), Json(self.body())).into_response()
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;
