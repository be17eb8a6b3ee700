//! Logs go to stderr, always: over stdio, stdout carries only the protocol.

use tracing_subscriber::EnvFilter;

/// Installs the stderr logger; `RUST_LOG` overrides the default level.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,rmcp=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
