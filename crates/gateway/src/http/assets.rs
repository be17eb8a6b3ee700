//! The stylesheet, script (copy buttons) and icon that every page — the operator portal's and
//! the connect, callback and consent pages people see — loads from `/assets` (the links are in
//! `templates/base.html`), so no page needs inline code and each can send a
//! Content-Security-Policy that allows none. Served whether or not the portal is on.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/assets/site.css", get(stylesheet))
        .route("/assets/site.js", get(script))
        .route("/assets/favicon.svg", get(favicon))
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/site.css"))
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/site.js"),
    )
}

async fn favicon() -> Response {
    asset("image/svg+xml", include_str!("assets/favicon.svg"))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
