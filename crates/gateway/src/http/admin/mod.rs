//! The operator portal at `/admin`: sign in with an admin key, add Auth0 tenants (checked against
//! the tenant before they are saved), connect them, and hand out and revoke agents' keys.
//! Server-rendered HTML; the one script only copies text to the clipboard.

mod layout;
mod login;
mod removals;
mod session;
mod tenant_form;
mod tenant_page;
mod tenant_save;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use gw_store::StoreError;

use self::layout::{attr, esc, notice};
use self::session::Operator;
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
    let configured = |name: &str| {
        state
            .portal
            .as_ref()
            .is_some_and(|p| p.directory.is_configured(name))
    };
    let connections = match state.store.list_connections(None).await {
        Ok(all) => all,
        Err(error) => return store_failed(&operator, &error),
    };
    let mut body = String::from(
        "<h1>Tenants</h1><p class=\"lead\">Each Auth0 tenant this gateway serves. Add one to let agents manage its users, organizations, roles, logs and applications.</p>",
    );
    if let Some(removed) = &flash.removed {
        body.push_str(&notice(
            "ok",
            &format!(
                "<p>Tenant <code>{}</code> is removed: it is no longer served, and its keys and connections are revoked.</p>",
                esc(removed)
            ),
        ));
        if let Some(n) = flash.not_revoked.filter(|n| *n > 0) {
            body.push_str(&notice(
                "warn",
                &format!(
                    "<p>{n} user grant(s) could not be revoked at Auth0. {}</p>",
                    esc(crate::connection_revocation::REVOKE_BY_HAND)
                ),
            ));
        }
    }
    if !state.store.can_hold_tokens() {
        body.push_str(&notice(
            "warn",
            "<p>This gateway's store has no encryption key: tenants cannot be added here and users cannot connect. Set <code>[store] encryption_key_env</code> and restart.</p>",
        ));
    }
    let tenants = state.tenants.all();
    let demo = state.portal.as_ref().is_some_and(|p| p.demo);
    if tenants.is_empty() {
        body.push_str("<p>No tenants yet.</p>");
    } else {
        body.push_str("<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Tenants\"><table><thead><tr><th scope=\"col\">Tenant</th><th scope=\"col\">Domain</th><th scope=\"col\">Connections</th><th scope=\"col\" class=\"optional\">Source</th></tr></thead><tbody>");
        for tenant in &tenants {
            let name = &tenant.settings.name;
            let count = connections.iter().filter(|c| &c.tenant == name).count();
            body.push_str(&format!(
                "<tr><td><a href=\"/admin/tenants/{}\">{}</a></td><td><code>{}</code></td><td>{count}</td><td class=\"optional\">{}</td></tr>",
                attr(name),
                esc(name),
                esc(&tenant.settings.domain),
                if configured(name) && demo {
                    "<span class=\"badge\">the demo's fake tenant</span>"
                } else if configured(name) {
                    "<span class=\"badge\">gateway.toml</span>"
                } else {
                    "<span class=\"badge ok\">portal</span>"
                }
            ));
        }
        body.push_str("</tbody></table></div>");
    }
    body.push_str("<div class=\"actions\"><a class=\"button\" href=\"/admin/tenants/new\">Add an Auth0 tenant</a></div>");
    layout::page(StatusCode::OK, "Tenants", &operator.frame(), &body)
}

fn not_found(operator: &Operator, what: &str) -> Response {
    layout::page(
        StatusCode::NOT_FOUND,
        "Not found",
        &operator.frame(),
        &format!(
            "<h1>Not found</h1><p>There is no <code>{}</code> here.</p><p><a href=\"/admin\">Back to the tenants</a></p>",
            esc(what)
        ),
    )
}

fn store_failed(operator: &Operator, error: &StoreError) -> Response {
    tracing::error!(%error, "the portal's store request failed");
    layout::page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Unavailable",
        &operator.frame(),
        &notice(
            "error",
            "<p>The gateway's store did not answer, so nothing was changed. Try again in a moment.</p>",
        ),
    )
}
