//! `mcp-gateway admin create-key|list-keys|revoke-key`: credentials for the operator portal.

use std::path::Path;
use std::process::ExitCode;

use crate::cli::AdminCommand;
use crate::config::Config;

pub(super) async fn execute(config: &Path, command: AdminCommand) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    match command {
        AdminCommand::CreateKey { name } => {
            let store = super::open_store(&config.store).await?;
            let (record, key) = store.create_admin_key(&name).await?;
            println!("Created admin key {} ({})", record.id, record.name);
            println!("Admin key: {}", key.expose_secret());
            println!(
                "It is shown only this once. Sign in to the operator portal with it: {}admin",
                config.server.public_url
            );
        }
        AdminCommand::ListKeys => {
            let store = super::open_store(&config.store).await?;
            for key in store.list_admin_keys().await? {
                let state = if key.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{}  {}…  {}  {}", key.id, key.prefix, key.name, state);
            }
        }
        AdminCommand::RevokeKey { id } => {
            let store = super::open_store(&config.store).await?;
            if store.revoke_admin_key(&id).await? {
                println!("Revoked {id}; its portal sessions are signed out.");
            } else {
                eprintln!("No active admin key with id {id}.");
                return Ok(ExitCode::from(2));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
