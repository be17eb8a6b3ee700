//! The store as the OAuth crate's token vault.

use gw_oauth::{ConnectionVault, UserTokens, VaultEntry, VaultError};

use super::{ConnectionStatus, Store};

/// The store seen through [`ConnectionVault`], for the user-token provider.
pub struct StoreVault(pub Store);

#[async_trait::async_trait]
impl ConnectionVault for StoreVault {
    async fn load(&self, connection: &str) -> Result<VaultEntry, VaultError> {
        let found = self
            .0
            .connection_tokens(connection)
            .await
            .map_err(|e| VaultError(e.to_string()))?;
        Ok(match found {
            None => VaultEntry::Gone,
            Some((record, tokens)) => match (record.status, tokens) {
                (ConnectionStatus::Revoked, _) => VaultEntry::Gone,
                (ConnectionStatus::NeedsReconnect(reason), _) => {
                    VaultEntry::NeedsReconnect { reason }
                }
                (ConnectionStatus::Active, Some(tokens)) => VaultEntry::Active(tokens),
                (ConnectionStatus::Active, None) => VaultEntry::NeedsReconnect {
                    reason: "the connection holds no token of its own (it was made while the tenant used client_credentials)".to_owned(),
                },
            },
        })
    }

    async fn save_refreshed(
        &self,
        connection: &str,
        tokens: &UserTokens,
    ) -> Result<(), VaultError> {
        self.0
            .save_refreshed_tokens(connection, tokens)
            .await
            .map_err(|e| VaultError(e.to_string()))
    }

    async fn mark_needs_reconnect(&self, connection: &str, reason: &str) -> Result<(), VaultError> {
        self.0
            .mark_needs_reconnect(connection, reason)
            .await
            .map_err(|e| VaultError(e.to_string()))
    }
}
