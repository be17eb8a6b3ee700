//! `/healthz`: the process answers. `/readyz`: it can do its job — the store answers and every
//! tenant's Auth0 gives a Management API token.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

pub(crate) async fn healthz() -> &'static str {
    "ok"
}

pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let mut ready = true;
    let store = match state.store.ping().await {
        Ok(()) => json!("ok"),
        Err(error) => {
            ready = false;
            json!(error.to_string())
        }
    };
    let mut tenants = serde_json::Map::new();
    for tenant in state.tenants.all() {
        let status = match tenant.machine.token().await {
            Ok(_) => json!("ok"),
            Err(error) => {
                ready = false;
                json!(error.to_string())
            }
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
