//! One file per subcommand.

mod admin;
mod approvals;
mod audit;
mod check;
mod connect;
mod connections;
#[cfg(feature = "demo")]
mod demo;
mod gen_key;
mod keys;
mod oauth_clients;
mod serve;
mod stdio;
pub mod tools;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = cli.config.as_path();
    match cli.command {
        Command::Stdio { tenant, connection } => {
            stdio::execute(config, tenant.as_deref(), connection.as_deref()).await
        }
        Command::Connect { tenant } => connect::execute(config, &tenant).await,
        Command::Connections { command } => connections::execute(config, command).await,
        Command::GenKey => Ok(gen_key::execute()),
        Command::Probe { url } => Ok(probe(&url).await),
        Command::Audit(command) => audit::execute(config, command).await,
        Command::Rekey { new_key_env } => rekey(config, &new_key_env).await,
        Command::Serve => serve::execute(config).await,
        Command::Keys { command } => keys::execute(config, command).await,
        Command::OauthClients { command } => oauth_clients::execute(config, command).await,
        Command::Approvals { command } => approvals::execute(config, command).await,
        Command::Admin { command } => admin::execute(config, command).await,
        #[cfg(feature = "demo")]
        Command::Demo {
            stdio,
            scopes,
            listen,
            data_dir,
            insecure_no_auth,
            policies,
            data_protection,
            grant,
            client_metadata_ca,
        } => {
            demo::execute(demo::DemoOptions {
                stdio,
                grant,
                client_metadata_ca,
                scopes,
                listen,
                data_dir,
                insecure_no_auth,
                policies,
                data_protection,
            })
            .await
        }
        Command::Tools { format } => tools::execute(format),
        Command::Check { online } => check::execute(config, online).await,
    }
}

/// Says on stderr which store a command opened, so one run from another directory or with
/// another file shows at once that it is not the store `serve` uses.
fn announce_store(settings: &crate::config::StoreSettings) {
    eprintln!("Store: {}", settings.location());
}

/// Opens the configured store (with its key), after saying which it is.
async fn open_store(
    settings: &crate::config::StoreSettings,
) -> Result<gw_store::Store, gw_store::StoreError> {
    announce_store(settings);
    settings.open().await
}

/// `mcp-gateway probe URL`.
async fn probe(url: &str) -> ExitCode {
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

/// `mcp-gateway rekey`.
async fn rekey(config: &std::path::Path, new_key_env: &str) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    let config = crate::config::Config::load(config)?;
    let new = std::env::var(new_key_env)
        .with_context(|| format!("environment variable `{new_key_env}` is not set"))?;
    let new = gw_oauth::TokenCipher::from_base64(&new)
        .with_context(|| format!("environment variable `{new_key_env}`"))?;
    let store = open_store(&config.store).await?;
    if !store.can_hold_tokens() {
        anyhow::bail!(gw_store::StoreError::NoKey);
    }
    let moved = store.rekey(&new).await?;
    println!(
        "Re-sealed {} token(s), {} pending sign-in(s) and {} portal tenant secret(s) under the new key. Point [store] at the new key and restart every replica; the old key no longer opens this store.",
        moved.tokens, moved.pending, moved.secrets
    );
    Ok(ExitCode::SUCCESS)
}
