//! Why a portal request could not go on, and the one place that picks the page for each case.
//! The pages are drawn in the signed-in operator's frame (their name, the sign-out form), so
//! the answer is made with the operator ([`AdminError::page`]) rather than by `IntoResponse`,
//! which cannot see them. Problems with what the operator typed are not errors: the form comes
//! back with each one explained.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::session::{self, Operator};
use gw_store::StoreError;

pub(super) enum AdminError {
    /// No such tenant, connection or key here, or one the portal may not change.
    NotFound(String),
    /// This gateway serves no portal (the routes exist only when it does).
    NoPortal,
    /// The form's token is not this session's (audited when it was checked).
    FormRefused,
    Store(StoreError),
}

impl From<StoreError> for AdminError {
    fn from(error: StoreError) -> Self {
        AdminError::Store(error)
    }
}

impl AdminError {
    /// The page for this error; store failures are logged by `store_failed`.
    pub(super) fn page(self, operator: &Operator) -> Response {
        match self {
            AdminError::NotFound(what) => super::not_found(operator, &what),
            AdminError::NoPortal => StatusCode::NOT_FOUND.into_response(),
            AdminError::FormRefused => session::forbidden(Some(operator)),
            AdminError::Store(error) => super::store_failed(operator, &error),
        }
    }
}
