//! The whole HTTP surface in one router.

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::state::Shared;
use crate::{authn, control, mgmt};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(authn::router(shared.clone()))
        .merge(mgmt::router(shared.clone()))
        .merge(control::router(shared))
        .fallback(fallback)
}

/// Unknown paths under `/api/v2` get the Management API's envelope; others a plain 404.
async fn fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/v2") {
        mgmt::not_found().await
    } else {
        (StatusCode::NOT_FOUND, "Not Found").into_response()
    }
}
