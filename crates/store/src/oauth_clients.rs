//! MCP clients registered with the gateway's authorization server (RFC 7591). Registration is
//! open to anyone who can reach the gateway, so a registration that never leads to an
//! authorization expires (see `retention.rs`), and operators can list and remove them
//! (`mcp-gateway oauth-clients`).

use rand::distr::{Alphanumeric, SampleString};
use sqlx::Row;

use super::{Store, StoreError, unix_now};

/// Most registrations kept: dynamic registration is open to anyone who can reach the gateway.
const MAX_CLIENTS: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub client_id: String,
    /// `none`, `client_secret_post` or `client_secret_basic`.
    pub auth_method: String,
    pub client_name: Option<String>,
    pub redirect_uris: Vec<String>,
    pub created_at: i64,
    /// When a user first authorized it (a code was issued); `None`: never, so it may expire and
    /// its errors are not sent to its redirect URI (it could be anyone's).
    pub authorized_at: Option<i64>,
    secret_hash: Option<String>,
}

impl OAuthClient {
    /// Whether the presented secret is this client's (public clients have none to present).
    pub fn secret_matches(&self, presented: Option<&str>) -> bool {
        match (&self.secret_hash, presented) {
            (None, _) => true,
            (Some(hash), Some(secret)) => *hash == hash_secret(secret),
            (Some(_), None) => false,
        }
    }

    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }
}

pub struct NewClient {
    pub auth_method: String,
    pub client_name: Option<String>,
    pub redirect_uris: Vec<String>,
}

fn hash_secret(secret: &str) -> String {
    super::sha256_hex(secret)
}

impl Store {
    /// Registers a client; returns it and, for confidential clients, its secret (shown once).
    /// `None` when the store holds as many registrations as it accepts, even after removing those
    /// older than `unused_ttl_secs` that never completed an authorization.
    pub async fn register_client(
        &self,
        new: NewClient,
        unused_ttl_secs: i64,
    ) -> Result<Option<(OAuthClient, Option<String>)>, StoreError> {
        if !self.room_for_a_client(unused_ttl_secs).await? {
            return Ok(None);
        }
        let client_id = format!("mcpc_{}", Alphanumeric.sample_string(&mut rand::rng(), 24));
        let secret = (new.auth_method != "none")
            .then(|| format!("mcpcs_{}", Alphanumeric.sample_string(&mut rand::rng(), 40)));
        let client = OAuthClient {
            client_id,
            auth_method: new.auth_method,
            client_name: new.client_name,
            redirect_uris: new.redirect_uris,
            created_at: unix_now(),
            authorized_at: None,
            secret_hash: secret.as_deref().map(hash_secret),
        };
        sqlx::query(
            "INSERT INTO oauth_clients (client_id, secret_hash, auth_method, client_name, redirect_uris, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&client.client_id)
        .bind(&client.secret_hash)
        .bind(&client.auth_method)
        .bind(&client.client_name)
        .bind(serde_json::to_string(&client.redirect_uris).unwrap_or_default())
        .bind(client.created_at)
        .execute(self.pool())
        .await?;
        Ok(Some((client, secret)))
    }

    /// The client named by a metadata document's URL (`client_id`), kept in step with the
    /// document: added when first seen, its name and redirect URIs updated when they changed.
    /// Such clients are public (the document is public) and, like registrations, expire unless
    /// a user authorizes them. `None` when the store holds as many clients as it accepts.
    pub async fn metadata_client(
        &self,
        document: NewClient,
        client_id: &str,
        unused_ttl_secs: i64,
    ) -> Result<Option<OAuthClient>, StoreError> {
        if let Some(known) = self.oauth_client(client_id).await? {
            if known.client_name == document.client_name
                && known.redirect_uris == document.redirect_uris
            {
                return Ok(Some(known));
            }
            sqlx::query(
                "UPDATE oauth_clients SET client_name = $1, redirect_uris = $2 WHERE client_id = $3",
            )
            .bind(&document.client_name)
            .bind(serde_json::to_string(&document.redirect_uris).unwrap_or_default())
            .bind(client_id)
            .execute(self.pool())
            .await?;
            return self.oauth_client(client_id).await;
        }
        if !self.room_for_a_client(unused_ttl_secs).await? {
            return Ok(None);
        }
        // Another replica may add the same client meanwhile: the document decides either way.
        sqlx::query(
            "INSERT INTO oauth_clients (client_id, secret_hash, auth_method, client_name, redirect_uris, created_at) VALUES ($1, NULL, 'none', $2, $3, $4) \
             ON CONFLICT (client_id) DO UPDATE SET client_name = excluded.client_name, redirect_uris = excluded.redirect_uris",
        )
        .bind(client_id)
        .bind(&document.client_name)
        .bind(serde_json::to_string(&document.redirect_uris).unwrap_or_default())
        .bind(unix_now())
        .execute(self.pool())
        .await?;
        self.oauth_client(client_id).await
    }

    pub async fn oauth_client(&self, client_id: &str) -> Result<Option<OAuthClient>, StoreError> {
        let row = sqlx::query("SELECT * FROM oauth_clients WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(client_from))
    }

    /// Every registration, oldest first.
    pub async fn list_clients(&self) -> Result<Vec<OAuthClient>, StoreError> {
        let rows = sqlx::query("SELECT * FROM oauth_clients ORDER BY created_at, client_id")
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(client_from).collect())
    }

    /// Whether another client may be kept, after removing those older than `unused_ttl_secs`
    /// that never completed an authorization if the store is full.
    async fn room_for_a_client(&self, unused_ttl_secs: i64) -> Result<bool, StoreError> {
        if self.count_clients().await? < MAX_CLIENTS {
            return Ok(true);
        }
        let removed = self
            .remove_unused_clients(unix_now() - unused_ttl_secs)
            .await?;
        if removed > 0 {
            tracing::info!(removed, "removed client registrations that were never used");
        }
        Ok(self.count_clients().await? < MAX_CLIENTS)
    }

    async fn count_clients(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM oauth_clients")
            .fetch_one(self.pool())
            .await?)
    }

    /// Notes that a user authorized the client (a code was issued): it is kept from now on.
    pub(crate) async fn mark_client_authorized(&self, client_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE oauth_clients SET authorized_at = $1 WHERE client_id = $2 AND authorized_at IS NULL",
        )
        .bind(unix_now())
        .bind(client_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Removes a registration and revokes everything it was given: its tokens stop working at
    /// once, its unused codes and pending requests are dropped. `false` when there was none.
    pub async fn remove_client(&self, client_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE oauth_tokens SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL",
        )
        .bind(unix_now())
        .bind(client_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM oauth_codes WHERE client_id = $1 AND used_at IS NULL")
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM oauth_requests WHERE client_id = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        let removed = sqlx::query("DELETE FROM oauth_clients WHERE client_id = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        self.credentials_changed();
        Ok(removed > 0)
    }

    /// Removes registrations made before `created_before` that never completed an authorization
    /// and have no authorization in progress; returns how many.
    pub(crate) async fn remove_unused_clients(
        &self,
        created_before: i64,
    ) -> Result<u64, StoreError> {
        let now = unix_now();
        let mut tx = self.pool().begin().await?;
        // Their expired requests go first (they reference the registration).
        sqlx::query(
            "DELETE FROM oauth_requests WHERE expires_at <= $1 AND client_id IN \
             (SELECT client_id FROM oauth_clients WHERE authorized_at IS NULL AND created_at < $2)",
        )
        .bind(now)
        .bind(created_before)
        .execute(&mut *tx)
        .await?;
        let removed = sqlx::query(
            "DELETE FROM oauth_clients WHERE authorized_at IS NULL AND created_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM oauth_requests r WHERE r.client_id = oauth_clients.client_id)",
        )
        .bind(created_before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(removed)
    }
}

fn client_from(row: &sqlx::any::AnyRow) -> OAuthClient {
    OAuthClient {
        client_id: row.get("client_id"),
        auth_method: row.get("auth_method"),
        client_name: row.get("client_name"),
        redirect_uris: serde_json::from_str(&row.get::<String, _>("redirect_uris"))
            .unwrap_or_default(),
        created_at: row.get("created_at"),
        authorized_at: row.get("authorized_at"),
        secret_hash: row.get("secret_hash"),
    }
}
