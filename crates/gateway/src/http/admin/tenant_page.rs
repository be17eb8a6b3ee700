//! One tenant: what its scopes unlock, who connected, the agents' keys, recent tool calls, and
//! the Connect button.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gw_mcp::{ToolDef, catalog};
use gw_oauth::{GrantMode, Scope, ScopeSet, TenantSettings};
use serde::Deserialize;

use super::layout::{self, ago, attr, csrf_field, esc, notice};
use super::session::Operator;
use crate::http::AppState;
use crate::store::{AccessKey, ConnectionRecord, ConnectionStatus, KeyRecord, NewKey, unix_now};

#[derive(Deserialize, Default)]
pub(super) struct Flash {
    saved: Option<String>,
    missing: Option<String>,
    revoked: Option<String>,
    revoked_connection: Option<String>,
    auth0: Option<String>,
}

/// The tools a tenant offers to a holder of `scopes`, whatever Auth0 granted.
fn tools_for(settings: &TenantSettings, scopes: ScopeSet) -> Vec<&'static ToolDef> {
    let holder = gw_mcp::Principal {
        scopes,
        ..gw_mcp::Principal::local_operator(settings)
    };
    gw_mcp::access::visible_tools(&holder, settings, ScopeSet::all())
}

pub(super) async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let Some(runtime) = state.tenants.get(&name) else {
        return super::not_found(&operator, &name);
    };
    let settings = &runtime.settings;
    let configured = state
        .portal
        .as_ref()
        .is_some_and(|p| p.directory.is_configured(&name));
    let store = &state.store;
    let (connections, keys, recent) = match tokio::try_join!(
        store.list_connections(Some(&name)),
        store.list_keys(Some(&name)),
        store.recent_audit(&name, 25),
    ) {
        Ok(all) => all,
        Err(error) => return super::store_failed(&operator, &error),
    };
    let mut last_used = HashMap::new();
    for connection in &connections {
        match store.last_call_by(&name, &connection.id).await {
            Ok(Some(at)) => {
                last_used.insert(connection.id.clone(), at);
            }
            Ok(None) => {}
            Err(error) => return super::store_failed(&operator, &error),
        }
    }

    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\"><code>{}</code> · {}{} · {}</p>",
        esc(&name),
        esc(&settings.domain),
        if settings.read_only {
            "<span class=\"badge\">read-only</span> "
        } else {
            ""
        },
        match settings.grant {
            GrantMode::AuthorizationCode => "calls use each connected user's own token",
            GrantMode::ClientCredentials => "calls use the application's machine token",
        },
        if configured && state.portal.as_ref().is_some_and(|p| p.demo) {
            "the demo's fake tenant, inside this process (read-only here)".to_owned()
        } else if configured {
            "from gateway.toml (read-only here)".to_owned()
        } else {
            format!(
                "added in the portal · <a href=\"/admin/tenants/{}/edit\">Edit</a>",
                attr(&name)
            )
        }
    );
    if flash.saved.is_some() {
        body.push_str(&notice(
            "ok",
            "<p><strong>Saved.</strong> Auth0 accepted the application: the domain answers, the client ID and secret are right and the callback URL is allowed. The gateway serves this tenant now.</p>",
        ));
    }
    if let Some(missing) = flash.missing.as_deref().filter(|m| !m.trim().is_empty()) {
        body.push_str(&notice(
            "warn",
            &format!(
                "<p>The application's machine token was not granted {}. Tools needing them will fail until you tick them in Auth0 under Applications → APIs → Auth0 Management API → Machine To Machine Applications.</p>",
                esc(&missing.split(['+', ' ']).collect::<Vec<_>>().join(", "))
            ),
        ));
    }
    if let Some(id) = &flash.revoked {
        body.push_str(&notice(
            "ok",
            &format!("<p>Access key <code>{}</code> is revoked: it is refused from the next request on.</p>", esc(id)),
        ));
    }

    if let Some(id) = &flash.revoked_connection {
        body.push_str(&notice(
            "ok",
            &format!(
                "<p>Connection <code>{}</code> is revoked: the gateway erased its tokens and its keys no longer work.</p>",
                esc(id)
            ),
        ));
        match flash.auth0.as_deref() {
            Some("revoked") => body.push_str(&notice(
                "ok",
                "<p>Its refresh token was revoked at Auth0 too.</p>",
            )),
            Some("failed") => body.push_str(&notice(
                "warn",
                &format!(
                    "<p>Auth0 could not be asked to revoke its refresh token. {}</p>",
                    esc(crate::connection_revocation::REVOKE_BY_HAND)
                ),
            )),
            _ => {}
        }
    }

    // Connect.
    let connect = state.public_link(&format!("connect/{name}"));
    body.push_str(&format!(
        "<h2>Connect</h2><p>Connecting signs a user in through Auth0 and gives them (and the agents they hand a key to) the tools their scopes allow. \
         Send users this link, or connect yourself:</p>\
         <div class=\"copy\"><code id=\"connect-url\">{c}</code><button type=\"button\" class=\"secondary\" data-copy=\"connect-url\">Copy</button>\
         <span id=\"connect-url-status\" role=\"status\" class=\"hint\"></span></div>\
         <div class=\"actions\"><a class=\"button\" href=\"/connect/{n}\">Connect with Auth0</a></div>",
        c = esc(&connect),
        n = attr(&name),
    ));

    // Scopes and tools. With the machine token, what Auth0 granted it decides which tools work,
    // so the page asks for it (the cached token, normally) and shows the difference.
    let machine_grant = match settings.grant {
        GrantMode::ClientCredentials => match runtime.machine.token().await {
            Ok(token) => Some(token.granted),
            Err(error) => {
                body.push_str(&notice(
                    "error",
                    &format!(
                        "<p>The gateway cannot get its machine token for this tenant, so every tool call fails: {}</p>",
                        esc(&error.to_string())
                    ),
                ));
                None
            }
        },
        GrantMode::AuthorizationCode => None,
    };
    body.push_str(&format!(
        "<h2>Scopes and the tools they unlock</h2><div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Scopes and tools\"><table><thead><tr><th scope=\"col\">Scope</th>{}<th scope=\"col\">Tools it unlocks</th></tr></thead><tbody>",
        if machine_grant.is_some() {
            "<th scope=\"col\">Machine token</th>"
        } else {
            ""
        }
    ));
    let offered = tools_for(settings, ScopeSet::all());
    for scope in settings.scopes.iter() {
        let tools: Vec<&str> = offered
            .iter()
            .filter(|t| t.needs.contains(scope))
            .map(|t| t.name)
            .collect();
        let list = if tools.is_empty() {
            "<span class=\"hint\">identity only</span>".to_owned()
        } else {
            tools
                .iter()
                .map(|t| format!("<code>{}</code>", esc(t)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let grant = match machine_grant {
            None => String::new(),
            Some(_) if ScopeSet::IDENTITY.contains(scope) => {
                "<td><span class=\"hint\">not an API permission</span></td>".to_owned()
            }
            Some(granted) if granted.contains(scope) => {
                "<td><span class=\"badge ok\">granted</span></td>".to_owned()
            }
            Some(_) => "<td><span class=\"badge bad\">not granted</span></td>".to_owned(),
        };
        body.push_str(&format!(
            "<tr><td><code>{}</code><br><span class=\"hint\">{}</span></td>{grant}<td>{list}</td></tr>",
            esc(scope.as_str()),
            esc(scope.description())
        ));
    }
    body.push_str(&format!(
        "</tbody></table></div><p class=\"hint\">{} of {} tools are offered on this tenant{}.</p>",
        offered.len(),
        catalog().tools().len(),
        match machine_grant {
            Some(granted) => format!(
                "; {} work with what Auth0 granted the machine token (tick the rest in Auth0 under Applications → APIs → Auth0 Management API → Machine To Machine Applications)",
                tools_for(settings, granted.union(ScopeSet::IDENTITY)).len()
            ),
            None => String::new(),
        }
    ));

    // Connections.
    body.push_str("<h2>Connections</h2>");
    if connections.is_empty() {
        body.push_str("<p>Nobody has connected yet.</p>");
    } else {
        body.push_str("<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Connections\"><table><thead><tr><th scope=\"col\">User</th><th scope=\"col\">Status</th><th scope=\"col\">Granted scopes</th><th scope=\"col\">Tools</th><th scope=\"col\">Last used</th><th scope=\"col\" class=\"optional\">Connected</th><th scope=\"col\"><span class=\"skip\">Actions</span></th></tr></thead><tbody>");
        for connection in &connections {
            let principal = crate::runtime::connection_principal(settings, connection);
            let tools = tools_for(settings, principal.scopes);
            body.push_str(&format!(
                "<tr><td>{}<br><code class=\"hint\">{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"optional\">{}</td><td>{}</td></tr>",
                esc(connection.display_name()),
                esc(&connection.id),
                status_badge(connection),
                esc(&principal.scopes.names().join(" ")),
                tools.len(),
                last_used
                    .get(&connection.id)
                    .map_or("never".to_owned(), |at| ago(*at)),
                ago(connection.created_at * 1000),
                revoke_connection_button(&operator, &name, connection),
            ));
        }
        body.push_str("</tbody></table></div>");
    }

    // Access keys.
    body.push_str("<h2>Access keys</h2><p>Agents send a key as <code>Authorization: Bearer …</code> to the MCP endpoint. A key is shown once, when it is made.</p>");
    let by_connection: HashMap<&str, &ConnectionRecord> =
        connections.iter().map(|c| (c.id.as_str(), c)).collect();
    let now = unix_now();
    let live: Vec<&KeyRecord> = keys.iter().filter(|k| k.revoked_at.is_none()).collect();
    if live.is_empty() {
        body.push_str("<p>No keys yet.</p>");
    } else {
        body.push_str("<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Access keys\"><table><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Acts as</th><th scope=\"col\" class=\"optional\">Key</th><th scope=\"col\">State</th><th scope=\"col\"><span class=\"skip\">Actions</span></th></tr></thead><tbody>");
        for key in live {
            let acts_as = match &key.connection_id {
                Some(id) => by_connection
                    .get(id.as_str())
                    .map_or(id.clone(), |c| c.display_name().to_owned()),
                None => format!("agent key: {}", key.scopes.names().join(" ")),
            };
            let state_text = if key.is_active(now) {
                "active"
            } else {
                "expired"
            };
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td class=\"optional\"><code>{}…</code></td><td>{}</td>\
                 <td><form class=\"inline\" method=\"post\" action=\"/admin/tenants/{}/keys/{}/revoke\">{}\
                 <button class=\"danger\" type=\"submit\" aria-label=\"Revoke key {}\">Revoke</button></form></td></tr>",
                esc(&key.name),
                esc(&acts_as),
                esc(&key.prefix),
                state_text,
                attr(&name),
                attr(&key.id),
                csrf_field(&operator.csrf),
                attr(&key.name),
            ));
        }
        body.push_str("</tbody></table></div>");
    }
    body.push_str(&key_form(&operator, &name, settings, &connections));

    // Recent calls.
    body.push_str("<h2>Recent tool calls</h2>");
    if recent.is_empty() {
        body.push_str("<p>No calls yet.</p>");
    } else {
        body.push_str("<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Recent tool calls\"><table><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th><th scope=\"col\">Tool</th><th scope=\"col\">Outcome</th><th scope=\"col\" class=\"optional\">Time</th></tr></thead><tbody>");
        for record in &recent {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"optional\">{} ms</td></tr>",
                ago(record.at_ms),
                esc(&record.principal),
                esc(&record.tool),
                esc(&record.outcome),
                record.latency_ms
            ));
        }
        body.push_str("</tbody></table></div>");
    }
    layout::page(StatusCode::OK, &name, &operator.frame(), &body)
}

fn revoke_connection_button(operator: &Operator, tenant: &str, c: &ConnectionRecord) -> String {
    if c.status == ConnectionStatus::Revoked {
        return String::new();
    }
    format!(
        "<form class=\"inline\" method=\"post\" action=\"/admin/tenants/{}/connections/{}/revoke\">{}\
         <button class=\"danger\" type=\"submit\" aria-label=\"Revoke the connection of {}\">Revoke</button></form>",
        attr(tenant),
        attr(&c.id),
        csrf_field(&operator.csrf),
        attr(c.display_name()),
    )
}

fn status_badge(connection: &ConnectionRecord) -> String {
    match &connection.status {
        ConnectionStatus::Active => "<span class=\"badge ok\">active</span>".to_owned(),
        ConnectionStatus::NeedsReconnect(why) => format!(
            "<span class=\"badge bad\">needs reconnect</span><br><span class=\"hint\">{}</span>",
            esc(why)
        ),
        ConnectionStatus::Revoked => "<span class=\"badge\">revoked</span>".to_owned(),
        ConnectionStatus::Suspended(why) => format!(
            "<span class=\"badge bad\">suspended</span><br><span class=\"hint\">{}</span>",
            esc(why)
        ),
    }
}

/// The "create a key" form. With users' own tokens a key must act as a connected user; with the
/// machine token it may also be an agent key holding scopes of its own.
fn key_form(
    operator: &Operator,
    name: &str,
    settings: &TenantSettings,
    connections: &[ConnectionRecord],
) -> String {
    let usable: Vec<&ConnectionRecord> = connections
        .iter()
        .filter(|c| c.status == ConnectionStatus::Active)
        .collect();
    let mut options = String::new();
    if settings.grant == GrantMode::ClientCredentials {
        options.push_str("<option value=\"\">An agent, with the scopes ticked below</option>");
    }
    for c in &usable {
        options.push_str(&format!(
            "<option value=\"{}\">{} (their scopes)</option>",
            attr(&c.id),
            esc(c.display_name())
        ));
    }
    if options.is_empty() {
        return "<p class=\"hint\">Keys on this tenant act as a connected user: connect someone first.</p>".to_owned();
    }
    let mut form = format!(
        "<form method=\"post\" action=\"/admin/tenants/{}/keys\">{}<fieldset><legend>Create a key</legend>\
         <label for=\"key-name\">Name</label><input id=\"key-name\" name=\"name\" type=\"text\" required maxlength=\"100\" aria-describedby=\"key-name-hint\">\
         <p class=\"hint\" id=\"key-name-hint\">Who or what will use it, e.g. \"support agent\".</p>\
         <label for=\"key-as\">Acts as</label><select id=\"key-as\" name=\"connection\">{options}</select>",
        attr(name),
        csrf_field(&operator.csrf)
    );
    if settings.grant == GrantMode::ClientCredentials {
        form.push_str("<p class=\"hint\">Scopes of an agent key (a key acting as a user has that user's):</p><div class=\"scopes\">");
        for scope in settings
            .scopes
            .iter()
            .filter(|s| !ScopeSet::IDENTITY.contains(*s))
        {
            let id = format!("key-scope-{}", scope.as_str().replace([':', '_'], "-"));
            form.push_str(&format!(
                "<label class=\"scope\" for=\"{id}\"><input type=\"checkbox\" id=\"{id}\" name=\"scopes\" value=\"{v}\"{c}><span><code>{v}</code></span></label>",
                v = scope.as_str(),
                // Least privilege: reads are ticked, except reading users' IdP tokens.
                c = if scope.as_str().starts_with("read:") && scope != Scope::ReadUserIdpTokens {
                    " checked"
                } else {
                    ""
                },
            ));
        }
        form.push_str("</div>");
    }
    form.push_str("<div class=\"actions\"><button type=\"submit\">Create key</button></div></fieldset></form>");
    form
}

pub(super) async fn create_key(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let mut csrf = None;
    let mut key_name = String::new();
    let mut connection = String::new();
    let mut scopes = ScopeSet::EMPTY;
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf" => csrf = Some(v.into_owned()),
            "name" => key_name = v.trim().to_owned(),
            "connection" => connection = v.into_owned(),
            "scopes" => {
                if let Ok(scope) = v.parse::<Scope>() {
                    scopes.insert(scope);
                }
            }
            _ => {}
        }
    }
    if let Some(refused) = operator.refuses_form(&state, csrf.as_deref()) {
        return refused;
    }
    let Some(runtime) = state.tenants.get(&name) else {
        return super::not_found(&operator, &name);
    };
    let settings = &runtime.settings;
    let refuse = |message: &str| {
        layout::page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Key not created",
            &operator.frame(),
            &format!(
                "<h1>Key not created</h1>{}<p><a href=\"/admin/tenants/{}\">Back to {}</a></p>",
                notice("error", &format!("<p>{}</p>", esc(message))),
                attr(&name),
                esc(&name)
            ),
        )
    };
    if key_name.is_empty() || key_name.len() > 100 {
        return refuse(
            "Give the key a name of 1 to 100 characters, so you can tell keys apart later.",
        );
    }
    let new = if connection.is_empty() {
        if settings.grant == GrantMode::AuthorizationCode {
            return refuse(
                "On this tenant calls use each user's own token, so a key must act as a connected user.",
            );
        }
        let scopes = scopes.intersection(settings.scopes);
        if scopes.is_empty() {
            return refuse("Tick at least one scope for the agent key.");
        }
        NewKey {
            tenant: name.clone(),
            name: key_name,
            scopes,
            expires_at: None,
            connection_id: None,
        }
    } else {
        match state.store.connection(&connection).await {
            Ok(Some(c)) if c.tenant == name && c.status == ConnectionStatus::Active => NewKey {
                tenant: name.clone(),
                name: key_name,
                scopes: crate::runtime::connection_principal(settings, &c).scopes,
                expires_at: None,
                connection_id: Some(c.id),
            },
            Ok(_) => return refuse("That connection is not an active connection of this tenant."),
            Err(error) => return super::store_failed(&operator, &error),
        }
    };
    let (record, key): (KeyRecord, AccessKey) = match state.store.create_key(new).await {
        Ok(made) => made,
        Err(error) => return super::store_failed(&operator, &error),
    };
    tracing::info!(tenant = %name, key = %record.id, operator = %operator.name, "access key created in the portal");
    let endpoint = state.public_link("mcp");
    let body = format!(
        "<h1>Access key created</h1>{}\
         <div class=\"copy\"><code id=\"new-key\" class=\"secret\">{key}</code><button type=\"button\" data-copy=\"new-key\">Copy</button>\
         <span id=\"new-key-status\" role=\"status\" class=\"hint\"></span></div>\
         <h2>Give it to an agent</h2><p>MCP endpoint (streamable HTTP): <code>{endpoint}</code></p>\
         <pre>{{\n  \"mcpServers\": {{\n    \"auth0\": {{\n      \"url\": \"{endpoint}\",\n      \"headers\": {{ \"Authorization\": \"Bearer {key}\" }}\n    }}\n  }}\n}}</pre>\
         <p class=\"hint\">It holds: {scopes}.</p><p><a href=\"/admin/tenants/{t}\">Back to {tn}</a></p>",
        notice(
            "warn",
            &format!(
                "<p><strong>Copy it now: it is shown only this once.</strong> The gateway keeps only a hash of the key <em>{}</em>, so it cannot show it again.</p>",
                esc(&record.name)
            )
        ),
        key = esc(key.expose_secret()),
        endpoint = esc(&endpoint),
        scopes = esc(&record.scopes.names().join(" ")),
        t = attr(&name),
        tn = esc(&name),
    );
    layout::page(
        StatusCode::OK,
        "Access key created",
        &operator.frame(),
        &body,
    )
}

#[derive(Deserialize)]
pub(super) struct RevokeForm {
    csrf: Option<String>,
}

pub(super) async fn revoke_key(
    State(state): State<AppState>,
    operator: Operator,
    Path((name, id)): Path<(String, String)>,
    axum::Form(form): axum::Form<RevokeForm>,
) -> Response {
    if let Some(refused) = operator.refuses_form(&state, form.csrf.as_deref()) {
        return refused;
    }
    // Only a key of this tenant: the URL names both.
    match state.store.list_keys(Some(&name)).await {
        Ok(keys) if keys.iter().any(|k| k.id == id) => {}
        Ok(_) => return super::not_found(&operator, &id),
        Err(error) => return super::store_failed(&operator, &error),
    }
    if let Err(error) = state.store.revoke_key(&id).await {
        return super::store_failed(&operator, &error);
    }
    tracing::info!(tenant = %name, key = %id, operator = %operator.name, "access key revoked in the portal");
    Redirect::to(&format!("/admin/tenants/{name}?revoked={id}")).into_response()
}
