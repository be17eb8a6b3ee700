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
        Command::Probe { url } => Ok(probe(&url).await),
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

/// `mcp-gateway probe URL`.
async fn probe(url: &str) -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build();
    match client.map(|c| c.get(url).send()) {
        Ok(request) => match request.await {
            Ok(response) if response.status().is_success() => ExitCode::SUCCESS,
            Ok(response) => {
                eprintln!("{url} answered {}", response.status());
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("{url}: {}", error.without_url());
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
