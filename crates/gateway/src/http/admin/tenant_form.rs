//! Add an Auth0 tenant: the form that adds (or edits) a tenant — shown empty, filled from the
//! store, or again with what was typed and what is wrong with it (`tenant_save.rs` saves it).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gw_oauth::{GrantMode, Scope, ScopeSet};

use super::error::AdminError;
use super::layout;
use super::session::Operator;
use super::views::{ScopeChoice, TenantFormPage};
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

    pub(super) fn of(&self, field: &str) -> Option<&str> {
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
    edit_form(&state, &operator, name)
        .await
        .unwrap_or_else(|error| error.page(&operator))
}

async fn edit_form(
    state: &AppState,
    operator: &Operator,
    name: String,
) -> Result<Response, AdminError> {
    let Some(stored) = state.store.stored_tenant(&name).await? else {
        return Err(AdminError::NotFound(name));
    };
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
    Ok(render(
        state,
        operator,
        &fields,
        &Problems::default(),
        StatusCode::OK,
    ))
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
    let title = if fields.editing {
        format!("Edit {}", fields.name)
    } else {
        "Add an Auth0 tenant".to_owned()
    };
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
    // The 22 scopes.
    let scopes = Scope::ALL
        .iter()
        .map(|&scope| {
            let required = scope == Scope::Openid;
            ScopeChoice {
                scope,
                ticked: required || fields.scopes.contains(scope),
                required,
                warning: warning(scope),
            }
        })
        .collect();
    let page = TenantFormPage {
        frame: operator.frame(),
        csrf: &operator.csrf,
        title,
        fields,
        problems,
        callback: state.callback_url().to_string(),
        can_store: state.store.can_hold_tokens(),
        secret_hint,
        grant: fields.grant.unwrap_or(GrantMode::ClientCredentials),
        scopes,
    };
    layout::page(status, &page)
}
