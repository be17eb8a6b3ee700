//! The few HTML pages people see (the end of the connect flow), or the same content as JSON
//! when the request asks for `application/json`. Every value is escaped: error descriptions
//! come from the query string and user names from Auth0.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use html_escape::encode_text as esc;
use serde_json::Value;

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
    if wants_json(headers) {
        let body = serde_json::json!({
            "error": error,
            "error_description": explanation,
            "next_step": next_step,
        });
        return no_store((status, axum::Json(body)).into_response());
    }
    let next = next_step
        .map(|n| format!("<p>{}</p>", linkify(n)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Could not connect</h1><div class=\"notice error\" role=\"alert\"><p>{}</p></div>{next}<p class=\"hint\">Error code: <code>{}</code></p>",
        prose(explanation),
        esc(error)
    );
    no_store((status, page("Could not connect", &body)).into_response())
}

/// What the success page shows.
pub(crate) struct Connected<'a> {
    pub tenant: &'a str,
    pub domain: &'a str,
    pub connection_id: &'a str,
    pub user_id: &'a str,
    pub email: Option<&'a str>,
    pub granted_scopes: Vec<&'static str>,
    pub tools: Vec<&'static str>,
    pub key: &'a str,
    pub mcp_url: String,
    /// Why the principal has these scopes (the grant mode explained).
    pub basis: &'a str,
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
    let list = |items: &[&str]| {
        if items.is_empty() {
            "<p><em>none</em></p>".to_owned()
        } else {
            format!(
                "<ul>{}</ul>",
                items
                    .iter()
                    .map(|i| format!("<li><code>{}</code></li>", esc(i)))
                    .collect::<String>()
            )
        }
    };
    let who = match c.email {
        Some(email) => format!("{} (<code>{}</code>)", esc(email), esc(c.user_id)),
        None => format!("<code>{}</code>", esc(c.user_id)),
    };
    let name = format!("auth0-{}", c.tenant);
    let bearer = format!("Bearer {}", c.key);
    let json = |value: serde_json::Value| serde_json::to_string_pretty(&value).unwrap_or_default();
    let cursor = json(serde_json::json!({
        "mcpServers": {&name: {"url": c.mcp_url, "headers": {"Authorization": &bearer}}}
    }));
    let vscode = json(serde_json::json!({
        "servers": {&name: {"type": "http", "url": c.mcp_url, "headers": {"Authorization": &bearer}}}
    }));
    let claude_code = format!(
        "claude mcp add --transport http {name} {} --header \"Authorization: {bearer}\"",
        c.mcp_url
    );
    // Focusable: a snippet wider than the screen scrolls, and keyboards must reach it.
    let snippet = |id: &str, client: &str, text: &str| {
        format!(
            "<h3>{client}</h3><div class=\"copy\"><pre id=\"{id}\" tabindex=\"0\">{}</pre>\
             <button type=\"button\" class=\"secondary\" data-copy=\"{id}\">Copy</button>\
             <span id=\"{id}-status\" role=\"status\" class=\"hint\"></span></div>",
            esc(text)
        )
    };
    let body = format!(
        "<h1>Connected</h1>\
         <p class=\"lead\">{who} connected the Auth0 tenant <strong>{tenant}</strong> ({domain}). Connection <code>{id}</code>.</p>\
         <h2>Your access key</h2>\
         <div class=\"notice warn\"><p><strong>Copy it now: it is shown only this once.</strong> Keep it like a password; the gateway keeps only a hash of it.</p></div>\
         <div class=\"copy\"><code id=\"new-key\" class=\"secret\">{key}</code>\
         <button type=\"button\" data-copy=\"new-key\">Copy</button>\
         <span id=\"new-key-status\" role=\"status\" class=\"hint\"></span></div>\
         <h2>Use it from an MCP client</h2>\
         <p>Streamable HTTP endpoint <code>{mcp}</code> with the header <code>Authorization: Bearer &lt;key&gt;</code>.</p>\
         {cursor}{vscode}{claude_code}\
         <h2>Granted scopes</h2><p>{basis}</p>{scopes}\
         <h2>Tools you can use</h2>{tools}",
        tenant = esc(c.tenant),
        domain = esc(c.domain),
        id = esc(c.connection_id),
        key = esc(c.key),
        mcp = esc(&c.mcp_url),
        cursor = snippet("snippet-cursor", "Cursor (~/.cursor/mcp.json)", &cursor),
        vscode = snippet("snippet-vscode", "VS Code (.vscode/mcp.json)", &vscode),
        claude_code = snippet("snippet-claude-code", "Claude Code", &claude_code),
        basis = esc(c.basis),
        scopes = list(&c.granted_scopes),
        tools = list(&c.tools),
    );
    no_store(page("Connected", &body).into_response())
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
    let body = format!(
        "<h1>Already connected</h1><p>{}</p><p>{}</p>",
        esc(&explanation),
        linkify(&next_step)
    );
    no_store(page("Already connected", &body).into_response())
}

/// What the consent page for an MCP client shows.
pub(crate) struct Consent<'a> {
    pub request_id: &'a str,
    /// As the client registered itself: unverified.
    pub client_name: Option<&'a str>,
    pub redirect_uri: &'a str,
    /// `None`: everything the tenant allows the user.
    pub scopes: Option<Vec<&'static str>>,
    pub tenants: &'a [String],
    pub choose_tenant: bool,
}

pub(crate) fn consent(c: &Consent<'_>) -> Response {
    let name = c.client_name.unwrap_or("An unnamed application");
    let host = url::Url::parse(c.redirect_uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let scopes = match &c.scopes {
        None => "<p>Everything you may do on the tenant.</p>".to_owned(),
        Some(list) => format!(
            "<ul>{}</ul>",
            list.iter()
                .map(|s| format!("<li><code>{}</code></li>", esc(s)))
                .collect::<String>()
        ),
    };
    let tenant = if c.choose_tenant {
        format!(
            "<p><label>Tenant: <select name=\"tenant\">{}</select></label></p>",
            c.tenants
                .iter()
                .map(|t| format!("<option value=\"{0}\">{0}</option>", esc(t)))
                .collect::<String>()
        )
    } else {
        format!(
            "<p>Tenant: <strong>{}</strong></p>",
            esc(c.tenants.first().map(String::as_str).unwrap_or_default())
        )
    };
    let body = format!(
        "<h1>Allow access?</h1>\
         <p><strong><bdi>{name}</bdi></strong> (it named itself; the gateway has not verified it) wants to act for you on an Auth0 tenant through this gateway, \
         and will receive its answer at <code>{host}</code>.</p>{tenant}<h2>It asks for</h2>{scopes}\
         <p>You will sign in with Auth0 next.</p>\
         <form method=\"post\" action=\"/authorize/consent\">\
         <input type=\"hidden\" name=\"request\" value=\"{id}\">\
         <button name=\"decision\" value=\"allow\">Allow</button> \
         <button name=\"decision\" value=\"deny\">Deny</button></form>",
        name = esc(name),
        host = esc(&host),
        id = html_escape::encode_double_quoted_attribute(c.request_id),
    );
    let mut response = no_store(page("Allow access?", &body).into_response());
    // The consent page must not be framed (clickjacking).
    response.headers_mut().insert(
        header::HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    );
    response
}

/// The frame every page here shares with the operator portal: its stylesheet, copy script and
/// icon from `/assets`, no inline code.
fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · MCP gateway for Auth0</title>{head}</head>\
         <body><header class=\"top\"><span class=\"brand\">MCP gateway for Auth0</span></header>\
         <main id=\"main\">{body}</main></body></html>",
        esc(title),
        head = super::assets::HEAD_LINKS,
    ))
}

/// Escapes `text` and shows its `quoted` parts as code, so messages written for logs and JSON
/// read well on a page.
fn prose(text: &str) -> String {
    let escaped = esc(text);
    let mut out = String::with_capacity(escaped.len());
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Escapes `text` and turns a trailing URL into a link.
fn linkify(text: &str) -> String {
    match text.find("http://").or_else(|| text.find("https://")) {
        Some(at) => {
            let (before, url) = text.split_at(at);
            let url = url.split_whitespace().next().unwrap_or(url);
            let after = &text[at + url.len()..];
            format!(
                "{}<a href=\"{}\">{}</a>{}",
                prose(before),
                html_escape::encode_double_quoted_attribute(url),
                esc(url),
                prose(after)
            )
        }
        None => prose(text),
    }
}

/// Pages with keys or codes must not be cached or leak through the Referer header, and run no
/// code but the gateway's own script. (No `form-action`: the consent form's answer redirects to
/// the tenant's Auth0, which browsers would check against it.)
fn no_store(mut response: Response) -> Response {
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
