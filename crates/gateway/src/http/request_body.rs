//! Reads a request's whole body before the MCP handlers see it, so that failures which are the
//! client's get a client error: a body over the limit gets 413, a body that stalls longer than the
//! connection allows (`listener::Limits::body_read`) gets 408, a broken stream 400. rmcp reads the
//! body itself and answers 500 to all three.

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::MAX_BODY_BYTES;

pub(crate) async fn read_whole(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(error) => refusal(&error).into_response(),
    }
}

fn refusal(error: &axum::Error) -> (StatusCode, &'static str) {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause.is::<http_body_util::LengthLimitError>() {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is larger than 1 MiB",
            );
        }
        if cause.is::<tower_http::timeout::TimeoutError>() {
            return (
                StatusCode::REQUEST_TIMEOUT,
                "the request body stopped arriving",
            );
        }
        source = cause.source();
    }
    (
        StatusCode::BAD_REQUEST,
        "the request body could not be read",
    )
}
