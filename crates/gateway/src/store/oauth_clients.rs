//! MCP clients registered with the gateway's authorization server (RFC 7591).

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
    pub async fn register_client(
        &self,
        new: NewClient,
    ) -> Result<Option<(OAuthClient, Option<String>)>, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oauth_clients")
            .fetch_one(self.pool())
            .await?;
        if count >= MAX_CLIENTS {
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

    pub async fn oauth_client(&self, client_id: &str) -> Result<Option<OAuthClient>, StoreError> {
        let row = sqlx::query("SELECT * FROM oauth_clients WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|row| OAuthClient {
            client_id: row.get("client_id"),
            auth_method: row.get("auth_method"),
            client_name: row.get("client_name"),
            redirect_uris: serde_json::from_str(&row.get::<String, _>("redirect_uris"))
                .unwrap_or_default(),
            created_at: row.get("created_at"),
            secret_hash: row.get("secret_hash"),
        }))
    }
}
