//! A tenant's Policies page: the rules the gateway enforces on it, in order, and for a tenant
//! added in the portal an editor. What the operator types (TOML `[[policies]]` tables) is checked
//! whole against this gateway's tools (`crate::tenant_policies`) and saved only when every rule
//! passes; the tenant is then rebuilt here at once and on other replicas at their next sync, as
//! for any portal edit. gateway.toml's tenants are read-only here.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gw_policy::Problem;
use gw_store::MAX_POLICY_TEXT_BYTES;
use serde::Deserialize;

use super::error::AdminError;
use super::layout::{self, ago};
use super::session::Operator;
use super::views::{LastSaved, PoliciesPage, Source};
use crate::http::AppState;
use crate::tenant_policies;

#[derive(Deserialize, Default)]
pub(super) struct Flash {
    saved: Option<String>,
}

/// What the page shows besides the tenant's enforced rules.
#[derive(Default)]
struct Editor {
    /// `None`: the text as saved.
    typed: Option<String>,
    problems: Vec<Problem>,
    saved: bool,
    refused: bool,
}

pub(super) async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let editor = Editor {
        saved: flash.saved.is_some(),
        ..Editor::default()
    };
    render(&state, &operator, &name, editor, StatusCode::OK)
        .await
        .unwrap_or_else(|error| error.page(&operator))
}

async fn render(
    state: &AppState,
    operator: &Operator,
    name: &str,
    mut editor: Editor,
    status: StatusCode,
) -> Result<Response, AdminError> {
    let runtime = state.tenants.get(name);
    let source = super::source(state, name);
    let (saved_text, last_saved) = match source {
        Source::Portal => {
            // A portal tenant is shown from the store, so that one whose saved rules stopped
            // passing (and is therefore not served) can be fixed here.
            if state.store.stored_tenant(name).await?.is_none() {
                return Err(AdminError::NotFound(name.to_owned()));
            }
            match state.store.tenant_policies(name).await? {
                Some(saved) => (
                    saved.text,
                    Some(LastSaved {
                        by: saved.updated_by,
                        ago: ago(saved.updated_at * 1000),
                    }),
                ),
                None => (String::new(), None),
            }
        }
        Source::GatewayToml | Source::Demo if runtime.is_some() => (String::new(), None),
        Source::GatewayToml | Source::Demo => return Err(AdminError::NotFound(name.to_owned())),
    };
    if runtime.is_none()
        && editor.problems.is_empty()
        && let Err(problems) = tenant_policies::parse(&saved_text)
    {
        editor.problems = problems;
    }
    let text = editor.typed.unwrap_or(saved_text);
    let page = PoliciesPage {
        frame: operator.frame(),
        csrf: &operator.csrf,
        name,
        source,
        enforced: runtime.map(|runtime| {
            runtime
                .policies
                .rules()
                .iter()
                .map(gw_policy::Rule::summary)
                .collect()
        }),
        text: &text,
        problems: &editor.problems,
        last_saved,
        saved: editor.saved,
        refused: editor.refused,
        example: tenant_policies::EXAMPLE,
    };
    Ok(layout::page(status, &page))
}

pub(super) async fn save(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    save_policies(&state, &operator, name, &body)
        .await
        .unwrap_or_else(|error| error.page(&operator))
}

async fn save_policies(
    state: &AppState,
    operator: &Operator,
    name: String,
    body: &[u8],
) -> Result<Response, AdminError> {
    let mut csrf = None;
    let mut text = String::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "csrf" => csrf = Some(value.into_owned()),
            // Browsers send a textarea's lines ending in CRLF.
            "rules" => text = value.replace("\r\n", "\n"),
            _ => {}
        }
    }
    operator.check_form(state, csrf.as_deref())?;
    let Some(portal) = state.portal.clone() else {
        return Err(AdminError::NoPortal);
    };
    if portal.directory.is_configured(&name) {
        tracing::warn!(tenant = %name, operator = %operator.name, "refused to save policies of a gateway.toml tenant in the portal");
        let editor = Editor {
            refused: true,
            ..Editor::default()
        };
        return render(state, operator, &name, editor, StatusCode::FORBIDDEN).await;
    }
    if state.store.stored_tenant(&name).await?.is_none() {
        return Err(AdminError::NotFound(name));
    }
    let checked = if text.len() > MAX_POLICY_TEXT_BYTES {
        Err(vec![Problem {
            key: "policies".to_owned(),
            why: format!(
                "the rules are {} bytes long; at most {MAX_POLICY_TEXT_BYTES} are kept",
                text.len()
            ),
        }])
    } else {
        tenant_policies::parse(&text).and_then(|set| {
            if set.masking().uses_pseudonyms() && !state.store.can_hold_tokens() {
                Err(vec![Problem {
                    key: "masking".to_owned(),
                    why: "`mode = \"pseudonym\"` seals values with the store's key, and this gateway has none: set [store] encryption_key_env".to_owned(),
                }])
            } else {
                Ok(set)
            }
        })
    };
    let rules = match checked {
        Ok(set) => set.rules().len(),
        Err(problems) => {
            let editor = Editor {
                typed: Some(text),
                problems,
                ..Editor::default()
            };
            return render(
                state,
                operator,
                &name,
                editor,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    if state
        .store
        .save_tenant_policies(&name, &text, &operator.name)
        .await?
        .is_none()
    {
        return Err(AdminError::NotFound(name));
    }
    portal.directory.load(&name).await?;
    tracing::info!(tenant = %name, operator = %operator.name, rules, "tenant policies saved in the portal");
    Ok(Redirect::to(&format!("/admin/tenants/{name}/policies?saved=1")).into_response())
}
