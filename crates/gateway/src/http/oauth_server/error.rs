//! The authorization server's errors. [`OAuthError`] is an error in OAuth's own terms (RFC 6749
//! §4.1.2.1 and §5.2, RFC 7009, RFC 7591 §3.2.2, RFC 8707), with the one match that picks its
//! status and description; `/token`, `/revoke` and `/register` answer it as JSON. `/authorize`
//! and its consent answer [`AuthorizeError`]: a page for the user while the client cannot be
//! trusted with a redirect, the client's redirect URI once it can.

use std::borrow::Cow;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{oauth_error, redirect_to_client};
use crate::client_metadata::MetadataError;
use crate::http::{pages, store_outage};
use gw_store::StoreError;

#[derive(Debug)]
pub(crate) enum OAuthError {
    InvalidRequest(Cow<'static, str>),
    /// The client is unknown or did not prove its secret.
    InvalidClient(&'static str),
    /// The code or refresh token is unknown, spent, expired or not this request's.
    InvalidGrant(&'static str),
    InvalidScope(Cow<'static, str>),
    InvalidTarget(Cow<'static, str>),
    UnsupportedGrantType(String),
    UnsupportedResponseType(&'static str),
    InvalidClientMetadata(Cow<'static, str>),
    InvalidRedirectUri(String),
    AccessDenied(Cow<'static, str>),
    /// The sign-in at Auth0 failed for a reason the client cannot act on; the text says which.
    ServerError(String),
    /// This source has registered as many clients as it may for now.
    TooManyRegistrations {
        retry_after: Duration,
    },
    /// The store keeps as many client registrations as it accepts.
    RegistrationsFull,
    /// The store failed, or holds as many requests in progress as it accepts.
    Store(StoreError),
}

impl From<StoreError> for OAuthError {
    fn from(error: StoreError) -> Self {
        OAuthError::Store(error)
    }
}

impl OAuthError {
    /// The status, the error code and the description; store failures are logged here.
    fn answer(self) -> (StatusCode, &'static str, Cow<'static, str>) {
        use OAuthError as E;
        let unavailable = Cow::Borrowed("the gateway's store is unavailable");
        match self {
            E::InvalidRequest(d) => (StatusCode::BAD_REQUEST, "invalid_request", d),
            E::InvalidClient(d) => (StatusCode::UNAUTHORIZED, "invalid_client", d.into()),
            E::InvalidGrant(d) => (StatusCode::BAD_REQUEST, "invalid_grant", d.into()),
            E::InvalidScope(d) => (StatusCode::BAD_REQUEST, "invalid_scope", d),
            E::InvalidTarget(d) => (StatusCode::BAD_REQUEST, "invalid_target", d),
            E::UnsupportedGrantType(d) => {
                (StatusCode::BAD_REQUEST, "unsupported_grant_type", d.into())
            }
            E::UnsupportedResponseType(d) => (
                StatusCode::BAD_REQUEST,
                "unsupported_response_type",
                d.into(),
            ),
            E::InvalidClientMetadata(d) => {
                (StatusCode::BAD_REQUEST, "invalid_client_metadata", d)
            }
            E::InvalidRedirectUri(d) => (StatusCode::BAD_REQUEST, "invalid_redirect_uri", d.into()),
            // Sent only in a redirect to the client, where the status is 302.
            E::AccessDenied(d) => (StatusCode::BAD_REQUEST, "access_denied", d),
            E::ServerError(d) => (StatusCode::BAD_REQUEST, "server_error", d.into()),
            E::TooManyRegistrations { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                format!(
                    "this address has registered as many clients as it may for now; try again in {} s",
                    retry_after.as_secs()
                )
                .into(),
            ),
            E::RegistrationsFull => (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the gateway holds as many client registrations as it accepts".into(),
            ),
            E::Store(error @ StoreError::Full(_)) => {
                tracing::warn!(%error, "refused an OAuth request");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    error.to_string().into(),
                )
            }
            E::Store(error) => {
                tracing::error!(%error, "the OAuth server's store request failed");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    unavailable,
                )
            }
        }
    }
}

/// `{error, error_description}` with the error's status (RFC 6749 §5.2).
impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            OAuthError::TooManyRegistrations { retry_after } => Some(retry_after.as_secs()),
            OAuthError::Store(error) if !matches!(error, StoreError::Full(_)) => {
                Some(store_outage::RETRY_AFTER.as_secs())
            }
            _ => None,
        };
        let (status, error, description) = self.answer();
        let mut response = oauth_error(status, error, &description);
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Where an authorization request's answer goes back to its client: the verified redirect URI,
/// with the client's `state` and the issuer.
#[derive(Clone)]
pub(crate) struct ClientRedirect {
    pub redirect_uri: String,
    pub client_state: Option<String>,
    pub issuer: String,
}

impl ClientRedirect {
    /// Sends the browser back to the client with `params` and the client's `state`.
    pub(crate) fn send(&self, params: &[(&str, &str)]) -> Response {
        let mut params = params.to_vec();
        if let Some(s) = &self.client_state {
            params.push(("state", s.as_str()));
        }
        redirect_to_client(&self.redirect_uri, &self.issuer, &params)
    }
}

/// Why `/authorize`, its consent, or its end after the callback did not go on.
pub(crate) enum AuthorizeError {
    NoClientId,
    UnknownClient,
    /// Missing, or not one the client registered: the gateway will not send the user there.
    RedirectUriNotRegistered,
    ClientStateTooLong {
        max: usize,
    },
    /// The consent names a request that is unknown or has expired.
    UnknownRequest,
    /// The consent was posted from a browser that was not shown the consent page.
    ConsentFromElsewhere,
    NoTenantChosen,
    /// The request expired while the user was signing in at Auth0.
    ExpiredWhileSigningIn,
    /// The `client_id` is a metadata document's URL, and the document was not accepted.
    ClientMetadata(MetadataError),
    /// The store failed before the client could be answered.
    Store(StoreError),
    /// Refused in OAuth's terms: sent to the client when it can be trusted with a redirect
    /// (`to`), else shown as a page.
    Refused {
        to: Option<ClientRedirect>,
        error: OAuthError,
    },
}

impl From<StoreError> for AuthorizeError {
    fn from(error: StoreError) -> Self {
        AuthorizeError::Store(error)
    }
}

impl AuthorizeError {
    /// The page (or JSON, when the request asks for it) or the redirect to the client.
    pub(crate) fn respond(self, headers: &HeaderMap) -> Response {
        let (status, error, explanation): (_, _, Cow<'_, str>) = match self {
            AuthorizeError::NoClientId => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The authorization request names no client_id.".into(),
            ),
            AuthorizeError::UnknownClient => (
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "The application that sent you here is not registered with this gateway.".into(),
            ),
            AuthorizeError::RedirectUriNotRegistered => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The redirect_uri is missing or is not one the application registered, so the gateway will not send you there.".into(),
            ),
            AuthorizeError::ClientStateTooLong { max } => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("The application's state parameter is longer than {max} bytes.").into(),
            ),
            AuthorizeError::UnknownRequest => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "This authorization request is unknown or has expired; start again from your application.".into(),
            ),
            AuthorizeError::ConsentFromElsewhere => (
                StatusCode::FORBIDDEN,
                "invalid_request",
                "This consent did not come from the page the gateway showed in this browser.".into(),
            ),
            AuthorizeError::NoTenantChosen => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Choose one of the tenants listed.".into(),
            ),
            AuthorizeError::ExpiredWhileSigningIn => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The application's authorization request expired while you were signing in; start again from the application.".into(),
            ),
            AuthorizeError::ClientMetadata(error) => (
                if matches!(error, MetadataError::Busy) {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::BAD_REQUEST
                },
                "invalid_client",
                format!("The application that sent you here cannot be used: {error}.").into(),
            ),
            AuthorizeError::Store(error) => {
                tracing::error!(%error, "the OAuth server's store request failed");
                return store_outage::retry_later(pages::failure(
                    headers,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "The gateway's store is unavailable; try again shortly.",
                    None,
                ));
            }
            AuthorizeError::Refused {
                to: Some(to),
                error,
            } => {
                let (_, error, description) = error.answer();
                return to.send(&[("error", error), ("error_description", &description)]);
            }
            AuthorizeError::Refused { to: None, error } => {
                // A store that cannot be reached: the page says to try again, and when.
                let unavailable =
                    matches!(&error, OAuthError::Store(e) if !matches!(e, StoreError::Full(_)));
                let (status, error, description) = error.answer();
                let page = pages::failure(
                    headers,
                    status,
                    error,
                    &format!("The application's authorization request was refused: {description}."),
                    None,
                );
                return if unavailable {
                    store_outage::retry_later(page)
                } else {
                    page
                };
            }
        };
        pages::failure(headers, status, error, &explanation, None)
    }
}
