//! `mcp-gateway connections list|revoke`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use gw_store::{ConnectionStatus, unix_now};

use crate::cli::ConnectionsCommand;
use crate::config::Config;
use crate::connection_revocation::{AtAuth0, REVOKE_BY_HAND, revoke_connection};
use crate::tenant_directory::{Upstream, portal_tenant_settings};

pub(super) async fn execute(
    config: &Path,
    command: ConnectionsCommand,
) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    match command {
        ConnectionsCommand::List { tenant } => {
            let store = super::open_store(&config.store).await?;
            let now = unix_now();
            for c in store.list_connections(tenant.as_deref()).await? {
                let state = match &c.status {
                    ConnectionStatus::Active => "active".to_owned(),
                    ConnectionStatus::Revoked => "revoked".to_owned(),
                    ConnectionStatus::NeedsReconnect(reason) => {
                        format!("needs reconnect ({reason})")
                    }
                    ConnectionStatus::Suspended(reason) => format!("suspended ({reason})"),
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
        ConnectionsCommand::Revoke { id } => {
            let store = super::open_store(&config.store).await?;
            let record = store
                .connection(&id)
                .await?
                .with_context(|| format!("no connection `{id}`"))?;
            // The tenant's settings, from gateway.toml or from the portal.
            let tenant = match config.tenant(&record.tenant) {
                Some(settings) => Some(settings.clone()),
                None if store.can_hold_tokens() => store
                    .stored_tenant(&record.tenant)
                    .await?
                    .map(|stored| portal_tenant_settings(&stored, &Upstream::Auth0)),
                None => None,
            };
            let http = gw_oauth::OAuthHttp::new(std::time::Duration::from_secs(30));
            let callback =
                gw_mcp::tenant_runtime::join(&config.server.public_url, "integration-callback");
            let Some(at_auth0) =
                revoke_connection(&store, tenant.as_ref(), &http, callback, &id).await?
            else {
                println!("Connection {id} was already revoked.");
                return Ok(ExitCode::SUCCESS);
            };
            println!(
                "Revoked connection {id} ({}); its access keys no longer work.",
                record.display_name()
            );
            match at_auth0 {
                AtAuth0::NothingToRevoke => Ok(ExitCode::SUCCESS),
                AtAuth0::Revoked => {
                    println!("Revoked its refresh token at Auth0.");
                    Ok(ExitCode::SUCCESS)
                }
                AtAuth0::Failed(why) => {
                    eprintln!(
                        "The gateway no longer uses the connection, but revoking its refresh token at Auth0 failed: {why}. {REVOKE_BY_HAND}"
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
