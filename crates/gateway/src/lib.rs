//! The `mcp-gateway` binary: command line, configuration, transports and the demo.

pub mod approval_webhook;
pub mod approvals;
pub mod audit;
pub mod cli;
pub mod client_metadata;
pub mod commands;
pub mod config;
pub mod connection_revocation;
pub mod http;
pub mod jsonrpc;
pub mod logging;
pub mod metrics;
pub mod runtime;
pub mod sign_in;
pub mod stdio_transport;
pub mod step_ups;
pub mod telemetry;
pub mod tenant_check;
pub mod tenant_directory;
pub mod tenant_policies;
pub mod user_check;

use std::process::ExitCode;

use clap::Parser;

/// Parses the command line and runs the chosen command.
pub fn run() -> ExitCode {
    install_crypto_provider();
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::execute(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Makes ring the process's TLS crypto provider, once, before anything opens a connection: reqwest
/// and rustls are built without a default (the workspace chooses ring), and building an HTTP client
/// without one panics. Code that builds clients outside `run()` (tests) may call it as well; later
/// calls do nothing.
pub fn install_crypto_provider() {
    // Err means a provider is already installed (a second call, or a library's own safety net).
    let _ = rustls::crypto::ring::default_provider().install_default();
}
