//! Logs go to stderr, always: over stdio, stdout carries only the protocol. Text by default;
//! one JSON object per line with `MCP_GATEWAY_LOG_FORMAT=json`, for log pipelines. With an OTLP
//! endpoint configured, the same spans are also exported (see `telemetry`).
//!
//! rmcp logs whole JSON-RPC messages at debug and trace: tool arguments (a new user's password)
//! and results (identity-provider tokens from `auth0_get_user_idp_tokens`). Those dumps are
//! capped at `warn` whatever `RUST_LOG` says, so turning on debug logging to chase a problem
//! never writes credentials to a log pipeline. Only [`UNSAFE_MESSAGES_SWITCH`], named so that
//! nobody sets it by accident, lifts the cap, and a warning says so at start.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::telemetry::Export;

/// Set to `1` to let rmcp log whole MCP messages, secrets in them included.
pub const UNSAFE_MESSAGES_SWITCH: &str = "MCP_GATEWAY_UNSAFE_LOG_MCP_MESSAGES";

/// The targets whose debug output carries whole MCP messages.
const MESSAGE_DUMPING_TARGETS: &[&str] = &["rmcp"];

fn unsafe_messages_allowed() -> bool {
    std::env::var(UNSAFE_MESSAGES_SWITCH).is_ok_and(|v| v == "1")
}

/// Caps the message-dumping targets at `warn` unless the switch is on.
fn message_dump_cap() -> Targets {
    let cap = if unsafe_messages_allowed() {
        LevelFilter::TRACE
    } else {
        LevelFilter::WARN
    };
    MESSAGE_DUMPING_TARGETS.iter().fold(
        Targets::new().with_default(LevelFilter::TRACE),
        |targets, target| targets.with_target(*target, cap),
    )
}

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
        .with(message_dump_cap())
        .try_init();
    if unsafe_messages_allowed() {
        tracing::warn!(
            "{UNSAFE_MESSAGES_SWITCH}=1: whole MCP messages may be logged, passwords, tokens and personal data in tool arguments and results included; unset it once done"
        );
    }
}
