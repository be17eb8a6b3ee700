//! The `mcp-gateway` binary: command line, configuration, transports and the demo.

pub mod audit;
pub mod cli;
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
pub mod store;
pub mod telemetry;
pub mod tenant_check;
pub mod tenant_directory;
pub mod user_check;

use std::process::ExitCode;

use clap::Parser;

/// Parses the command line and runs the chosen command.
pub fn run() -> ExitCode {
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
