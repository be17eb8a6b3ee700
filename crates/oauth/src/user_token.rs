//! Connected users' access tokens: read from the vault, refreshed before they expire.
//!
//! However many calls find a connection's token expired at once, one refresh request goes to
//! Auth0: callers queue on that connection's async mutex and the first one through refreshes.
//! With rotation, Auth0 invalidates the old refresh token the moment it answers, so the new one
//! is written to the vault *before* the new access token is handed out; a crash between the two
//! leaves the old (now spent) refresh token, which Auth0 refuses, and the connection is marked as
//! needing reconnection instead of failing silently forever.

use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::Mutex;

use crate::http_client::OAuthHttp;
use crate::scopes::ScopeSet;
use crate::secret::AccessToken;
use crate::tenant::TenantSettings;
use crate::user_flow::{FlowError, UserFlow, UserTokens};

/// A connection's tokens as the vault holds them, decrypted.
#[derive(Debug, Clone)]
pub enum VaultEntry {
    Active(UserTokens),
    /// Auth0 refused to refresh, or the token expired without a refresh token.
    NeedsReconnect {
        reason: String,
    },
    /// Revoked, or never existed.
    Gone,
}

/// Why the vault could not answer.
#[derive(Debug, thiserror::Error)]
#[error("the token vault failed: {0}")]
pub struct VaultError(pub String);

/// Held while one process refreshes a connection's token, so that processes sharing a vault
/// refresh it once between them; dropping it lets the next one in.
pub struct RefreshLock(pub Option<Box<dyn Send>>);

/// Where connections' tokens live. The gateway's store implements it (encrypted at rest).
#[async_trait::async_trait]
pub trait ConnectionVault: Send + Sync {
    async fn load(&self, connection: &str) -> Result<VaultEntry, VaultError>;
    /// Waits until no other process is refreshing `connection`'s token, and keeps others out
    /// until the lock is dropped. A vault used by one process may return `RefreshLock(None)`.
    async fn lock_for_refresh(&self, connection: &str) -> Result<RefreshLock, VaultError>;
    /// Replaces the connection's tokens; must be durable when it returns.
    async fn save_refreshed(&self, connection: &str, tokens: &UserTokens)
    -> Result<(), VaultError>;
    async fn mark_needs_reconnect(&self, connection: &str, reason: &str) -> Result<(), VaultError>;
}

/// Why no token can be had for a connection.
#[derive(Debug, thiserror::Error)]
pub enum UserTokenError {
    #[error("the connection needs to be renewed: {reason}")]
    NeedsReconnect { reason: String },
    #[error("the connection no longer exists (it was revoked)")]
    Gone,
    #[error("could not refresh the connection's token: {0}")]
    Refresh(FlowError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// An access token for one connection.
#[derive(Debug, Clone)]
pub struct UserToken {
    pub access_token: AccessToken,
    pub granted: ScopeSet,
    /// Unix seconds after which the cache stops handing it out.
    refresh_at: i64,
}

/// Hands out and refreshes connected users' tokens for one tenant.
pub struct UserTokenProvider {
    tenant: Arc<TenantSettings>,
    http: OAuthHttp,
    redirect_uri: url::Url,
    vault: Arc<dyn ConnectionVault>,
    cache: DashMap<String, Arc<UserToken>>,
    locks: DashMap<String, Arc<Mutex<()>>>,
}

impl UserTokenProvider {
    pub fn new(
        tenant: Arc<TenantSettings>,
        http: OAuthHttp,
        redirect_uri: url::Url,
        vault: Arc<dyn ConnectionVault>,
    ) -> Self {
        UserTokenProvider {
            tenant,
            http,
            redirect_uri,
            vault,
            cache: DashMap::new(),
            locks: DashMap::new(),
        }
    }

    /// A token for `connection` that is valid for a while yet.
    pub async fn token(&self, connection: &str) -> Result<Arc<UserToken>, UserTokenError> {
        self.token_unless(connection, None).await
    }

    /// A token other than `rejected`, which Auth0 just refused with a 401: refreshed unless
    /// another call already did.
    pub async fn token_after_rejection(
        &self,
        connection: &str,
        rejected: &AccessToken,
    ) -> Result<Arc<UserToken>, UserTokenError> {
        self.token_unless(connection, Some(rejected)).await
    }

    /// Forgets what is cached for a connection (after it is revoked or reconnected).
    pub fn forget(&self, connection: &str) {
        self.cache.remove(connection);
    }

    async fn token_unless(
        &self,
        connection: &str,
        rejected: Option<&AccessToken>,
    ) -> Result<Arc<UserToken>, UserTokenError> {
        let usable = |token: &UserToken| {
            crate::unix_now() < token.refresh_at
                && rejected.is_none_or(|r| r.expose_secret() != token.access_token.expose_secret())
        };
        if let Some(token) = self.cache.get(connection).filter(|t| usable(t)) {
            return Ok(token.clone());
        }
        let lock = self
            .locks
            .entry(connection.to_owned())
            .or_insert_with(|| Arc::new(Mutex::new(())))
            .clone();
        let _single_flight = lock.lock().await;
        if let Some(token) = self.cache.get(connection).filter(|t| usable(t)) {
            return Ok(token.clone());
        }
        // The vault is the source of truth: another process may have refreshed already.
        if let Some(token) = self.stored_if_usable(connection, &usable).await? {
            return Ok(token);
        }
        // Expired here: take the vault's lock (other replicas) and look again, since the
        // process that held it may just have stored a fresh token.
        let _replicas = self.vault.lock_for_refresh(connection).await?;
        let tokens = match self.vault.load(connection).await? {
            VaultEntry::Active(tokens) => tokens,
            VaultEntry::NeedsReconnect { reason } => {
                return Err(UserTokenError::NeedsReconnect { reason });
            }
            VaultEntry::Gone => return Err(UserTokenError::Gone),
        };
        let stored = Arc::new(cached(&tokens));
        if usable(&stored) {
            self.cache.insert(connection.to_owned(), stored.clone());
            return Ok(stored);
        }
        let refreshed = self.refresh(connection, &tokens).await?;
        let token = Arc::new(cached(&refreshed));
        self.cache.insert(connection.to_owned(), token.clone());
        Ok(token)
    }

    /// The vault's token when it is usable; `None` when it needs refreshing.
    async fn stored_if_usable(
        &self,
        connection: &str,
        usable: &impl Fn(&UserToken) -> bool,
    ) -> Result<Option<Arc<UserToken>>, UserTokenError> {
        match self.vault.load(connection).await? {
            VaultEntry::Active(tokens) => {
                let stored = Arc::new(cached(&tokens));
                if usable(&stored) {
                    self.cache.insert(connection.to_owned(), stored.clone());
                    Ok(Some(stored))
                } else {
                    Ok(None)
                }
            }
            VaultEntry::NeedsReconnect { reason } => {
                self.cache.remove(connection);
                Err(UserTokenError::NeedsReconnect { reason })
            }
            VaultEntry::Gone => {
                self.cache.remove(connection);
                Err(UserTokenError::Gone)
            }
        }
    }

    #[tracing::instrument(name = "auth0.refresh", skip_all, fields(tenant = %self.tenant.name, connection))]
    async fn refresh(
        &self,
        connection: &str,
        current: &UserTokens,
    ) -> Result<UserTokens, UserTokenError> {
        let Some(refresh_token) = &current.refresh_token else {
            return Err(self
                .needs_reconnect(
                    connection,
                    "the access token expired and the connection has no refresh token (offline_access was not granted)",
                )
                .await);
        };
        let flow = UserFlow::new(&self.tenant, &self.http, self.redirect_uri.clone());
        match flow.refresh(refresh_token).await {
            Ok(tokens) => {
                metrics::counter!("oauth_user_token_refreshes_total", "outcome" => "ok")
                    .increment(1);
                // Durable before use: with rotation the old refresh token is already spent.
                self.vault.save_refreshed(connection, &tokens).await?;
                tracing::info!(
                    expires_at = tokens.expires_at,
                    "refreshed a connection's access token"
                );
                Ok(tokens)
            }
            Err(error) if error.is_permanent() => {
                metrics::counter!("oauth_user_token_refreshes_total", "outcome" => "refused")
                    .increment(1);
                Err(self
                    .needs_reconnect(
                        connection,
                        &format!("Auth0 refused to refresh the token ({error})"),
                    )
                    .await)
            }
            Err(error) => {
                metrics::counter!("oauth_user_token_refreshes_total", "outcome" => "failed")
                    .increment(1);
                Err(UserTokenError::Refresh(error))
            }
        }
    }

    async fn needs_reconnect(&self, connection: &str, reason: &str) -> UserTokenError {
        self.cache.remove(connection);
        if let Err(error) = self.vault.mark_needs_reconnect(connection, reason).await {
            return UserTokenError::Vault(error);
        }
        tracing::warn!(tenant = %self.tenant.name, connection, reason, "connection needs reconnecting");
        UserTokenError::NeedsReconnect {
            reason: reason.to_owned(),
        }
    }
}

fn cached(tokens: &UserTokens) -> UserToken {
    UserToken {
        access_token: tokens.access_token.clone(),
        granted: tokens.granted_scopes(),
        refresh_at: tokens.expires_at - refresh_margin(tokens.expires_at - crate::unix_now()),
    }
}

/// Seconds before expiry a token stops being handed out: a minute, or a tenth of what is left
/// for short-lived tokens, so a call never starts with a token that expires mid-flight.
fn refresh_margin(remaining: i64) -> i64 {
    (remaining / 10).clamp(0, 60)
}
