//! What the gateway's authorization server hands out to MCP clients: pending authorization
//! requests, single-use codes, and opaque access and refresh tokens. Codes and tokens are stored
//! only as SHA-256 hashes. Every token belongs to a *family* (one grant, rotated); presenting a
//! spent code or refresh token revokes its family, as OAuth 2.1 asks.
//!
//! Exchanging a code or refresh token is one transaction: spend it (a conditional `UPDATE … WHERE
//! used_at IS NULL`, which makes concurrent attempts wait for each other), check the request
//! against it, issue the new tokens. A check that fails rolls the spend back, so a wrong request
//! costs the real client nothing; and whoever finds it spent revokes the family only after the
//! winner's tokens are committed, so a concurrent replay cannot leave them alive.

use gw_oauth::ScopeSet;
use rand::distr::{Alphanumeric, SampleString};
use sqlx::Row;

use super::{Store, StoreError, unix_now};

/// Lifetimes: codes are exchanged at once; access tokens are short; refresh tokens rotate.
const CODE_TTL_SECS: i64 = 120;
const ACCESS_TTL_SECS: i64 = 3600;
const REFRESH_TTL_SECS: i64 = 30 * 86_400;
/// From the consent page to the code: as long as a sign-in at Auth0 may take.
pub const REQUEST_TTL_SECS: i64 = 600;
/// Most authorization requests in progress at once: anyone can open `/authorize` for a
/// registered client, so the store keeps a bounded number (expired ones are cleared first).
const MAX_REQUESTS: i64 = 10_000;
/// Longest `state` an MCP client may send (kept until the code is issued): real clients send a
/// few dozen random characters.
pub const MAX_CLIENT_STATE_LEN: usize = 1024;

fn hash(value: &str) -> String {
    super::sha256_hex(value)
}

/// Concurrent exchanges of one code or token take turns on PostgreSQL. Without it, losers that
/// waited on the spent row keep a lock on it while revoking the family row by row, and two of
/// them can deadlock (PostgreSQL then fails one).
fn exchange_turn(code_or_token: &str) -> String {
    format!("oauth_exchange:{}", hash(code_or_token))
}

fn random(prefix: &str, len: usize) -> String {
    format!(
        "{prefix}{}",
        Alphanumeric.sample_string(&mut rand::rng(), len)
    )
}

/// An MCP client's authorization request, between `/authorize` and the code.
#[derive(Debug, Clone)]
pub struct OAuthRequest {
    pub id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub client_state: Option<String>,
    pub code_challenge: String,
    pub resource: String,
    /// What the client asked for; `None` = whatever the tenant allows.
    pub scopes: Option<ScopeSet>,
    pub tenant: Option<String>,
    /// SHA-256 of the consent cookie.
    pub browser_hash: String,
    pub expires_at: i64,
}

/// What a code or token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub family: String,
    pub client_id: String,
    pub connection_id: String,
    pub resource: String,
    pub scopes: ScopeSet,
}

/// A redeemed code: the grant, and what the token request must match.
#[derive(Debug, Clone)]
pub struct Code {
    pub grant: Grant,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub expires_at: i64,
}

/// The outcome of exchanging a code or refresh token.
pub enum Exchanged<R> {
    /// Spent, and these tokens issued for this grant.
    Issued(Grant, IssuedTokens),
    /// The request's check refused it (`R` says why); nothing was spent.
    Refused(R),
    /// The connection it acts for was revoked; nothing was spent.
    ConnectionRevoked,
    /// Already spent: the family has just been revoked.
    Reused,
    /// Unknown (or, for a refresh token, expired or revoked).
    Unknown,
}

/// A fresh token pair.
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

fn scopes_from(text: &str) -> ScopeSet {
    ScopeSet::parse_list(text).unwrap_or_default()
}

fn grant_from(row: &sqlx::any::AnyRow) -> Grant {
    Grant {
        family: row.get("family"),
        client_id: row.get("client_id"),
        connection_id: row.get("connection_id"),
        resource: row.get("resource"),
        scopes: scopes_from(&row.get::<String, _>("scopes")),
    }
}

impl Store {
    /// Stores a request; refused with [`StoreError::Full`] when [`MAX_REQUESTS`] are live.
    pub async fn save_oauth_request(&self, request: &OAuthRequest) -> Result<(), StoreError> {
        let now = unix_now();
        sqlx::query("DELETE FROM oauth_requests WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oauth_requests")
            .fetch_one(self.pool())
            .await?;
        if live >= MAX_REQUESTS {
            return Err(StoreError::Full("authorization requests in progress"));
        }
        sqlx::query(
            "INSERT INTO oauth_requests (id, client_id, redirect_uri, client_state, code_challenge, resource, scopes, tenant, browser_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&request.id)
        .bind(&request.client_id)
        .bind(&request.redirect_uri)
        .bind(&request.client_state)
        .bind(&request.code_challenge)
        .bind(&request.resource)
        .bind(request.scopes.map(|s| s.to_string()))
        .bind(&request.tenant)
        .bind(&request.browser_hash)
        .bind(now)
        .bind(request.expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A live request by id.
    pub async fn oauth_request(&self, id: &str) -> Result<Option<OAuthRequest>, StoreError> {
        let row = sqlx::query("SELECT * FROM oauth_requests WHERE id = $1 AND expires_at > $2")
            .bind(id)
            .bind(unix_now())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|row| OAuthRequest {
            id: row.get("id"),
            client_id: row.get("client_id"),
            redirect_uri: row.get("redirect_uri"),
            client_state: row.get("client_state"),
            code_challenge: row.get("code_challenge"),
            resource: row.get("resource"),
            scopes: row
                .get::<Option<String>, _>("scopes")
                .map(|s| scopes_from(&s)),
            tenant: row.get("tenant"),
            browser_hash: row.get("browser_hash"),
            expires_at: row.get("expires_at"),
        }))
    }

    pub async fn set_oauth_request_tenant(&self, id: &str, tenant: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE oauth_requests SET tenant = $1 WHERE id = $2")
            .bind(tenant)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Takes (deletes and returns) a request: it is finished one way or another.
    pub async fn take_oauth_request(&self, id: &str) -> Result<Option<OAuthRequest>, StoreError> {
        let request = self.oauth_request(id).await?;
        sqlx::query("DELETE FROM oauth_requests WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(request)
    }

    /// A new single-use code for `grant` (whose family it starts).
    pub async fn issue_code(
        &self,
        grant: &Grant,
        redirect_uri: &str,
        code_challenge: &str,
    ) -> Result<String, StoreError> {
        // Codes and tokens long past their expiry are cleared as new ones are made: a day's grace
        // keeps a late replay recognisable as a replay.
        let stale = unix_now() - 86_400;
        sqlx::query("DELETE FROM oauth_codes WHERE expires_at < $1")
            .bind(stale)
            .execute(self.pool())
            .await?;
        sqlx::query("DELETE FROM oauth_tokens WHERE expires_at < $1")
            .bind(stale)
            .execute(self.pool())
            .await?;
        let code = random("mcpac_", 32);
        sqlx::query(
            "INSERT INTO oauth_codes (code_hash, client_id, redirect_uri, code_challenge, resource, connection_id, scopes, family, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(hash(&code))
        .bind(&grant.client_id)
        .bind(redirect_uri)
        .bind(code_challenge)
        .bind(&grant.resource)
        .bind(&grant.connection_id)
        .bind(grant.scopes.to_string())
        .bind(&grant.family)
        .bind(unix_now() + CODE_TTL_SECS)
        .execute(self.pool())
        .await?;
        self.mark_client_authorized(&grant.client_id).await?;
        Ok(code)
    }

    /// Exchanges a code for tokens: spends it, lets `check` (the token request's client,
    /// redirect_uri, verifier, resource) refuse it unspent or choose the grant, and issues the
    /// tokens, in one transaction. A code spent before revokes what it issued.
    pub async fn exchange_code<R>(
        &self,
        code: &str,
        check: impl FnOnce(&Code) -> Result<Grant, R>,
    ) -> Result<Exchanged<R>, StoreError> {
        let mut tx = self.pool().begin().await?;
        self.take_turns(&mut tx, &exchange_turn(code)).await?;
        let row = sqlx::query(
            "UPDATE oauth_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL RETURNING *",
        )
        .bind(unix_now())
        .bind(hash(code))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let family: Option<String> =
                sqlx::query_scalar("SELECT family FROM oauth_codes WHERE code_hash = $1")
                    .bind(hash(code))
                    .fetch_optional(&mut *tx)
                    .await?;
            return self.spent_or_unknown(tx, family).await;
        };
        let code = Code {
            grant: grant_from(&row),
            redirect_uri: row.get("redirect_uri"),
            code_challenge: row.get("code_challenge"),
            expires_at: row.get("expires_at"),
        };
        self.finish_exchange(tx, &code.grant.connection_id, || check(&code))
            .await
    }

    /// Exchanges a refresh token for new tokens (rotation): spends it, lets `check` (the
    /// request's client, resource and scope) refuse it unspent or narrow the grant, and issues the
    /// tokens, in one transaction. A refresh token spent before revokes its family.
    pub async fn exchange_refresh_token<R>(
        &self,
        token: &str,
        check: impl FnOnce(&Grant) -> Result<Grant, R>,
    ) -> Result<Exchanged<R>, StoreError> {
        let now = unix_now();
        let mut tx = self.pool().begin().await?;
        self.take_turns(&mut tx, &exchange_turn(token)).await?;
        let row = sqlx::query(
            "UPDATE oauth_tokens SET used_at = $1 WHERE token_hash = $2 AND kind = 'refresh' AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3 RETURNING *",
        )
        .bind(now)
        .bind(hash(token))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let spent: Option<String> = sqlx::query_scalar(
                "SELECT family FROM oauth_tokens WHERE token_hash = $1 AND kind = 'refresh' AND used_at IS NOT NULL",
            )
            .bind(hash(token))
            .fetch_optional(&mut *tx)
            .await?;
            return self.spent_or_unknown(tx, spent).await;
        };
        let grant = grant_from(&row);
        self.finish_exchange(tx, &grant.connection_id, || check(&grant))
            .await
    }

    /// After a spend found nothing to spend: revokes the family of what was spent before.
    async fn spent_or_unknown<R>(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        spent_family: Option<String>,
    ) -> Result<Exchanged<R>, StoreError> {
        let Some(family) = spent_family else {
            tx.rollback().await?;
            return Ok(Exchanged::Unknown);
        };
        revoke_family_in(&mut tx, &family).await?;
        tx.commit().await?;
        self.credentials_changed();
        Ok(Exchanged::Reused)
    }

    /// After a successful spend: the connection must still stand and the request pass its
    /// check, or the spend is rolled back; then the tokens are issued with it.
    async fn finish_exchange<R>(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        connection_id: &str,
        check: impl FnOnce() -> Result<Grant, R>,
    ) -> Result<Exchanged<R>, StoreError> {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM connections WHERE id = $1")
                .bind(connection_id)
                .fetch_optional(&mut *tx)
                .await?;
        if status.as_deref().is_none_or(|s| s == "revoked") {
            tx.rollback().await?;
            return Ok(Exchanged::ConnectionRevoked);
        }
        let grant = match check() {
            Ok(grant) => grant,
            Err(refusal) => {
                tx.rollback().await?;
                return Ok(Exchanged::Refused(refusal));
            }
        };
        let tokens = insert_tokens(&mut tx, &grant).await?;
        tx.commit().await?;
        Ok(Exchanged::Issued(grant, tokens))
    }

    /// A new access token and refresh token in `grant`'s family.
    pub async fn issue_tokens(&self, grant: &Grant) -> Result<IssuedTokens, StoreError> {
        let mut tx = self.pool().begin().await?;
        let tokens = insert_tokens(&mut tx, grant).await?;
        tx.commit().await?;
        Ok(tokens)
    }

    /// The grant behind a live access token.
    pub async fn access_token_grant(&self, token: &str) -> Result<Option<Grant>, StoreError> {
        let row = sqlx::query(
            "SELECT * FROM oauth_tokens WHERE token_hash = $1 AND kind = 'access' AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(hash(token))
        .bind(unix_now())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(grant_from))
    }

    /// RFC 7009: revokes `token` if it is `client_id`'s. A refresh token takes its whole family
    /// with it; an access token only itself. Unknown tokens are ignored.
    pub async fn revoke_oauth_token(&self, token: &str, client_id: &str) -> Result<(), StoreError> {
        let row = sqlx::query(
            "SELECT kind, family FROM oauth_tokens WHERE token_hash = $1 AND client_id = $2",
        )
        .bind(hash(token))
        .bind(client_id)
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) if row.get::<String, _>("kind") == "refresh" => {
                self.revoke_family(&row.get::<String, _>("family")).await
            }
            Some(_) => {
                sqlx::query("UPDATE oauth_tokens SET revoked_at = $1 WHERE token_hash = $2")
                    .bind(unix_now())
                    .bind(hash(token))
                    .execute(self.pool())
                    .await?;
                self.credentials_changed();
                Ok(())
            }
            None => Ok(()),
        }
    }

    async fn revoke_family(&self, family: &str) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        revoke_family_in(&mut tx, family).await?;
        tx.commit().await?;
        self.credentials_changed();
        Ok(())
    }
}

async fn revoke_family_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    family: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE oauth_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL")
        .bind(unix_now())
        .bind(family)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_tokens(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    grant: &Grant,
) -> Result<IssuedTokens, StoreError> {
    let access = random("mcpat_", 40);
    let refresh = random("mcprt_", 40);
    let now = unix_now();
    for (token, kind, ttl) in [
        (&access, "access", ACCESS_TTL_SECS),
        (&refresh, "refresh", REFRESH_TTL_SECS),
    ] {
        sqlx::query(
            "INSERT INTO oauth_tokens (token_hash, kind, family, client_id, connection_id, resource, scopes, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(hash(token))
        .bind(kind)
        .bind(&grant.family)
        .bind(&grant.client_id)
        .bind(&grant.connection_id)
        .bind(&grant.resource)
        .bind(grant.scopes.to_string())
        .bind(now + ttl)
        .execute(&mut **tx)
        .await?;
    }
    Ok(IssuedTokens {
        access_token: access,
        refresh_token: refresh,
        expires_in: ACCESS_TTL_SECS,
    })
}

/// A new family id for a grant that starts now.
pub fn new_family() -> String {
    random("fam_", 20)
}

/// A new request id (also in the consent cookie's name, so keep it short).
pub fn new_request_id() -> String {
    random("req_", 24)
}
