//! The few HTML pages people see (the end of the connect flow, the consent page of the OAuth
//! server, failures; the approval page's are in `approval_views.rs`), or the same content as JSON when the request asks for `application/json`. The pages
//! are templates (`templates/pages/`), which escape every value: error descriptions come from
//! the query string, user names from Auth0 and client names from the clients themselves.

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::html::render;
use super::prose::{self, Part};

/// Whether the client asked for JSON rather than a page.
pub(crate) fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

/// A failure: a page that says what went wrong and what to do, or `{error, error_description}`.
pub(crate) fn failure(
    headers: &HeaderMap,
    status: StatusCode,
    error: &str,
    explanation: &str,
    next_step: Option<&str>,
) -> Response {
    titled_failure(
        headers,
        status,
        "Could not connect",
        error,
        explanation,
        next_step,
    )
}

/// As [`failure`], under `title` (the page's heading).
pub(crate) fn titled_failure(
    headers: &HeaderMap,
    status: StatusCode,
    title: &str,
    error: &str,
    explanation: &str,
    next_step: Option<&str>,
) -> Response {
    if wants_json(headers) {
        let body = serde_json::json!({
            "error": error,
            "error_description": explanation,
            "next_step": next_step,
        });
        return no_store((status, axum::Json(body)).into_response());
    }
    let page = Failure {
        title,
        error,
        explanation: prose::prose(explanation),
        next_step: next_step.map(prose::linked),
    };
    no_store(render(status, &page))
}

#[derive(Template)]
#[template(path = "pages/failure.html")]
struct Failure<'a> {
    title: &'a str,
    error: &'a str,
    explanation: Vec<Part<'a>>,
    next_step: Option<Vec<Part<'a>>>,
}

/// What the success page shows.
#[derive(Template)]
#[template(path = "pages/connected.html")]
pub(crate) struct Connected<'a> {
    pub tenant: &'a str,
    pub domain: &'a str,
    pub connection_id: &'a str,
    pub user_id: &'a str,
    pub email: Option<&'a str>,
    pub granted_scopes: Vec<&'static str>,
    pub tools: Vec<&'static str>,
    /// `None` after a consent link: the caller already has its credential.
    pub key: Option<&'a str>,
    pub mcp_url: String,
    /// Why the principal has these scopes (the grant mode explained).
    pub basis: &'a str,
}

/// A client's configuration with the new key, ready to copy.
struct Snippet {
    /// The element id its Copy button names.
    id: &'static str,
    client: &'static str,
    text: String,
}

impl Connected<'_> {
    fn snippets(&self) -> [Snippet; 3] {
        let name = format!("auth0-{}", self.tenant);
        let bearer = format!("Bearer {}", self.key.unwrap_or("<key>"));
        let json =
            |value: serde_json::Value| serde_json::to_string_pretty(&value).unwrap_or_default();
        [
            Snippet {
                id: "snippet-cursor",
                client: "Cursor (~/.cursor/mcp.json)",
                text: json(serde_json::json!({
                    "mcpServers": {&name: {"url": self.mcp_url, "headers": {"Authorization": &bearer}}}
                })),
            },
            Snippet {
                id: "snippet-vscode",
                client: "VS Code (.vscode/mcp.json)",
                text: json(serde_json::json!({
                    "servers": {&name: {"type": "http", "url": self.mcp_url, "headers": {"Authorization": &bearer}}}
                })),
            },
            Snippet {
                id: "snippet-claude-code",
                client: "Claude Code",
                text: format!(
                    "claude mcp add --transport http {name} {} --header \"Authorization: {bearer}\"",
                    self.mcp_url
                ),
            },
        ]
    }
}

pub(crate) fn connected(headers: &HeaderMap, c: &Connected<'_>) -> Response {
    if wants_json(headers) {
        let body: Value = serde_json::json!({
            "tenant": c.tenant,
            "domain": c.domain,
            "connection_id": c.connection_id,
            "user": {"user_id": c.user_id, "email": c.email},
            "granted_scopes": c.granted_scopes,
            "tools": c.tools,
            "key": c.key,
            "mcp_url": c.mcp_url,
        });
        return no_store(axum::Json(body).into_response());
    }
    no_store(render(StatusCode::OK, c))
}

/// A reload of the success page: the connection was stored and its key shown once, on the page
/// that was reloaded; connecting again gives a new key.
pub(crate) fn already_connected(headers: &HeaderMap, tenant: &str, connect_link: &str) -> Response {
    let explanation = format!(
        "You are connected to {tenant}: this sign-in already finished, and its access key was shown once, on the page you reloaded (the gateway keeps only a hash of it)."
    );
    let next_step =
        format!("If you did not copy the key, connect again for a new one: {connect_link}");
    if wants_json(headers) {
        let body = serde_json::json!({
            "status": "already_connected",
            "tenant": tenant,
            "explanation": explanation,
            "next_step": next_step,
        });
        return no_store(axum::Json(body).into_response());
    }
    let page = AlreadyConnected {
        explanation: &explanation,
        next_step: prose::linked(&next_step),
    };
    no_store(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "pages/already_connected.html")]
struct AlreadyConnected<'a> {
    explanation: &'a str,
    next_step: Vec<Part<'a>>,
}

/// What the consent page for an MCP client shows.
#[derive(Template)]
#[template(path = "pages/consent.html")]
pub(crate) struct Consent<'a> {
    pub request_id: &'a str,
    /// As the client registered itself (or its metadata document says): unverified.
    pub client_name: Option<&'a str>,
    /// For a client named by its metadata document's URL, that URL's host: the one thing about
    /// it that is verified (the document was fetched from there).
    pub client_host: Option<&'a str>,
    pub redirect_uri: &'a str,
    /// `None`: everything the tenant allows the user.
    pub scopes: Option<Vec<&'static str>>,
    pub tenants: &'a [String],
    pub choose_tenant: bool,
}

impl Consent<'_> {
    fn client(&self) -> &str {
        self.client_name.unwrap_or("An unnamed application")
    }

    /// Where the answer goes: the host is what a user can judge.
    fn answer_host(&self) -> String {
        url::Url::parse(self.redirect_uri)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default()
    }

    fn only_tenant(&self) -> &str {
        self.tenants.first().map(String::as_str).unwrap_or_default()
    }
}

pub(crate) fn consent(c: &Consent<'_>) -> Response {
    let mut response = no_store(render(StatusCode::OK, c));
    // The consent page must not be framed (clickjacking).
    response.headers_mut().insert(
        header::HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    );
    // Its form posts back to the gateway: under `no-referrer` browsers send that post with
    // `Origin: null`, which the origin check refuses. The referrer still never leaves the gateway.
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Pages with keys or codes must not be cached or leak through the Referer header, and run no
/// code but the gateway's own script. (No `form-action`: the consent form's answer redirects to
/// the tenant's Auth0, which browsers would check against it.)
pub(super) fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
