//! Taking things away in the portal: a user's connection, or a whole portal-made tenant. Both
//! stop the gateway using them first (one store transaction), then revoke refresh tokens at Auth0.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gw_store::ConnectionStatus;
use serde::Deserialize;

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
    if let Some(refused) = operator.refuses_form(&state, form.csrf.as_deref()) {
        return refused;
    }
    match state.store.connection(&id).await {
        Ok(Some(c)) if c.tenant == name => {}
        Ok(_) => return super::not_found(&operator, &id),
        Err(error) => return super::store_failed(&operator, &error),
    }
    let tenant = state.tenants.get(&name);
    let outcome = revoke_connection(
        &state.store,
        tenant.as_ref().map(|t| t.settings.as_ref()),
        &state.oauth_http,
        state.callback_url(),
        &id,
    )
    .await;
    let at_auth0 = match outcome {
        Ok(Some(at_auth0)) => at_auth0,
        Ok(None) => AtAuth0::NothingToRevoke,
        Err(error) => return super::store_failed(&operator, &error),
    };
    tracing::info!(tenant = %name, connection = %id, operator = %operator.name, ?at_auth0, "connection revoked in the portal");
    let auth0 = match at_auth0 {
        AtAuth0::NothingToRevoke => "none",
        AtAuth0::Revoked => "revoked",
        AtAuth0::Failed(_) => "failed",
    };
    Redirect::to(&format!(
        "/admin/tenants/{name}?revoked_connection={id}&auth0={auth0}"
    ))
    .into_response()
}

pub(super) async fn remove_tenant(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    Form(form): Form<Confirmed>,
) -> Response {
    if let Some(refused) = operator.refuses_form(&state, form.csrf.as_deref()) {
        return refused;
    }
    let Some(portal) = state.portal.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if portal.directory.is_configured(&name) {
        return super::not_found(&operator, &name);
    }
    if form.confirm.trim() != name {
        let page = NotRemovedPage {
            frame: operator.frame(),
            tenant: &name,
        };
        return layout::page(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    // Users' refresh tokens are revoked at Auth0 while the tenant's settings are still at hand.
    let tenant = state.tenants.get(&name);
    let connections = match state.store.list_connections(Some(&name)).await {
        Ok(all) => all,
        Err(error) => return super::store_failed(&operator, &error),
    };
    let mut not_revoked_at_auth0 = 0;
    for connection in connections
        .iter()
        .filter(|c| c.status != ConnectionStatus::Revoked)
    {
        match revoke_connection(
            &state.store,
            tenant.as_ref().map(|t| t.settings.as_ref()),
            &state.oauth_http,
            state.callback_url(),
            &connection.id,
        )
        .await
        {
            Ok(Some(AtAuth0::Failed(_))) => not_revoked_at_auth0 += 1,
            Ok(_) => {}
            Err(error) => return super::store_failed(&operator, &error),
        }
    }
    match state.store.delete_tenant(&name).await {
        Ok(true) => {}
        Ok(false) => return super::not_found(&operator, &name),
        Err(error) => return super::store_failed(&operator, &error),
    }
    portal.directory.forget(&name);
    tracing::info!(tenant = %name, operator = %operator.name, "tenant removed in the portal");
    Redirect::to(&format!(
        "/admin?removed={name}&not_revoked={not_revoked_at_auth0}"
    ))
    .into_response()
}
