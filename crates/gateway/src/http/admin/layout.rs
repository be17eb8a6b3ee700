//! The portal's page frame: the header with navigation, the stylesheet and script (served from
//! /assets, so the Content-Security-Policy allows no inline code at all), and the headers
//! every portal answer carries.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(super) use html_escape::encode_double_quoted_attribute as attr;
pub(super) use html_escape::encode_text as esc;

/// Who is signed in and the form token their forms carry; `None` on the sign-in page.
pub(super) struct Frame<'a> {
    pub(super) operator: Option<&'a str>,
    pub(super) csrf: Option<&'a str>,
}

/// A whole page.
pub(super) fn page(status: StatusCode, title: &str, frame: &Frame<'_>, body: &str) -> Response {
    let nav = match (frame.operator, frame.csrf) {
        (Some(operator), Some(csrf)) => format!(
            "<nav aria-label=\"Portal\"><a href=\"/admin\">Tenants</a><a href=\"/admin/tenants/new\">Add an Auth0 tenant</a></nav>\
             <form method=\"post\" action=\"/admin/logout\">{}<span class=\"hint\">{} · </span><button class=\"secondary\" type=\"submit\">Sign out</button></form>",
            csrf_field(csrf),
            esc(operator)
        ),
        _ => String::new(),
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · MCP gateway for Auth0</title>\
         {head}</head>\
         <body><a class=\"skip\" href=\"#main\">Skip to content</a>\
         <header class=\"top\"><a class=\"brand\" href=\"/admin\">MCP gateway for Auth0 · Operator portal</a>{nav}</header>\
         <main id=\"main\" tabindex=\"-1\">{body}</main></body></html>",
        title = esc(title),
        head = crate::http::assets::HEAD_LINKS,
    );
    secure((status, axum::response::Html(html)).into_response())
}

/// The hidden field every portal form carries.
pub(super) fn csrf_field(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        attr(csrf)
    )
}

/// A notice box; `kind` is `error`, `ok` or `warn`. Errors are announced to screen readers.
pub(super) fn notice(kind: &str, html: &str) -> String {
    let role = if kind == "error" {
        " role=\"alert\""
    } else {
        " role=\"status\""
    };
    format!("<div class=\"notice {kind}\"{role}>{html}</div>")
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
