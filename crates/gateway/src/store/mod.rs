//! The gateway's store: what must survive a restart and be shared by every request. SQLite by
//! default (one file, created on first use, migrations applied at open).

mod access_keys;
mod connections;
mod oauth_clients;
mod oauth_grants;
mod pending;
mod vault;

pub use access_keys::{AccessKey, KeyRecord, NewKey};
pub use connections::{ConnectionRecord, ConnectionStatus, NewConnection};
pub use oauth_clients::{NewClient, OAuthClient};
pub use oauth_grants::{
    Code, Grant, IssuedTokens, OAuthRequest, REQUEST_TTL_SECS, Redeemed, new_family, new_request_id,
};
pub use pending::{PendingAuthorization, Taken};
pub use vault::StoreVault;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use gw_oauth::TokenCipher;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "store.url `{0}` is not supported yet: use sqlite://PATH (PostgreSQL support is planned)"
    )]
    Unsupported(String),
    #[error("cannot open the store: {0}")]
    Open(sqlx::Error),
    #[error("cannot apply the store's migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("store query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error(
        "the store's encryption key does not match the key its tokens were sealed with; set the key this store was created with (losing it means every user must reconnect)"
    )]
    WrongKey,
    #[error(
        "connections need an encryption key: set [store] encryption_key_env or encryption_key_file (make a key with `mcp-gateway gen-key`)"
    )]
    NoKey,
    #[error("a sealed value in the store cannot be decrypted: {0}")]
    Undecryptable(String),
}

/// A handle on the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Seals tokens at rest; `None` when no key is configured (access keys still work).
    cipher: Option<Arc<TokenCipher>>,
}

impl Store {
    /// Opens (creating if needed) the store at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        if !url.starts_with("sqlite:") {
            return Err(StoreError::Unsupported(url.to_owned()));
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::Open)?
            .create_if_missing(true)
            // WAL: readers never wait for the writer, and a crash loses no committed row.
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(StoreError::Open)?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool, cipher: None })
    }

    /// Opens the store with the key that seals its tokens. The first key used is remembered (as a
    /// sealed check value), so a different key is refused here rather than failing later, one
    /// token at a time.
    pub async fn open_with_key(url: &str, cipher: TokenCipher) -> Result<Store, StoreError> {
        let mut store = Store::open(url).await?;
        const CHECK: &[u8] = b"mcp-gateway store key check";
        const CONTEXT: &str = "store_meta:key_check";
        // Insert-if-absent then read back: two processes starting together agree on one key.
        sqlx::query(
            "INSERT INTO store_meta (name, value) VALUES ('key_check', ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(cipher.seal(CHECK, CONTEXT))
        .execute(&store.pool)
        .await?;
        let sealed: Vec<u8> =
            sqlx::query_scalar("SELECT value FROM store_meta WHERE name = 'key_check'")
                .fetch_one(&store.pool)
                .await?;
        if cipher.open(&sealed, CONTEXT).as_deref() != Ok(CHECK) {
            return Err(StoreError::WrongKey);
        }
        store.cipher = Some(Arc::new(cipher));
        Ok(store)
    }

    /// Whether tokens can be sealed and opened (a key is configured).
    pub fn can_hold_tokens(&self) -> bool {
        self.cipher.is_some()
    }

    fn cipher(&self) -> Result<&TokenCipher, StoreError> {
        self.cipher.as_deref().ok_or(StoreError::NoKey)
    }

    /// Whether the store answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

pub use gw_oauth::unix_now;
