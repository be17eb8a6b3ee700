//! `mcp-gateway oauth-clients list|remove`: the MCP clients that registered themselves with the
//! gateway's authorization server (`/register` is open to anyone, so operators need to see and
//! prune them).

use std::path::Path;
use std::process::ExitCode;

use gw_store::unix_now;

use crate::cli::OAuthClientsCommand;
use crate::config::Config;
use crate::http::oauth_server::client_name;

pub(super) async fn execute(
    config: &Path,
    command: OAuthClientsCommand,
) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    match command {
        OAuthClientsCommand::List => {
            let store = config.store.open().await?;
            let now = unix_now();
            for client in store.list_clients().await? {
                let state = match client.authorized_at {
                    Some(_) => "authorized".to_owned(),
                    None => {
                        let left = client.created_at + config.retention.unused_client_secs - now;
                        format!(
                            "never authorized, expires in {} h",
                            (left.max(0) + 3599) / 3600
                        )
                    }
                };
                println!(
                    "{}  {}  {}  {}  registered {}  {}",
                    client.client_id,
                    client
                        .client_name
                        .as_deref()
                        .map_or_else(|| "(unnamed)".to_owned(), client_name::visible),
                    if client.is_public() {
                        "public"
                    } else {
                        "confidential"
                    },
                    state,
                    date(client.created_at),
                    client.redirect_uris.join(" "),
                );
            }
        }
        OAuthClientsCommand::Remove { id } => {
            let store = config.store.open().await?;
            if store.remove_client(&id).await? {
                println!("Removed {id}; the tokens it was given no longer work.");
            } else {
                eprintln!("No registered client with id {id}.");
                return Ok(ExitCode::from(2));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}
