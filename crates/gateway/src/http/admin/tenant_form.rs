//! Add an Auth0 tenant: the form that adds (or edits) a tenant — shown empty, filled from the
//! store, or again with what was typed and what is wrong with it (`tenant_save.rs` saves it).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gw_oauth::{GrantMode, Scope, ScopeSet};

use super::layout::{self, attr, csrf_field, esc, notice};
use super::session::Operator;
use crate::http::AppState;

/// What the form holds: as typed (on a redisplay) or as stored (when editing). Never a secret.
#[derive(Default)]
pub(super) struct Fields {
    pub(super) name: String,
    pub(super) domain: String,
    pub(super) client_id: String,
    pub(super) grant: Option<GrantMode>,
    pub(super) scopes: ScopeSet,
    pub(super) operators: String,
    pub(super) read_only: bool,
    /// Set when editing a saved tenant: its name cannot change.
    pub(super) editing: bool,
}

/// A problem with one field (by its id), or with the whole form.
#[derive(Default)]
pub(super) struct Problems {
    pub(super) fields: Vec<(&'static str, String)>,
    /// Shown above the form: what Auth0 said, in words.
    pub(super) summary: Option<String>,
}

impl Problems {
    pub(super) fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.fields.push((field, message.into()));
    }

    fn of(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.summary.is_none()
    }
}

pub(super) async fn new(State(state): State<AppState>, operator: Operator) -> Response {
    let fields = Fields {
        grant: Some(GrantMode::ClientCredentials),
        scopes: default_scopes(),
        ..Fields::default()
    };
    render(
        &state,
        &operator,
        &fields,
        &Problems::default(),
        StatusCode::OK,
    )
}

pub(super) async fn edit(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
) -> Response {
    match state.store.stored_tenant(&name).await {
        Ok(Some(stored)) => {
            let fields = Fields {
                name: stored.name,
                domain: stored.domain,
                client_id: stored.client_id,
                grant: Some(stored.grant),
                scopes: stored.scopes,
                operators: stored.operators.join("\n"),
                read_only: stored.read_only,
                editing: true,
            };
            render(
                &state,
                &operator,
                &fields,
                &Problems::default(),
                StatusCode::OK,
            )
        }
        Ok(None) => super::not_found(&operator, &name),
        Err(error) => super::store_failed(&operator, &error),
    }
}

/// The scopes ticked on a new form: reading everything, changing nothing.
fn default_scopes() -> ScopeSet {
    Scope::ALL
        .iter()
        .copied()
        .filter(|s| {
            ScopeSet::IDENTITY.contains(*s)
                || (s.as_str().starts_with("read:") && *s != Scope::ReadUserIdpTokens)
        })
        .collect()
}

/// Why a scope deserves a second thought, if it does.
fn warning(scope: Scope) -> Option<&'static str> {
    match scope {
        Scope::ReadUserIdpTokens => Some(
            "Hands out users' tokens at their identity providers (Google, GitHub …): an agent could act as those users elsewhere.",
        ),
        s if s.as_str().starts_with("delete:") => {
            Some("Deletions cannot be undone: agents with this scope can delete for good.")
        }
        _ => None,
    }
}

pub(super) fn render(
    state: &AppState,
    operator: &Operator,
    fields: &Fields,
    problems: &Problems,
    status: StatusCode,
) -> Response {
    let callback = state.callback_url().to_string();
    let can_store = state.store.can_hold_tokens();
    let title = if fields.editing {
        format!("Edit {}", fields.name)
    } else {
        "Add an Auth0 tenant".to_owned()
    };
    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\">Connect this gateway to a tenant through a Regular Web Application you create in the Auth0 Dashboard.</p>",
        esc(&title)
    );
    if !can_store {
        body.push_str(&notice(
            "error",
            "<p>This gateway has no encryption key for its store, so it cannot keep a client secret. Set <code>[store] encryption_key_env</code> (make a key with <code>mcp-gateway gen-key</code>) and restart.</p>",
        ));
    }
    if let Some(summary) = &problems.summary {
        body.push_str(&notice(
            "error",
            &format!("<p><strong>Not saved.</strong> {}</p>", esc(summary)),
        ));
    } else if !problems.fields.is_empty() {
        body.push_str(&notice(
            "error",
            "<p><strong>Not saved.</strong> Some fields need attention; each says what is wrong.</p>",
        ));
    }
    body.push_str(&format!(
        "<ol class=\"lead\"><li>In Auth0: Applications → Applications → Create Application → <em>Regular Web Application</em>.</li>\
         <li>In its Settings, add this URL to <strong>Allowed Callback URLs</strong> and save:\
         <div class=\"copy\"><code id=\"callback-url\">{cb}</code>\
         <button type=\"button\" class=\"secondary\" data-copy=\"callback-url\">Copy</button>\
         <span id=\"callback-url-status\" role=\"status\" class=\"hint\"></span></div></li>\
         <li>Copy the Domain, Client ID and Client Secret from the same page into this form.</li></ol>",
        cb = esc(&callback)
    ));
    body.push_str(&format!(
        "<form method=\"post\" action=\"/admin/tenants\" novalidate>{}",
        csrf_field(&operator.csrf)
    ));
    if fields.editing {
        body.push_str(&format!(
            "<input type=\"hidden\" name=\"editing\" value=\"{}\">",
            attr(&fields.name)
        ));
    }
    body.push_str(&text_field(
        "name",
        "Name in the gateway",
        &fields.name,
        "Lowercase letters, digits, - and _: it appears in URLs (/connect/NAME) and in audit records.",
        problems.of("name"),
        if fields.editing { " readonly" } else { "" },
    ));
    body.push_str(&text_field(
        "domain",
        "Domain",
        &fields.domain,
        "Like my-tenant.us.auth0.com — or paste the address of your tenant in the Auth0 Dashboard (https://manage.auth0.com/dashboard/us/my-tenant/…).",
        problems.of("domain"),
        " autocomplete=\"off\" spellcheck=\"false\"",
    ));
    body.push_str(&text_field(
        "client_id",
        "Client ID",
        &fields.client_id,
        "From the application's Settings.",
        problems.of("client_id"),
        " autocomplete=\"off\" spellcheck=\"false\"",
    ));
    // A typed secret is never sent back to the browser, not even to a form that failed.
    let secret_hint = match (fields.editing, problems.is_empty()) {
        (true, true) => {
            "Leave empty to keep the saved secret. It is stored encrypted and never shown again."
        }
        (true, false) => {
            "A secret typed here was not kept after the failed save: type it again, or leave empty to keep the saved one."
        }
        (false, true) => {
            "From the application's Settings. It is stored encrypted and never shown again."
        }
        (false, false) => {
            "The secret you typed was not kept after the failed save (it is never sent back to the browser): type it again."
        }
    };
    body.push_str(&field_shell(
        "client_secret",
        "Client Secret",
        secret_hint,
        problems.of("client_secret"),
        |described, invalid| {
            format!(
                "<input id=\"client_secret\" name=\"client_secret\" type=\"password\" autocomplete=\"new-password\" spellcheck=\"false\" aria-describedby=\"{described}\"{invalid}>"
            )
        },
    ));

    // How calls reach Auth0.
    let grant = fields.grant.unwrap_or(GrantMode::ClientCredentials);
    let checked = |g: GrantMode| if grant == g { " checked" } else { "" };
    body.push_str(&format!(
        "<fieldset><legend>Whose token calls Auth0</legend>\
         <label class=\"radio\"><input type=\"radio\" name=\"grant\" value=\"client_credentials\"{}> <span><strong>The application's machine token</strong> (recommended; needs the Client Credentials grant and the Management API authorized for the application): the people listed below may connect, and get the scopes ticked here.</span></label>\
         <label class=\"radio\"><input type=\"radio\" name=\"grant\" value=\"authorization_code\"{}> <span>Each connected user's own token. On a real Auth0 tenant such a token carries only the <em>current user</em> scopes (read:current_user, update:current_user_metadata …), so Auth0 refuses nearly every tool below for everyone; choose it only if you know your tenant grants more.</span></label>\
         {}</fieldset>",
        checked(GrantMode::ClientCredentials),
        checked(GrantMode::AuthorizationCode),
        field_shell(
            "operators",
            "Who may connect (machine token only)",
            "Verified email addresses, or @example.com for everyone with a verified address there; one per line.",
            problems.of("operators"),
            |described, invalid| format!(
                "<textarea id=\"operators\" name=\"operators\" aria-describedby=\"{described}\"{invalid}>{}</textarea>",
                esc(&fields.operators)
            ),
        )
    ));

    // What agents may do at all.
    body.push_str(&format!(
        "<fieldset><legend>What agents may do</legend>\
         <label class=\"scope\" for=\"read_only\"><input type=\"checkbox\" id=\"read_only\" name=\"read_only\" value=\"on\"{}>\
         <span>Read-only<span class=\"why\">Hide and refuse every tool that creates, changes or deletes, whatever the scopes below allow. A safe way to start.</span></span></label></fieldset>",
        if fields.read_only { " checked" } else { "" }
    ));

    // The 22 scopes.
    body.push_str("<fieldset><legend>Scopes the integration may ask for</legend><p class=\"hint\">Every tool needs certain scopes; agents see only tools whose scopes are ticked here and granted to them.</p>");
    if let Some(problem) = problems.of("scopes") {
        body.push_str(&format!("<p class=\"field-error\">{}</p>", esc(problem)));
    }
    body.push_str("<div class=\"scopes\">");
    for scope in Scope::ALL {
        let id = format!("scope-{}", scope.as_str().replace([':', '_'], "-"));
        let required = *scope == Scope::Openid;
        let on = required || fields.scopes.contains(*scope);
        let warn = warning(*scope)
            .map(|w| format!("<span class=\"warn\">⚠ {}</span>", esc(w)))
            .unwrap_or_default();
        body.push_str(&format!(
            "<label class=\"scope\" for=\"{id}\"><input type=\"checkbox\" id=\"{id}\" name=\"scopes\" value=\"{v}\"{checked}{disabled}>\
             <span><code>{v}</code>{req}<span class=\"why\">{d}</span>{warn}</span></label>",
            v = scope.as_str(),
            checked = if on { " checked" } else { "" },
            disabled = if required { " disabled" } else { "" },
            req = if required { " (required)" } else { "" },
            d = esc(scope.description()),
        ));
    }
    body.push_str("</div></fieldset>");
    body.push_str(
        "<div class=\"actions\"><button type=\"submit\">Save and check with Auth0</button><a href=\"/admin\">Cancel</a></div>\
         <p class=\"hint\">Saving first asks the tenant whether the domain, client ID, secret and callback URL work; nothing is stored unless they do.</p></form>",
    );
    if fields.editing {
        body.push_str(&format!(
            "<h2>Remove this tenant</h2><p>The gateway stops serving it at once; its access keys and connections are revoked, and connected users' refresh tokens are revoked at Auth0. The application in Auth0 is left as it is.</p>\
             <form method=\"post\" action=\"/admin/tenants/{n}/remove\">{}\
             <label for=\"confirm\">Type <code>{name}</code> to confirm</label><input id=\"confirm\" name=\"confirm\" type=\"text\" autocomplete=\"off\" spellcheck=\"false\">\
             <div class=\"actions\"><button class=\"danger\" type=\"submit\">Remove {name}</button></div></form>",
            csrf_field(&operator.csrf),
            n = attr(&fields.name),
            name = esc(&fields.name),
        ));
    }
    layout::page(status, &title, &operator.frame(), &body)
}

fn text_field(
    id: &'static str,
    label: &str,
    value: &str,
    hint: &str,
    problem: Option<&str>,
    extra: &str,
) -> String {
    field_shell(id, label, hint, problem, |described, invalid| {
        format!(
            "<input id=\"{id}\" name=\"{id}\" type=\"text\" value=\"{}\" aria-describedby=\"{described}\"{invalid}{extra}>",
            attr(value)
        )
    })
}

/// A label, the control, its hint and its error, wired together for screen readers.
fn field_shell(
    id: &'static str,
    label: &str,
    hint: &str,
    problem: Option<&str>,
    control: impl FnOnce(&str, &str) -> String,
) -> String {
    let (described, invalid, error) = match problem {
        Some(problem) => (
            format!("{id}-error {id}-hint"),
            " aria-invalid=\"true\"",
            format!(
                "<p class=\"field-error\" id=\"{id}-error\">{}</p>",
                esc(problem)
            ),
        ),
        None => (format!("{id}-hint"), "", String::new()),
    };
    format!(
        "<label for=\"{id}\">{}</label>{error}{}<p class=\"hint\" id=\"{id}-hint\">{}</p>",
        esc(label),
        control(&described, invalid),
        esc(hint)
    )
}
