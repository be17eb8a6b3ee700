//! Logs go to stderr, always: over stdio, stdout carries only the protocol. Text by default;
//! one JSON object per line with `MCP_GATEWAY_LOG_FORMAT=json`, for log pipelines.

use tracing_subscriber::EnvFilter;

/// Installs the stderr logger; `RUST_LOG` overrides the default level.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,rmcp=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let _ = if std::env::var("MCP_GATEWAY_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init()
    } else {
        builder.try_init()
    };
}
