//! Logs go to stderr, always: over stdio, stdout carries only the protocol. Text by default;
//! one JSON object per line with `MCP_GATEWAY_LOG_FORMAT=json`, for log pipelines. With an OTLP
//! endpoint configured, the same spans are also exported (see `telemetry`).

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::telemetry::Export;

/// Installs the stderr logger; `RUST_LOG` overrides the default level.
pub fn init() {
    install(None);
}

/// Installs the stderr logger and, when `export` is given, its span exporter beside it.
pub fn install(export: Option<&Export>) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,rmcp=warn"));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let stderr = if std::env::var("MCP_GATEWAY_LOG_FORMAT").is_ok_and(|f| f == "json") {
        stderr
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed()
    } else {
        stderr.boxed()
    };
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(export.map(Export::layer))
        .with(filter)
        .try_init();
}
