//! Re-sealing every secret in the store under a new encryption key, in one transaction: either
//! everything moves to the new key or nothing does.

use gw_oauth::TokenCipher;
use sqlx::Row;

use super::{KEY_CHECK, KEY_CHECK_CONTEXT, Store, StoreError};

/// How many sealed values moved.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rekeyed {
    pub tokens: usize,
    pub pending: usize,
    /// Client secrets of tenants added in the operator portal.
    pub secrets: usize,
}

impl Store {
    /// Re-seals every token, pending verifier and portal tenant's client secret under `new`; the store must have been opened
    /// with its current key. Afterwards only `new` opens it.
    pub async fn rekey(&self, new: &TokenCipher) -> Result<Rekeyed, StoreError> {
        let old = self.cipher()?;
        let mut moved = Rekeyed::default();
        let reseal = |sealed: &[u8], context: &str| -> Result<Vec<u8>, StoreError> {
            let plain = old
                .open(sealed, context)
                .map_err(|_| StoreError::Undecryptable(context.to_owned()))?;
            Ok(new.seal(&plain, context))
        };
        let mut tx = self.pool().begin().await?;
        let rows = sqlx::query("SELECT id, access_token, refresh_token FROM connections")
            .fetch_all(&mut *tx)
            .await?;
        for row in rows {
            let id: String = row.get("id");
            for column in ["access_token", "refresh_token"] {
                let Some(sealed) = row.get::<Option<Vec<u8>>, _>(column) else {
                    continue;
                };
                let resealed = reseal(&sealed, &format!("connections:{id}:{column}"))?;
                sqlx::query(&format!(
                    "UPDATE connections SET {column} = $1 WHERE id = $2"
                ))
                .bind(resealed)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
                moved.tokens += 1;
            }
        }
        let rows = sqlx::query(
            "SELECT state_hash, verifier FROM pending_authorizations WHERE used_at IS NULL",
        )
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            let hash: String = row.get("state_hash");
            let resealed = reseal(
                &row.get::<Vec<u8>, _>("verifier"),
                &format!("pending:{hash}:verifier"),
            )?;
            sqlx::query("UPDATE pending_authorizations SET verifier = $1 WHERE state_hash = $2")
                .bind(resealed)
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
            moved.pending += 1;
        }
        let rows = sqlx::query("SELECT name, client_secret FROM tenants")
            .fetch_all(&mut *tx)
            .await?;
        for row in rows {
            let name: String = row.get("name");
            let resealed = reseal(
                &row.get::<Vec<u8>, _>("client_secret"),
                &format!("tenants:{name}:client_secret"),
            )?;
            sqlx::query("UPDATE tenants SET client_secret = $1 WHERE name = $2")
                .bind(resealed)
                .bind(&name)
                .execute(&mut *tx)
                .await?;
            moved.secrets += 1;
        }
        sqlx::query("UPDATE store_meta SET value = $1 WHERE name = 'key_check'")
            .bind(new.seal(KEY_CHECK, KEY_CHECK_CONTEXT))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(moved)
    }
}
