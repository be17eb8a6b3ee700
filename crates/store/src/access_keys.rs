//! Access keys: bearer credentials for agents, each bound to one tenant and a set of scopes.
//! A key is `mcpgw_` followed by 40 random characters; the store keeps only its SHA-256, so a
//! leaked database reveals no usable key, and lookups by hash need no constant-time compare.

use gw_oauth::ScopeSet;
use rand::distr::{Alphanumeric, SampleString};
use secrecy::{ExposeSecret, SecretString};
use sqlx::Row;

use super::{Store, StoreError, unix_now};

const PREFIX: &str = "mcpgw_";

/// A key as presented by a client. `Debug` redacts it.
#[derive(Debug, Clone)]
pub struct AccessKey(SecretString);

impl AccessKey {
    fn generate() -> AccessKey {
        AccessKey(SecretString::from(format!(
            "{PREFIX}{}",
            Alphanumeric.sample_string(&mut rand::rng(), 40)
        )))
    }

    pub fn from_presented(value: &str) -> AccessKey {
        AccessKey(SecretString::from(value.to_owned()))
    }

    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    fn hash(&self) -> String {
        super::sha256_hex(self.0.expose_secret())
    }

    /// Enough of the key to recognise it in a list, not enough to use it.
    fn display_prefix(&self) -> String {
        self.0
            .expose_secret()
            .chars()
            .take(PREFIX.len() + 4)
            .collect()
    }
}

/// What `keys create` asks for.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub tenant: String,
    pub name: String,
    pub scopes: ScopeSet,
    pub expires_at: Option<i64>,
    /// Bind the key to a connection: it then acts as that user, with the connection's scopes.
    pub connection_id: Option<String>,
}

/// A stored key, without the key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyRecord {
    pub id: String,
    pub tenant: String,
    pub name: String,
    pub prefix: String,
    pub scopes: ScopeSet,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub connection_id: Option<String>,
}

impl KeyRecord {
    /// Usable now: neither revoked nor expired.
    pub fn is_active(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

impl Store {
    /// Stores a new key and returns it: the only time the key itself is available.
    pub async fn create_key(&self, new: NewKey) -> Result<(KeyRecord, AccessKey), StoreError> {
        let key = AccessKey::generate();
        let record = KeyRecord {
            id: format!(
                "key_{}",
                Alphanumeric
                    .sample_string(&mut rand::rng(), 16)
                    .to_lowercase()
            ),
            tenant: new.tenant,
            name: new.name,
            prefix: key.display_prefix(),
            scopes: new.scopes,
            created_at: unix_now(),
            expires_at: new.expires_at,
            revoked_at: None,
            connection_id: new.connection_id,
        };
        sqlx::query(
            "INSERT INTO access_keys (id, tenant, name, key_hash, key_prefix, scopes, created_at, expires_at, connection_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&record.id)
        .bind(&record.tenant)
        .bind(&record.name)
        .bind(key.hash())
        .bind(&record.prefix)
        .bind(record.scopes.to_string())
        .bind(record.created_at)
        .bind(record.expires_at)
        .bind(&record.connection_id)
        .execute(self.pool())
        .await?;
        Ok((record, key))
    }

    /// The active key matching a presented one, if any.
    pub async fn find_active_key(&self, key: &AccessKey) -> Result<Option<KeyRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM access_keys WHERE key_hash = $1")
            .bind(key.hash())
            .fetch_optional(self.pool())
            .await?;
        Ok(row
            .map(|row| record(&row))
            .filter(|record| record.is_active(unix_now())))
    }

    /// Every key, newest first, optionally for one tenant.
    pub async fn list_keys(&self, tenant: Option<&str>) -> Result<Vec<KeyRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM access_keys WHERE (CAST($1 AS TEXT) IS NULL OR tenant = $2) ORDER BY created_at DESC, id")
            .bind(tenant)
            .bind(tenant)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(record).collect())
    }

    /// Revokes a key by id; `false` when no active key has that id.
    pub async fn revoke_key(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE access_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(unix_now())
        .bind(id)
        .execute(self.pool())
        .await?;
        self.credentials_changed();
        Ok(done.rows_affected() == 1)
    }
}

fn record(row: &sqlx::any::AnyRow) -> KeyRecord {
    KeyRecord {
        id: row.get("id"),
        tenant: row.get("tenant"),
        name: row.get("name"),
        prefix: row.get("key_prefix"),
        // Scopes were written by this code from a ScopeSet; an unknown name (a scope removed in a
        // later version) is dropped rather than failing the whole key.
        scopes: row
            .get::<String, _>("scopes")
            .split_whitespace()
            .filter_map(|s| s.parse().ok())
            .collect(),
        created_at: row.get("created_at"),
        expires_at: row.get("expires_at"),
        revoked_at: row.get("revoked_at"),
        connection_id: row.get("connection_id"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_oauth::Scope;

    async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!(
            "sqlite://{}",
            dir.path().join("gateway.db").display()
        ))
        .await
        .unwrap();
        (store, dir)
    }

    fn new_key(tenant: &str) -> NewKey {
        NewKey {
            tenant: tenant.into(),
            name: "agent".into(),
            scopes: ScopeSet::from_slice(&[Scope::ReadUsers]),
            expires_at: None,
            connection_id: None,
        }
    }

    #[tokio::test]
    async fn a_created_key_is_found_by_its_value_and_stored_only_as_a_hash() {
        let (store, dir) = store().await;
        let (record, key) = store.create_key(new_key("demo")).await.unwrap();
        assert!(key.expose_secret().starts_with("mcpgw_"));
        assert_eq!(
            store.find_active_key(&key).await.unwrap(),
            Some(record.clone())
        );
        assert_eq!(
            store
                .find_active_key(&AccessKey::from_presented("mcpgw_wrong"))
                .await
                .unwrap(),
            None
        );
        drop(store);
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(
                !bytes
                    .windows(key.expose_secret().len())
                    .any(|w| w == key.expose_secret().as_bytes()),
                "the key is stored in plaintext"
            );
        }
    }

    #[tokio::test]
    async fn revoked_and_expired_keys_are_refused() {
        let (store, _dir) = store().await;
        let (record, key) = store.create_key(new_key("demo")).await.unwrap();
        assert!(store.revoke_key(&record.id).await.unwrap());
        assert!(
            !store.revoke_key(&record.id).await.unwrap(),
            "a second revoke changes nothing"
        );
        assert_eq!(store.find_active_key(&key).await.unwrap(), None);

        let (_, expired) = store
            .create_key(NewKey {
                expires_at: Some(unix_now() - 1),
                ..new_key("demo")
            })
            .await
            .unwrap();
        assert_eq!(store.find_active_key(&expired).await.unwrap(), None);
    }

    #[tokio::test]
    async fn keys_are_listed_per_tenant() {
        let (store, _dir) = store().await;
        store.create_key(new_key("a")).await.unwrap();
        store.create_key(new_key("b")).await.unwrap();
        assert_eq!(store.list_keys(None).await.unwrap().len(), 2);
        assert_eq!(store.list_keys(Some("a")).await.unwrap().len(), 1);
    }
}
