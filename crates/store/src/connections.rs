//! Connections: a user who signed in to a tenant through the gateway, with their tokens sealed.
//! One live connection per (tenant, user): connecting again (to renew, or to consent to more
//! scopes) updates it, so the keys bound to it keep working and gain what was granted. A revoked
//! connection stays revoked: connecting after a revocation starts a new connection (a new id), so
//! nothing bound to the old one (keys, OAuth codes and tokens) can come back.

use gw_oauth::{ScopeSet, UserIdentity, UserTokens};
use rand::distr::{Alphanumeric, SampleString};
use secrecy::{ExposeSecret, SecretString};
use sqlx::Row;

use super::{Store, StoreError, unix_now};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum ConnectionStatus {
    Active,
    NeedsReconnect(String),
    Revoked,
    /// The user behind a `client_credentials` connection is blocked in Auth0 or gone (see the
    /// gateway's `user_check.rs`); the connection works again if a later check finds the user
    /// usable.
    Suspended(String),
}

/// A connection as lists and principals see it: no tokens.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectionRecord {
    pub id: String,
    pub tenant: String,
    pub user_id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    /// What Auth0 granted, as it wrote it.
    pub granted: String,
    pub status: ConnectionStatus,
    /// Unix seconds the access token expires at, when the connection holds one.
    pub expires_at: Option<i64>,
    pub has_refresh_token: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ConnectionRecord {
    pub fn granted_scopes(&self) -> ScopeSet {
        ScopeSet::from_auth0_grant(&self.granted)
    }

    /// How to name the user to people: the email when there is one.
    pub fn display_name(&self) -> &str {
        self.email.as_deref().unwrap_or(&self.user_id)
    }
}

/// What the callback stores.
pub struct NewConnection<'a> {
    pub tenant: &'a str,
    pub identity: &'a UserIdentity,
    pub tokens: &'a UserTokens,
    /// Keep the tokens (calls use them) or only the grant (calls use the machine token).
    pub keep_tokens: bool,
}

fn sealed_context(connection: &str, column: &str) -> String {
    format!("connections:{connection}:{column}")
}

impl Store {
    /// Stores a connection, or renews the user's live (not revoked) one on this tenant; returns it.
    pub async fn save_connection(
        &self,
        new: NewConnection<'_>,
    ) -> Result<ConnectionRecord, StoreError> {
        let cipher = self.cipher()?;
        // No transaction: on SQLite a read followed by a write in one deferred transaction fails
        // at once if another writer committed in between. The upsert's own guard covers the race
        // that matters (the connection revoked after it was read).
        let live: Option<String> = sqlx::query_scalar(
            "SELECT id FROM connections WHERE tenant = $1 AND user_id = $2 AND status <> 'revoked'",
        )
        .bind(new.tenant)
        .bind(&new.identity.user_id)
        .fetch_optional(self.pool())
        .await?;
        let mut id = live.unwrap_or_else(new_connection_id);
        let now = unix_now();
        loop {
            let (access, refresh, expires_at) = if new.keep_tokens {
                (
                    Some(cipher.seal(
                        new.tokens.access_token.expose_secret().as_bytes(),
                        &sealed_context(&id, "access_token"),
                    )),
                    new.tokens.refresh_token.as_ref().map(|t| {
                        cipher.seal(
                            t.expose_secret().as_bytes(),
                            &sealed_context(&id, "refresh_token"),
                        )
                    }),
                    Some(new.tokens.expires_at),
                )
            } else {
                (None, None, None)
            };
            // The update leaves a revoked row alone (it may have been revoked since it was read):
            // then nothing is written and the user gets a new connection instead.
            let written = sqlx::query(
                "INSERT INTO connections (id, tenant, user_id, email, email_verified, granted, access_token, refresh_token, expires_at, status, status_reason, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', NULL, $10, $11)
                 ON CONFLICT (id) DO UPDATE SET email = excluded.email, email_verified = excluded.email_verified,
                    granted = excluded.granted, access_token = excluded.access_token, refresh_token = excluded.refresh_token,
                    expires_at = excluded.expires_at, status = 'active', status_reason = NULL, updated_at = excluded.updated_at
                 WHERE connections.status <> 'revoked'",
            )
            .bind(&id)
            .bind(new.tenant)
            .bind(&new.identity.user_id)
            .bind(&new.identity.email)
            .bind(i64::from(new.identity.email_verified))
            .bind(&new.tokens.granted)
            .bind(access)
            .bind(refresh)
            .bind(expires_at)
            .bind(now)
            .bind(now)
            .execute(self.pool())
            .await?
            .rows_affected();
            if written > 0 {
                break;
            }
            id = new_connection_id();
        }
        self.credentials_changed();
        self.connection(&id)
            .await?
            .ok_or_else(|| StoreError::Query(sqlx::Error::RowNotFound))
    }

    pub async fn connection(&self, id: &str) -> Result<Option<ConnectionRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM connections WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(record))
    }

    /// Every connection, newest first, optionally for one tenant.
    pub async fn list_connections(
        &self,
        tenant: Option<&str>,
    ) -> Result<Vec<ConnectionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM connections WHERE (CAST($1 AS TEXT) IS NULL OR tenant = $2) ORDER BY created_at DESC, id",
        )
        .bind(tenant)
        .bind(tenant)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(record).collect())
    }

    /// The connection's tokens, opened. `None` for the access token when the connection keeps none.
    pub(crate) async fn connection_tokens(
        &self,
        id: &str,
    ) -> Result<Option<(ConnectionRecord, Option<UserTokens>)>, StoreError> {
        let Some(row) = sqlx::query("SELECT * FROM connections WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let record = record(&row);
        let access: Option<Vec<u8>> = row.get("access_token");
        let Some(access) = access else {
            return Ok(Some((record, None)));
        };
        let cipher = self.cipher()?;
        let open = |sealed: &[u8], column: &str| {
            cipher
                .open_string(sealed, &sealed_context(id, column))
                .map_err(|_| StoreError::Undecryptable(format!("connection {id}, {column}")))
        };
        let refresh: Option<Vec<u8>> = row.get("refresh_token");
        let tokens = UserTokens {
            access_token: gw_oauth::AccessToken::new(open(&access, "access_token")?),
            refresh_token: match refresh {
                Some(sealed) => Some(SecretString::from(open(&sealed, "refresh_token")?)),
                None => None,
            },
            expires_at: record.expires_at.unwrap_or(0),
            granted: record.granted.clone(),
            // Checked once at sign-in and never stored.
            id_token: None,
        };
        Ok(Some((record, Some(tokens))))
    }

    /// Replaces a connection's tokens after a refresh (the rotated refresh token included).
    pub(crate) async fn save_refreshed_tokens(
        &self,
        id: &str,
        tokens: &UserTokens,
    ) -> Result<(), StoreError> {
        let cipher = self.cipher()?;
        let refresh = tokens.refresh_token.as_ref().map(|t| {
            cipher.seal(
                t.expose_secret().as_bytes(),
                &sealed_context(id, "refresh_token"),
            )
        });
        sqlx::query(
            "UPDATE connections SET access_token = $1, refresh_token = $2, expires_at = $3, granted = $4, updated_at = $5 WHERE id = $6 AND status = 'active'",
        )
        .bind(cipher.seal(
            tokens.access_token.expose_secret().as_bytes(),
            &sealed_context(id, "access_token"),
        ))
        .bind(refresh)
        .bind(tokens.expires_at)
        .bind(&tokens.granted)
        .bind(unix_now())
        .bind(id)
        .execute(self.pool())
        .await?;
        self.credentials_changed();
        Ok(())
    }

    /// Marks a connection as needing the user to connect again; its tokens are useless now.
    pub(crate) async fn mark_needs_reconnect(
        &self,
        id: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE connections SET status = 'needs_reconnect', status_reason = $1, access_token = NULL, refresh_token = NULL, updated_at = $2 WHERE id = $3 AND status = 'active'",
        )
        .bind(reason)
        .bind(unix_now())
        .bind(id)
        .execute(self.pool())
        .await?;
        self.credentials_changed();
        Ok(())
    }

    /// Revokes a connection: its tokens are erased, and every key, OAuth token and unredeemed
    /// OAuth code bound to it stops working, in one transaction. Returns the refresh token it held
    /// (to revoke at Auth0 too), or `None` when the connection is unknown or already revoked.
    pub async fn revoke_connection(
        &self,
        id: &str,
    ) -> Result<Option<Option<SecretString>>, StoreError> {
        let refresh = match self.connection_tokens(id).await? {
            None => return Ok(None),
            Some((record, _)) if record.status == ConnectionStatus::Revoked => return Ok(None),
            Some((_, tokens)) => tokens.and_then(|t| t.refresh_token),
        };
        let now = unix_now();
        let mut tx = self.pool().begin().await?;
        let revoked = sqlx::query(
            "UPDATE connections SET status = 'revoked', status_reason = NULL, access_token = NULL, refresh_token = NULL, updated_at = $1 WHERE id = $2 AND status <> 'revoked'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if revoked == 0 {
            // Revoked by someone else since it was read.
            tx.rollback().await?;
            return Ok(None);
        }
        sqlx::query(
            "UPDATE access_keys SET revoked_at = $1 WHERE connection_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE oauth_tokens SET revoked_at = $1 WHERE connection_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM oauth_codes WHERE connection_id = $1 AND used_at IS NULL")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.credentials_changed();
        Ok(Some(refresh))
    }
}

/// What the periodic check of a connection's user writes (the gateway's `user_check.rs`).
impl Store {
    /// Suspends an active (or re-words a suspended) connection: its keys and tokens are refused
    /// with `reason` until [`Store::reinstate_connection`]. Says whether a row changed.
    pub async fn suspend_connection(&self, id: &str, reason: &str) -> Result<bool, StoreError> {
        let changed = sqlx::query(
            "UPDATE connections SET status = 'suspended', status_reason = $1, updated_at = $2 WHERE id = $3 AND status IN ('active', 'suspended')",
        )
        .bind(reason)
        .bind(unix_now())
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
        if changed > 0 {
            self.credentials_changed();
        }
        Ok(changed > 0)
    }

    /// Makes a suspended connection active again (a revoked one stays revoked).
    pub async fn reinstate_connection(&self, id: &str) -> Result<bool, StoreError> {
        let changed = sqlx::query(
            "UPDATE connections SET status = 'active', status_reason = NULL, updated_at = $1 WHERE id = $2 AND status = 'suspended'",
        )
        .bind(unix_now())
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
        if changed > 0 {
            self.credentials_changed();
        }
        Ok(changed > 0)
    }

    /// Keeps the email Auth0 now holds for the connection's user, which the operator's policy
    /// matches on.
    pub async fn update_connection_email(
        &self,
        id: &str,
        email: Option<&str>,
        email_verified: bool,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE connections SET email = $1, email_verified = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(email)
        .bind(i64::from(email_verified))
        .bind(unix_now())
        .bind(id)
        .execute(self.pool())
        .await?;
        self.credentials_changed();
        Ok(())
    }
}

fn new_connection_id() -> String {
    format!(
        "con_{}",
        Alphanumeric
            .sample_string(&mut rand::rng(), 16)
            .to_lowercase()
    )
}

fn record(row: &sqlx::any::AnyRow) -> ConnectionRecord {
    let status: String = row.get("status");
    let reason: Option<String> = row.get("status_reason");
    let refresh: Option<Vec<u8>> = row.get("refresh_token");
    ConnectionRecord {
        id: row.get("id"),
        tenant: row.get("tenant"),
        user_id: row.get("user_id"),
        email: row.get("email"),
        email_verified: row.get::<i64, _>("email_verified") != 0,
        granted: row.get("granted"),
        status: match status.as_str() {
            "active" => ConnectionStatus::Active,
            "revoked" => ConnectionStatus::Revoked,
            "suspended" => ConnectionStatus::Suspended(reason.unwrap_or_default()),
            _ => ConnectionStatus::NeedsReconnect(reason.unwrap_or_default()),
        },
        expires_at: row.get("expires_at"),
        has_refresh_token: refresh.is_some(),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }
}
