//! The store as the OAuth crate's token vault.

use gw_oauth::{ConnectionVault, RefreshLock, UserTokens, VaultEntry, VaultError};
use sha2::{Digest, Sha256};

use super::{Backend, ConnectionStatus, Store};

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
                (ConnectionStatus::Suspended(reason), _) => VaultEntry::NeedsReconnect {
                    reason: format!("the connection is suspended: {reason}"),
                },
                (ConnectionStatus::Active, Some(tokens)) => VaultEntry::Active(tokens),
                (ConnectionStatus::Active, None) => VaultEntry::NeedsReconnect {
                    reason: "the connection holds no token of its own (it was made while the tenant used client_credentials)".to_owned(),
                },
            },
        })
    }

    /// On PostgreSQL, a transaction-scoped advisory lock per connection, held by an open
    /// transaction until the guard is dropped (which rolls it back and releases the lock). A
    /// SQLite store belongs to one process, whose in-memory single flight is enough.
    async fn lock_for_refresh(&self, connection: &str) -> Result<RefreshLock, VaultError> {
        if self.0.backend() != Backend::Postgres {
            return Ok(RefreshLock(None));
        }
        let digest = Sha256::digest(connection.as_bytes());
        let key = i64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 has 8 bytes"));
        let mut tx = self
            .0
            .pool()
            .begin()
            .await
            .map_err(|e| VaultError(e.to_string()))?;
        sqlx::query("SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock($1)) AS l")
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(|e| VaultError(e.to_string()))?;
        Ok(RefreshLock(Some(Box::new(tx))))
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
