//! Taking things away in the portal: a user's connection, or a whole portal-made tenant. Both
//! stop the gateway using them first (one store transaction), then revoke refresh tokens at Auth0.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gw_store::ConnectionStatus;
use serde::Deserialize;

use super::error::AdminError;
use super::layout;
use super::session::Operator;
use super::views::NotRemovedPage;
use crate::connection_revocation::{AtAuth0, revoke_connection};
use crate::http::AppState;

#[derive(Deserialize)]
pub(super) struct Confirmed {
    csrf: Option<String>,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn revoke_user(
    State(state): State<AppState>,
    operator: Operator,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<Confirmed>,
) -> Response {
    revoke(&state, &operator, &name, id, &form)
        .await
        .unwrap_or_else(|error| error.page(&operator))
}

async fn revoke(
    state: &AppState,
    operator: &Operator,
    name: &str,
    id: String,
    form: &Confirmed,
) -> Result<Response, AdminError> {
    operator.check_form(state, form.csrf.as_deref())?;
    if !matches!(state.store.connection(&id).await?, Some(c) if c.tenant == name) {
        return Err(AdminError::NotFound(id));
    }
    let tenant = state.tenants.get(name);
    let at_auth0 = revoke_connection(
        &state.store,
        tenant.as_ref().map(|t| t.settings.as_ref()),
        &state.oauth_http,
        state.callback_url(),
        &id,
    )
    .await?
    .unwrap_or(AtAuth0::NothingToRevoke);
    tracing::info!(tenant = %name, connection = %id, operator = %operator.name, ?at_auth0, "connection revoked in the portal");
    let auth0 = match at_auth0 {
        AtAuth0::NothingToRevoke => "none",
        AtAuth0::Revoked => "revoked",
        AtAuth0::Failed(_) => "failed",
    };
    Ok(Redirect::to(&format!(
        "/admin/tenants/{name}?revoked_connection={id}&auth0={auth0}"
    ))
    .into_response())
}

pub(super) async fn remove_tenant(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    Form(form): Form<Confirmed>,
) -> Response {
    remove(&state, &operator, name, &form)
        .await
        .unwrap_or_else(|error| error.page(&operator))
}

async fn remove(
    state: &AppState,
    operator: &Operator,
    name: String,
    form: &Confirmed,
) -> Result<Response, AdminError> {
    operator.check_form(state, form.csrf.as_deref())?;
    let Some(portal) = state.portal.clone() else {
        return Err(AdminError::NoPortal);
    };
    if portal.directory.is_configured(&name) {
        return Err(AdminError::NotFound(name));
    }
    if form.confirm.trim() != name {
        let page = NotRemovedPage {
            frame: operator.frame(),
            tenant: &name,
        };
        return Ok(layout::page(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    // Users' refresh tokens are revoked at Auth0 while the tenant's settings are still at hand.
    let tenant = state.tenants.get(&name);
    let connections = state.store.list_connections(Some(&name)).await?;
    let mut not_revoked_at_auth0 = 0;
    for connection in connections
        .iter()
        .filter(|c| c.status != ConnectionStatus::Revoked)
    {
        let at_auth0 = revoke_connection(
            &state.store,
            tenant.as_ref().map(|t| t.settings.as_ref()),
            &state.oauth_http,
            state.callback_url(),
            &connection.id,
        )
        .await?;
        if let Some(AtAuth0::Failed(_)) = at_auth0 {
            not_revoked_at_auth0 += 1;
        }
    }
    if !state.store.delete_tenant(&name).await? {
        return Err(AdminError::NotFound(name));
    }
    portal.directory.forget(&name);
    tracing::info!(tenant = %name, operator = %operator.name, "tenant removed in the portal");
    Ok(Redirect::to(&format!(
        "/admin?removed={name}&not_revoked={not_revoked_at_auth0}"
    ))
    .into_response())
}
