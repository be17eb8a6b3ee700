//! One file per subcommand.

mod check;
mod demo;
mod stdio;
pub mod tools;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Stdio { config, tenant } => stdio::execute(&config, &tenant).await,
        Command::Demo { stdio, scopes } => demo::execute(stdio, scopes).await,
        Command::Tools { format } => tools::execute(format),
        Command::Check { config } => check::execute(&config),
    }
}
