//! The operator portal at `/admin`: sign in with an admin key, add Auth0 tenants (checked against
//! the tenant before they are saved), connect them, and hand out and revoke agents' keys.
//! Server-rendered HTML; the one script only copies text to the clipboard.

mod error;
mod layout;
mod login;
mod masking_preview;
mod masking_samples;
mod policies_page;
mod removals;
mod session;
mod tenant_form;
mod tenant_page;
mod tenant_save;
mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use gw_store::StoreError;

use self::error::AdminError;
use self::session::Operator;
use self::views::{NotFoundPage, Source, TenantRow, TenantsPage, UnavailablePage};
use super::AppState;
use crate::tenant_directory::TenantDirectory;

/// What the portal needs besides the shared state.
pub struct Portal {
    pub directory: Arc<TenantDirectory>,
    /// The demo: the sign-in page says where its admin key is.
    pub demo: bool,
}

pub(super) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview))
        .route("/admin/login", get(login::form).post(login::sign_in))
        .route("/admin/logout", post(login::sign_out))
        .route("/admin/tenants", post(tenant_save::save))
        .route("/admin/tenants/new", get(tenant_form::new))
        .route("/admin/tenants/{name}", get(tenant_page::show))
        .route("/admin/tenants/{name}/edit", get(tenant_form::edit))
        .route(
            "/admin/tenants/{name}/policies",
            // Rules up to `MAX_POLICY_TEXT_BYTES`, form-encoded (quotes, brackets and line ends
            // take three bytes each).
            get(policies_page::show).post(policies_page::save).layer(
                axum::extract::DefaultBodyLimit::max(4 * gw_store::MAX_POLICY_TEXT_BYTES),
            ),
        )
        .route(
            "/admin/tenants/{name}/masking",
            // A sample up to `MAX_SAMPLE_BYTES`, form-encoded (JSON's quotes, braces and line
            // ends take three bytes each).
            get(masking_preview::show)
                .post(masking_preview::preview)
                .layer(axum::extract::DefaultBodyLimit::max(
                    4 * masking_preview::MAX_SAMPLE_BYTES,
                )),
        )
        .route("/admin/tenants/{name}/keys", post(tenant_page::create_key))
        .route(
            "/admin/tenants/{name}/remove",
            post(removals::remove_tenant),
        )
        .route(
            "/admin/tenants/{name}/connections/{id}/revoke",
            post(removals::revoke_user),
        )
        .route(
            "/admin/tenants/{name}/keys/{id}/revoke",
            post(tenant_page::revoke_key),
        )
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(middleware::from_fn_with_state(
            state,
            session::same_origin_posts,
        ))
}

/// The list of tenants.
#[derive(serde::Deserialize, Default)]
struct OverviewFlash {
    removed: Option<String>,
    not_revoked: Option<usize>,
}

async fn overview(
    State(state): State<AppState>,
    operator: Operator,
    axum::extract::Query(flash): axum::extract::Query<OverviewFlash>,
) -> Response {
    tenants(&state, &operator, &flash)
        .await
        .unwrap_or_else(|error| error.page(&operator))
}

async fn tenants(
    state: &AppState,
    operator: &Operator,
    flash: &OverviewFlash,
) -> Result<Response, AdminError> {
    let connections = state.store.list_connections(None).await?;
    let tenants = state.tenants.all();
    let rows = tenants
        .iter()
        .map(|tenant| {
            let name = &tenant.settings.name;
            TenantRow {
                name,
                domain: &tenant.settings.domain,
                connections: connections.iter().filter(|c| &c.tenant == name).count(),
                source: source(state, name),
            }
        })
        .collect();
    let page = TenantsPage {
        frame: operator.frame(),
        removed: flash.removed.as_deref(),
        not_revoked: flash.not_revoked.unwrap_or(0),
        can_hold_tokens: state.store.can_hold_tokens(),
        rows,
    };
    Ok(layout::page(StatusCode::OK, &page))
}

/// Where a served tenant's settings come from.
fn source(state: &AppState, name: &str) -> Source {
    let configured = state
        .portal
        .as_ref()
        .is_some_and(|p| p.directory.is_configured(name));
    let demo = state.portal.as_ref().is_some_and(|p| p.demo);
    match (configured, demo) {
        (true, true) => Source::Demo,
        (true, false) => Source::GatewayToml,
        (false, _) => Source::Portal,
    }
}

fn not_found(operator: &Operator, what: &str) -> Response {
    let page = NotFoundPage {
        frame: operator.frame(),
        what,
    };
    layout::page(StatusCode::NOT_FOUND, &page)
}

fn store_failed(operator: &Operator, error: &StoreError) -> Response {
    tracing::error!(%error, "the portal's store request failed");
    let page = UnavailablePage {
        frame: operator.frame(),
        message: "The gateway's store did not answer, so nothing was changed. Try again in a moment.",
    };
    crate::http::store_outage::retry_later(layout::page(StatusCode::SERVICE_UNAVAILABLE, &page))
}
