//! Operator portal credentials: admin keys (`mcpadm_…`, kept as SHA-256 only) and the browser
//! sessions signed in with them (the cookie value kept as SHA-256 only).

use rand::distr::{Alphanumeric, SampleString};
use secrecy::{ExposeSecret, SecretString};
use sqlx::Row;

use super::{Store, StoreError, sha256_hex, unix_now};

const PREFIX: &str = "mcpadm_";

/// How long a portal sign-in lasts.
pub const ADMIN_SESSION_SECS: i64 = 12 * 3600;

/// An admin key or a session cookie value. `Debug` redacts it.
#[derive(Debug, Clone)]
pub struct AdminSecret(SecretString);

impl AdminSecret {
    pub fn from_presented(value: &str) -> AdminSecret {
        AdminSecret(SecretString::from(value.trim().to_owned()))
    }

    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    fn random(prefix: &str) -> AdminSecret {
        AdminSecret(SecretString::from(format!(
            "{prefix}{}",
            Alphanumeric.sample_string(&mut rand::rng(), 43)
        )))
    }

    fn hash(&self) -> String {
        sha256_hex(self.0.expose_secret())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminKeyRecord {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A signed-in portal browser: which admin key signed it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSession {
    pub admin_key_id: String,
    pub admin_name: String,
}

impl Store {
    /// Makes an admin key; the only time the key itself is available.
    pub async fn create_admin_key(
        &self,
        name: &str,
    ) -> Result<(AdminKeyRecord, AdminSecret), StoreError> {
        let key = AdminSecret::random(PREFIX);
        let record = AdminKeyRecord {
            id: format!(
                "adm_{}",
                Alphanumeric
                    .sample_string(&mut rand::rng(), 16)
                    .to_lowercase()
            ),
            name: name.to_owned(),
            prefix: key.expose_secret().chars().take(PREFIX.len() + 4).collect(),
            created_at: unix_now(),
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO admin_keys (id, name, key_hash, key_prefix, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&record.id)
        .bind(&record.name)
        .bind(key.hash())
        .bind(&record.prefix)
        .bind(record.created_at)
        .execute(self.pool())
        .await?;
        Ok((record, key))
    }

    pub async fn list_admin_keys(&self) -> Result<Vec<AdminKeyRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM admin_keys ORDER BY created_at DESC, id")
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(|row| AdminKeyRecord {
                id: row.get("id"),
                name: row.get("name"),
                prefix: row.get("key_prefix"),
                created_at: row.get("created_at"),
                revoked_at: row.get("revoked_at"),
            })
            .collect())
    }

    /// Revokes an admin key and ends every portal session it signed in.
    pub async fn revoke_admin_key(&self, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE admin_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(unix_now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM admin_sessions WHERE admin_key_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Signs a browser in with `key`: the new session's cookie value, or `None` for a key that is
    /// unknown or revoked.
    pub async fn open_admin_session(
        &self,
        key: &AdminSecret,
    ) -> Result<Option<AdminSecret>, StoreError> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT id FROM admin_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(key.hash())
        .fetch_optional(self.pool())
        .await?;
        let Some(id) = id else {
            return Ok(None);
        };
        let session = AdminSecret::random("");
        let now = unix_now();
        sqlx::query(
            "INSERT INTO admin_sessions (id_hash, admin_key_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(session.hash())
        .bind(&id)
        .bind(now)
        .bind(now + ADMIN_SESSION_SECS)
        .execute(self.pool())
        .await?;
        // Expired sessions are of no use to anyone; sweeping them here keeps the table small.
        sqlx::query("DELETE FROM admin_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(Some(session))
    }

    /// The live session a cookie value belongs to.
    pub async fn admin_session(
        &self,
        cookie: &AdminSecret,
    ) -> Result<Option<AdminSession>, StoreError> {
        let row = sqlx::query(
            "SELECT s.admin_key_id, k.name FROM admin_sessions s JOIN admin_keys k ON k.id = s.admin_key_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND k.revoked_at IS NULL",
        )
        .bind(cookie.hash())
        .bind(unix_now())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| AdminSession {
            admin_key_id: row.get("admin_key_id"),
            admin_name: row.get("name"),
        }))
    }

    pub async fn close_admin_session(&self, cookie: &AdminSecret) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM admin_sessions WHERE id_hash = $1")
            .bind(cookie.hash())
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
