//! How a request that cannot reach the store is answered: 503 at once (the store's short
//! `acquire_timeout_ms` bounds the wait) with `Retry-After`, so MCP clients, OAuth clients and
//! browsers come back when the store may be back instead of hanging or hammering it. Each edge —
//! the bearer check, the OAuth endpoints, `/connect` and its callback, the approval page, the
//! portal — draws the 503 in its own shape and passes it through [`retry_later`].

use std::time::Duration;

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// What `Retry-After` asks for: a few seconds, long enough not to add load to a store that is
/// coming back, short enough that a blip is over by then.
pub(crate) const RETRY_AFTER: Duration = Duration::from_secs(5);

/// `response` (a 503 for a store that did not answer) with `Retry-After`.
pub(crate) fn retry_later(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(RETRY_AFTER.as_secs()),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    #[test]
    fn a_refusal_for_an_unreachable_store_says_when_to_come_back() {
        let response = retry_later(StatusCode::SERVICE_UNAVAILABLE.into_response());
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
    }
}
