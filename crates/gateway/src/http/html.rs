//! Pages as responses. Every page is a template under `crates/gateway/templates/` (askama,
//! checked when the crate compiles) that escapes each value it is given, so no value can turn
//! into markup because someone forgot to escape it.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// `page` rendered, with `status`.
pub(crate) fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        // Our templates call nothing that fails; writing into a `String` does not either.
        Err(error) => {
            tracing::error!(%error, "a page could not be rendered");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
