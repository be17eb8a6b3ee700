//! The gateway's store: what must survive a restart and be shared by every request. SQLite by
//! default (one file, created on first use, migrations applied at open), PostgreSQL for several
//! replicas. The design is written down in this crate's README.

mod access_keys;
mod admin;
mod approval_sign_ins;
mod audit;
mod connections;
mod file_mode;
mod oauth_clients;
mod oauth_grants;
mod pending;
mod policy_requests;
mod rekey;
mod retention;
mod step_ups;
mod tenant_policies;
mod tenants;
mod vault;

pub use access_keys::{AccessKey, KeyRecord, NewKey};
pub use admin::{ADMIN_SESSION_SECS, AdminKeyRecord, AdminSecret, AdminSession};
pub use approval_sign_ins::{APPROVAL_SIGN_IN_SECS, ApprovalForm, ApprovalSignIn};
pub use connections::{ConnectionRecord, ConnectionStatus, NewConnection};
pub use oauth_clients::{NewClient, OAuthClient};
pub use oauth_grants::{
    Code, Exchanged, Grant, IssuedTokens, MAX_CLIENT_STATE_LEN, OAuthRequest, REQUEST_TTL_SECS,
    new_family, new_request_id,
};
pub use pending::{PendingAuthorization, Taken};
pub use policy_requests::{
    Created, Decided, Decision, MAX_APPROVERS, MAX_ARGUMENTS_SHOWN_BYTES, MAX_NOTE_CHARS,
    MAX_PENDING_PER_REQUESTER, MAX_PENDING_PER_TENANT, MAX_TTL_SECS, NewPolicyRequest,
    PolicyRequest, RequestDecision, RequestFilter, RequestKind, RequestStatus, RequesterKind,
};
pub use rekey::Rekeyed;
pub use retention::{Retention, Swept};
pub use step_ups::MAX_STEP_UP_SECS;
pub use tenant_policies::{MAX_POLICY_TEXT_BYTES, StoredPolicies};
pub use tenants::StoredTenant;
pub use vault::StoreVault;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use gw_oauth::TokenCipher;
use sqlx::AnyPool;
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store.url `{0}` is neither sqlite://PATH nor postgres://…")]
    Unsupported(String),
    #[error("cannot open the store: {0}")]
    Open(sqlx::Error),
    #[error("cannot make the store file {} owner-only: {error}", path.display())]
    FileMode {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
    #[error("cannot apply the store's migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("store query failed: {0}")]
    Query(sqlx::Error),
    /// The store could not be reached in time: no connection within the acquire timeout, or the
    /// connection broke. Requests answer 503 with `Retry-After` at once rather than wait.
    #[error("the store cannot be reached: {0}")]
    Unavailable(sqlx::Error),
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
    /// Every outcome text this version writes it can read back; another was written by a newer
    /// version.
    #[error("the audit log holds an outcome this version does not know: `{0}`")]
    UnknownOutcome(String),
    /// A bound on what unauthenticated callers can make the store keep was reached.
    #[error("the gateway holds as many {0} as it accepts; try again in a few minutes")]
    Full(&'static str),
    /// A policy request, decision or step-up the caller built wrongly or too large; nothing was
    /// written.
    #[error("cannot store this policy request, decision or step-up: {0}")]
    InvalidPolicyInput(String),
    /// Notes are shown to other people and kept with the decision, so they are bounded.
    #[error("a decision's note has {chars} characters; at most {max} are kept")]
    NoteTooLong { chars: usize, max: usize },
    /// A tenant's policies are bounded so a portal form cannot make the store hold anything.
    #[error("the policies are {bytes} bytes long; at most {max} are kept")]
    PoliciesTooLong { bytes: usize, max: usize },
    /// Every such text this version writes it can read back; another was written by a newer
    /// version.
    #[error("the store holds a {what} this version does not know: `{value}`")]
    UnknownValue { what: &'static str, value: String },
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if StoreError::is_outage(&error) {
            StoreError::Unavailable(error)
        } else {
            StoreError::Query(error)
        }
    }
}

impl StoreError {
    /// Whether this is the store being out of reach (worth retrying in a moment) rather than
    /// something wrong with a request or with what the store holds.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }

    fn is_outage(error: &sqlx::Error) -> bool {
        matches!(
            error,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
        )
    }
}

/// How long a store operation waits for a connection when none is given
/// ([`StoreOptions::acquire_timeout`]).
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// How the store's connections are managed.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// How long an operation waits for a connection (an idle one that still answers, or a new
    /// one) before failing with [`StoreError::Unavailable`]. Short, so that during an outage a
    /// request is refused in about this time instead of hanging.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
        }
    }
}

/// What the key check seals, and where.
const KEY_CHECK: &[u8] = b"mcp-gateway store key check";
const KEY_CHECK_CONTEXT: &str = "store_meta:key_check";

/// Which database the store is on. The SQL is written once (`$N` parameters, standard SQL both
/// accept); the schema is not, so each has its own migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Seals tokens at rest; `None` when no key is configured (access keys still work).
    cipher: Option<Arc<TokenCipher>>,
    /// Counts changes to what a bearer credential resolves to (keys, connections, OAuth tokens)
    /// made through this process, so memories of resolved credentials know they are stale.
    credential_epoch: Arc<AtomicU64>,
}

impl Store {
    /// Opens (creating if needed) the store at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, StoreOptions::default()).await
    }

    /// As [`Store::open`], with `options`.
    pub async fn open_with(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(path) = url.strip_prefix("sqlite:") {
            // Created on first use, owner-only.
            if let Some(file) = file_mode::sqlite_file(path) {
                file_mode::restrict(&file)
                    .map_err(|error| StoreError::FileMode { path: file, error })?;
            }
            let separator = if path.contains('?') { '&' } else { '?' };
            (Backend::Sqlite, format!("sqlite:{path}{separator}mode=rwc"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(StoreError::Unsupported(url.to_owned()));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            // Also bounds the check that an idle connection still answers (sqlx pings it before
            // handing it out), so a connection cut without a reset fails here too.
            .acquire_timeout(options.acquire_timeout)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers never wait for the writer, and a crash loses no committed
                        // row; a writer waits up to five seconds for another.
                        connection
                            .execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(StoreError::Open)?;
        match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        Ok(Store {
            pool,
            backend,
            cipher: None,
            credential_epoch: Arc::default(),
        })
    }

    /// Changes with every write through this store that can change or end what a bearer
    /// credential resolves to.
    pub fn credential_epoch(&self) -> u64 {
        self.credential_epoch.load(Ordering::Acquire)
    }

    fn credentials_changed(&self) {
        self.credential_epoch.fetch_add(1, Ordering::AcqRel);
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Opens the store with the key that seals its tokens. The first key used is remembered (as a
    /// sealed check value), so a different key is refused here rather than failing later, one
    /// token at a time.
    pub async fn open_with_key(url: &str, cipher: TokenCipher) -> Result<Store, StoreError> {
        Store::open(url).await?.with_key(cipher).await
    }

    /// This store with the key that seals its tokens, checked as [`Store::open_with_key`] does.
    pub async fn with_key(mut self, cipher: TokenCipher) -> Result<Store, StoreError> {
        // Insert-if-absent then read back: two processes starting together agree on one key.
        sqlx::query(
            "INSERT INTO store_meta (name, value) VALUES ('key_check', $1) ON CONFLICT (name) DO NOTHING",
        )
        .bind(cipher.seal(KEY_CHECK, KEY_CHECK_CONTEXT))
        .execute(&self.pool)
        .await?;
        let sealed: Vec<u8> =
            sqlx::query_scalar("SELECT value FROM store_meta WHERE name = 'key_check'")
                .fetch_one(&self.pool)
                .await?;
        if cipher.open(&sealed, KEY_CHECK_CONTEXT).as_deref() != Ok(KEY_CHECK) {
            return Err(StoreError::WrongKey);
        }
        self.cipher = Some(Arc::new(cipher));
        Ok(self)
    }

    /// Whether tokens can be sealed and opened (a key is configured).
    pub fn can_hold_tokens(&self) -> bool {
        self.cipher.is_some()
    }

    /// Seals a value a client carries back to the gateway (a tool call's `requestState`) under
    /// the store's key, with `context` naming what it is; `None` without a key.
    pub fn seal_for_client(&self, value: &[u8], context: &str) -> Option<Vec<u8>> {
        Some(self.cipher.as_deref()?.seal(value, context))
    }

    /// A key for `purpose` derived from the store's key (e.g. a tenant's pseudonyms); `None`
    /// without a key.
    pub fn derive_key(&self, purpose: &str) -> Option<[u8; 32]> {
        Some(self.cipher.as_deref()?.derive_key(purpose))
    }

    /// Opens what [`Store::seal_for_client`] sealed under the same `context`.
    pub fn open_from_client(&self, sealed: &[u8], context: &str) -> Option<Vec<u8>> {
        self.cipher.as_deref()?.open(sealed, context).ok()
    }

    fn cipher(&self) -> Result<&TokenCipher, StoreError> {
        self.cipher.as_deref().ok_or(StoreError::NoKey)
    }

    /// Whether the store answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// On PostgreSQL, makes transactions that name the same `turn` take turns, across every
    /// process sharing the store (a transaction-scoped advisory lock on a hash of it). SQLite has
    /// one writer at a time anyway.
    pub(crate) async fn take_turns(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        turn: &str,
    ) -> Result<(), StoreError> {
        use sha2::Digest;
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let digest = sha2::Sha256::digest(turn.as_bytes());
        let key = i64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 has 8 bytes"));
        sqlx::query("SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock($1)) AS l")
            .bind(key)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

pub use gw_oauth::unix_now;

/// Hex SHA-256: how the store keeps keys, states, codes and tokens it must recognise but never
/// hand back.
pub fn sha256_hex(value: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_out_of_reach_is_told_apart_from_a_failed_query() {
        let io = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed");
        for outage in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(io()),
        ] {
            assert!(StoreError::from(outage).is_unavailable());
        }
        assert!(!StoreError::from(sqlx::Error::RowNotFound).is_unavailable());
        assert!(!StoreError::Full("sign-ins").is_unavailable());
    }
}
