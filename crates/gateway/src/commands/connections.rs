//! `mcp-gateway connections list|revoke`.

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::ConnectionsCommand;
use crate::config::Config;
use crate::store::{ConnectionStatus, unix_now};

pub(super) async fn execute(command: ConnectionsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConnectionsCommand::List { config, tenant } => {
            let config = Config::load(&config)?;
            let store = config.store.open().await?;
            let now = unix_now();
            for c in store.list_connections(tenant.as_deref()).await? {
                let state = match &c.status {
                    ConnectionStatus::Active => "active".to_owned(),
                    ConnectionStatus::Revoked => "revoked".to_owned(),
                    ConnectionStatus::NeedsReconnect(reason) => {
                        format!("needs reconnect ({reason})")
                    }
                };
                let token = match c.expires_at {
                    Some(at) if at > now => format!("token valid {} more min", (at - now) / 60),
                    Some(_) if c.has_refresh_token => "token expired, will refresh".to_owned(),
                    Some(_) => "token expired".to_owned(),
                    None => "uses the machine token".to_owned(),
                };
                println!(
                    "{}  {}  {}  {}  {}  granted: {}",
                    c.id,
                    c.tenant,
                    c.display_name(),
                    state,
                    token,
                    c.granted_scopes()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ConnectionsCommand::Revoke { config, id } => {
            let config = Config::load(&config)?;
            let store = config.store.open().await?;
            let record = store
                .connection(&id)
                .await?
                .with_context(|| format!("no connection `{id}`"))?;
            let Some(refresh_token) = store.revoke_connection(&id).await? else {
                println!("Connection {id} was already revoked.");
                return Ok(ExitCode::SUCCESS);
            };
            println!(
                "Revoked connection {id} ({}); its access keys no longer work.",
                record.display_name()
            );
            let Some(refresh_token) = refresh_token else {
                return Ok(ExitCode::SUCCESS);
            };
            let tenant = config.tenant(&record.tenant).with_context(|| {
                format!(
                    "tenant `{}` is no longer configured, so its refresh token could not be revoked at Auth0",
                    record.tenant
                )
            })?;
            let http = gw_oauth::OAuthHttp::new(std::time::Duration::from_secs(30));
            let callback =
                gw_mcp::tenant_runtime::join(&config.server.public_url, "integration-callback");
            match gw_oauth::UserFlow::new(tenant, &http, callback)
                .revoke(&refresh_token)
                .await
            {
                Ok(()) => {
                    println!("Revoked its refresh token at Auth0.");
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprintln!(
                        "The gateway no longer uses the connection, but revoking its refresh token at Auth0 failed: {error}. Revoke the user's grant in the Auth0 dashboard (Users → the user → Authorized Applications)."
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
