//! `/healthz`: the process answers. `/readyz`: it can serve — the store answers. Each tenant's
//! state is reported beside it (does Auth0 give the machine token, where one is used) but does not
//! make the replica unready: every replica shares a tenant's Auth0 problem, so taking replicas out
//! of service would only stop the other tenants too — and with tenants added in the operator
//! portal, one operator's mistake must not take the gateway down.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gw_oauth::GrantMode;
use serde_json::{Value, json};

use super::AppState;

pub(crate) async fn healthz() -> &'static str {
    "ok"
}

pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (ready, store) = match state.store.ping().await {
        Ok(()) => (true, json!("ok")),
        Err(error) => (false, json!(error.to_string())),
    };
    let mut tenants = serde_json::Map::new();
    for tenant in state.tenants.all() {
        let status = match tenant.settings.grant {
            GrantMode::AuthorizationCode => json!("ok: calls use connected users' own tokens"),
            GrantMode::ClientCredentials => match tenant.machine.token().await {
                Ok(_) => json!("ok"),
                Err(error) => json!(error.to_string()),
            },
        };
        tenants.insert(tenant.settings.name.clone(), status);
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "ready": ready, "store": store, "tenants": tenants })),
    )
}
