//! One file per subcommand.

mod check;
mod demo;
mod keys;
mod serve;
mod stdio;
pub mod tools;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Stdio { config, tenant } => stdio::execute(&config, &tenant).await,
        Command::Serve { config } => serve::execute(&config).await,
        Command::Keys { command } => keys::execute(command).await,
        Command::Demo {
            stdio,
            scopes,
            listen,
            data_dir,
            insecure_no_auth,
        } => {
            demo::execute(demo::DemoOptions {
                stdio,
                scopes,
                listen,
                data_dir,
                insecure_no_auth,
            })
            .await
        }
        Command::Tools { format } => tools::execute(format),
        Command::Check { config } => check::execute(&config),
    }
}
