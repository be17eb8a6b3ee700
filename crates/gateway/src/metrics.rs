//! Prometheus metrics: the `metrics` facade is fed by every crate (tool calls in gw-mcp, Auth0
//! answers and retries in gw-auth0, token requests and refreshes in gw-oauth, sessions and store
//! latency here); this file installs the recorder once per process and renders `/metrics`.

use std::sync::{Mutex, OnceLock};

use axum::extract::State;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds: a store lookup (sub-millisecond) to a slow Auth0 call (seconds).
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder was installed first, in which case this one stays
        // empty; the gateway installs none other.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// `GET /metrics` in the Prometheus text format. Gauges of the app's own state are set here, at
/// scrape time, one scrape at a time: the recorder is process-wide and a process may serve several
/// apps (the tests do), so a gauge set as events happen could report another app's count.
pub async fn render(
    State(state): State<crate::http::AppState>,
) -> impl axum::response::IntoResponse {
    static ONE_SCRAPE: Mutex<()> = Mutex::new(());
    let body = {
        let _one = ONE_SCRAPE.lock().unwrap_or_else(|e| e.into_inner());
        metrics::gauge!("mcp_sessions_active").set(state.sessions.open() as f64);
        handle().render()
    };
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}
