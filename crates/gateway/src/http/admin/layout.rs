//! The portal's answers: a page rendered from its template (the frame, header and navigation
//! are `templates/admin/layout.html`) with the headers every portal answer carries.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// Who is signed in and the form token their forms carry; `None` on the sign-in page.
pub(super) struct Frame<'a> {
    pub(super) operator: Option<&'a str>,
    pub(super) csrf: Option<&'a str>,
}

impl Frame<'_> {
    /// Nobody signed in: no navigation.
    pub(super) const ANONYMOUS: Frame<'static> = Frame {
        operator: None,
        csrf: None,
    };
}

/// A whole page.
pub(super) fn page(status: StatusCode, page: &impl Template) -> Response {
    secure(crate::http::html::render(status, page))
}

/// No caching (pages show keys), no framing, no referrer beyond the portal, and only the
/// portal's own files. (`no-referrer` would make browsers send `Origin: null` on the portal's
/// own form posts, which the origin check must then refuse.)
pub(super) fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// "in 12 min", "in 3 h", or the date, for a time to come in unix seconds.
pub(super) fn until(at: i64) -> String {
    let seconds = (at - gw_mcp::audit::now_ms() / 1000).max(0);
    match seconds {
        0..60 => "in under a minute".to_owned(),
        60..3600 => format!("in {} min", seconds / 60),
        3600..86_400 => format!("in {} h", seconds / 3600),
        _ => time::OffsetDateTime::from_unix_timestamp(at)
            .map(|t| format!("{}", t.date()))
            .unwrap_or_default(),
    }
}

/// "3 min ago", "2 h ago", or the date, for unix milliseconds.
pub(super) fn ago(at_ms: i64) -> String {
    let seconds = (gw_mcp::audit::now_ms() - at_ms).max(0) / 1000;
    match seconds {
        0..60 => "just now".to_owned(),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        _ => time::OffsetDateTime::from_unix_timestamp(at_ms / 1000)
            .map(|t| format!("{}", t.date()))
            .unwrap_or_default(),
    }
}
