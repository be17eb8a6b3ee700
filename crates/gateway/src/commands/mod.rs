//! One file per subcommand.

mod audit;
mod check;
mod connect;
mod connections;
mod demo;
mod gen_key;
mod keys;
mod serve;
mod stdio;
pub mod tools;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Stdio {
            config,
            tenant,
            connection,
        } => stdio::execute(&config, tenant.as_deref(), connection.as_deref()).await,
        Command::Connect { config, tenant } => connect::execute(&config, &tenant).await,
        Command::Connections { command } => connections::execute(command).await,
        Command::GenKey => Ok(gen_key::execute()),
        Command::Audit(command) => audit::execute(command).await,
        Command::Serve { config } => serve::execute(&config).await,
        Command::Keys { command } => keys::execute(command).await,
        Command::Demo {
            stdio,
            scopes,
            listen,
            data_dir,
            insecure_no_auth,
            grant,
        } => {
            demo::execute(demo::DemoOptions {
                stdio,
                grant,
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
