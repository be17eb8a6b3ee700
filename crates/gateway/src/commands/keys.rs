//! `mcp-gateway keys create|list|revoke`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use gw_oauth::ScopeSet;
use gw_store::{NewKey, Store, unix_now};

use crate::cli::KeysCommand;
use crate::config::Config;

pub(super) async fn execute(config: &Path, command: KeysCommand) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    match command {
        KeysCommand::Create {
            tenant,
            scopes,
            name,
            expires,
        } => {
            let Some(settings) = config.tenant(&tenant) else {
                bail!("no tenant named `{tenant}` in the configuration")
            };
            if settings.grant == gw_oauth::GrantMode::AuthorizationCode {
                bail!(
                    "tenant `{tenant}` uses grant = \"authorization_code\": calls need a connected user's own token, so a key must belong to a connection. Have the user open {}connect/{tenant}; the page shows their key",
                    config.server.public_url
                );
            }
            let scopes = ScopeSet::parse_list(&scopes)?;
            let beyond = scopes.difference(settings.scopes);
            if !beyond.is_empty() {
                bail!(
                    "tenant `{tenant}` does not allow {}: a key can hold at most the tenant's scopes",
                    beyond.names().join(", ")
                );
            }
            super::announce_store(&config.store);
            let store = Store::open_with(&config.store.url, config.store.options).await?;
            let expires_at = expires.map(|days| unix_now() + i64::from(days) * 86_400);
            let (record, key) = store
                .create_key(NewKey {
                    tenant,
                    name,
                    scopes,
                    expires_at,
                    connection_id: None,
                })
                .await?;
            println!(
                "Created access key {} for tenant {} with scopes: {}",
                record.id, record.tenant, record.scopes
            );
            println!("Access key: {}", key.expose_secret());
            println!(
                "It is shown only this once. Send it as `Authorization: Bearer <key>` to {}mcp",
                config.server.public_url
            );
        }
        KeysCommand::List { tenant } => {
            super::announce_store(&config.store);
            let store = Store::open_with(&config.store.url, config.store.options).await?;
            let now = unix_now();
            for key in store.list_keys(tenant.as_deref()).await? {
                let state = match (key.revoked_at, key.expires_at) {
                    (Some(_), _) => "revoked",
                    (None, Some(at)) if at <= now => "expired",
                    _ => "active",
                };
                println!(
                    "{}  {}…  {}  {}  {}  [{}]",
                    key.id, key.prefix, key.tenant, key.name, state, key.scopes
                );
            }
        }
        KeysCommand::Revoke { id } => {
            super::announce_store(&config.store);
            let store = Store::open_with(&config.store.url, config.store.options).await?;
            if store.revoke_key(&id).await? {
                println!("Revoked {id}.");
            } else {
                eprintln!("No active key with id {id}.");
                return Ok(ExitCode::from(2));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
