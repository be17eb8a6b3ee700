//! `/healthz`: the process answers; it never touches the store, so an orchestrator does not restart
//! replicas because the database is down. `/readyz`: it can serve — the store answers — within a
//! second whatever the store does (see `store_probe.rs`) — and the audit journal takes records,
//! without which no tool call runs. Each tenant's
//! state is reported beside it (does Auth0 give the machine token, where one is used) but does not
//! make the replica unready: every replica shares a tenant's Auth0 problem, so taking replicas out
//! of service would only stop the other tenants too — and with tenants added in the operator
//! portal, one operator's mistake must not take the gateway down.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gw_oauth::GrantMode;
use serde_json::{Value, json};

use super::{AppState, store_probe};

pub(crate) async fn healthz() -> &'static str {
    "ok"
}

pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let store = state.store_probe.check(&state.store);
    // Reported only, so bounded by the same deadline: a slow Auth0 must not hold the probe.
    let tenants =
        futures::future::join_all(state.tenants.all().into_iter().map(|tenant| async move {
            let status = match tenant.settings.grant {
                GrantMode::AuthorizationCode => json!("ok: calls use connected users' own tokens"),
                GrantMode::ClientCredentials => {
                    match tokio::time::timeout(store_probe::DEADLINE, tenant.machine.token()).await
                    {
                        Ok(Ok(_)) => json!("ok"),
                        Ok(Err(error)) => json!(error.to_string()),
                        Err(_) => json!(format!(
                            "Auth0 gave no machine token within {} ms",
                            store_probe::DEADLINE.as_millis()
                        )),
                    }
                }
            };
            (tenant.settings.name.clone(), status)
        }));
    let (store, tenants) = tokio::join!(store, tenants);
    let (store_ok, store) = match store {
        Ok(()) => (true, json!("ok")),
        Err(error) => (false, json!(error)),
    };
    // A journal that refuses records means tool calls are refused: not ready.
    let journal_ok = !state
        .audit_journal
        .as_ref()
        .is_some_and(|journal| journal.journal_failing());
    let ready = store_ok && journal_ok;
    let journal = if journal_ok {
        json!("ok")
    } else {
        json!(
            "failing: the audit journal refuses records (full, or its disk fails), so tool calls are refused; see the log"
        )
    };
    let tenants: serde_json::Map<String, Value> = tenants.into_iter().collect();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(
            json!({ "ready": ready, "store": store, "audit_journal": journal, "tenants": tenants }),
        ),
    )
}
