//! Authorization requests between `/connect` and `/integration-callback`: the state (kept only
//! as a hash), the sealed PKCE verifier and the scopes asked for. Taking one marks it used, so
//! each state works once; a finished one is marked finished, so a reload of the success page can
//! be told apart from a forged or replayed state.

use gw_oauth::ScopeSet;
use secrecy::{ExposeSecret, SecretString};
use sqlx::Row;

use super::{Store, StoreError, unix_now};

/// How long a user has between `/connect` and the callback (Auth0's codes last ten minutes).
const PENDING_TTL_SECS: i64 = 600;
/// How long an expired sign-in is kept so that a late callback hears "expired" rather than
/// "unknown".
pub(super) const PENDING_GRACE_SECS: i64 = 3600;
/// Most sign-ins kept at once: `/connect` and `/authorize` are open to anyone, so without a
/// bound every visit would grow the store.
const MAX_PENDING: i64 = 10_000;

pub struct PendingAuthorization {
    pub tenant: String,
    pub verifier: SecretString,
    pub requested: ScopeSet,
    /// SHA-256 (hex) of the cookie set in the browser that started the sign-in, so a callback
    /// carried to another browser is refused (login CSRF). `None` for sign-ins started from the
    /// terminal, whose state only the operator saw.
    pub browser_hash: Option<String>,
    /// The MCP client's authorization request this sign-in serves, if any: the callback then
    /// ends with a code for that client instead of the key page.
    pub oauth_request: Option<String>,
    /// The approval request this sign-in serves, if any: the callback then shows the approver
    /// that request, and stores no connection and no key.
    pub approval_request: Option<String>,
    /// The connection a tool's consent link asks more scopes for, if any: the callback then
    /// lets only that connection's user finish the sign-in.
    pub consent_connection: Option<String>,
}

/// What presenting a state found.
pub enum Taken {
    Found(PendingAuthorization),
    /// It existed but is too old; it is gone now.
    Expired {
        tenant: String,
    },
    /// Used already, by a sign-in that finished: a reload of its success page.
    Finished {
        tenant: String,
        /// As [`PendingAuthorization::browser_hash`]: only that browser hears it finished.
        browser_hash: Option<String>,
    },
    /// Never issued, or used by a sign-in that did not finish.
    Unknown,
}

fn state_hash(state: &str) -> String {
    super::sha256_hex(state)
}

impl Store {
    /// Remembers a sign-in; refused with [`StoreError::Full`] when [`MAX_PENDING`] sign-ins are
    /// in progress.
    pub async fn save_pending(
        &self,
        state: &SecretString,
        pending: &PendingAuthorization,
    ) -> Result<(), StoreError> {
        let hash = state_hash(state.expose_secret());
        let sealed = self.cipher()?.seal(
            pending.verifier.expose_secret().as_bytes(),
            &format!("pending:{hash}:verifier"),
        );
        let now = unix_now();
        // Abandoned sign-ins are cleared as new ones arrive, an hour after they expired (until
        // then a late callback is told it expired rather than that it is unknown); when the store
        // holds as many as it accepts, expired ones go at once.
        sqlx::query("DELETE FROM pending_authorizations WHERE expires_at <= $1")
            .bind(now - PENDING_GRACE_SECS)
            .execute(self.pool())
            .await?;
        if self.count_pending().await? >= MAX_PENDING {
            sqlx::query("DELETE FROM pending_authorizations WHERE expires_at <= $1")
                .bind(now)
                .execute(self.pool())
                .await?;
            if self.count_pending().await? >= MAX_PENDING {
                return Err(StoreError::Full("sign-ins in progress"));
            }
        }
        sqlx::query(
            "INSERT INTO pending_authorizations (state_hash, tenant, verifier, requested, browser_hash, oauth_request, approval_request, consent_connection, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&hash)
        .bind(&pending.tenant)
        .bind(sealed)
        .bind(pending.requested.to_string())
        .bind(&pending.browser_hash)
        .bind(&pending.oauth_request)
        .bind(&pending.approval_request)
        .bind(&pending.consent_connection)
        .bind(now)
        .bind(now + PENDING_TTL_SECS)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn count_pending(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM pending_authorizations")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Takes (marks used and returns) the authorization a callback's state names.
    pub async fn take_pending(&self, state: &str) -> Result<Taken, StoreError> {
        let hash = state_hash(state);
        let row = sqlx::query(
            "UPDATE pending_authorizations SET used_at = $2 WHERE state_hash = $1 AND used_at IS NULL RETURNING *",
        )
        .bind(&hash)
        .bind(unix_now())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            let used = sqlx::query(
                "SELECT tenant, browser_hash FROM pending_authorizations WHERE state_hash = $1 AND finished_at IS NOT NULL",
            )
            .bind(&hash)
            .fetch_optional(self.pool())
            .await?;
            return Ok(match used {
                Some(row) => Taken::Finished {
                    tenant: row.get("tenant"),
                    browser_hash: row.get("browser_hash"),
                },
                None => Taken::Unknown,
            });
        };
        let tenant: String = row.get("tenant");
        if row.get::<i64, _>("expires_at") <= unix_now() {
            return Ok(Taken::Expired { tenant });
        }
        let sealed: Vec<u8> = row.get("verifier");
        // The verifier is needed once: a used sign-in keeps no sealed secret.
        sqlx::query("UPDATE pending_authorizations SET verifier = $1 WHERE state_hash = $2")
            .bind(Vec::<u8>::new())
            .bind(&hash)
            .execute(self.pool())
            .await?;
        let verifier = self
            .cipher()?
            .open_string(&sealed, &format!("pending:{hash}:verifier"))
            .map_err(|_| StoreError::Undecryptable("a pending authorization".to_owned()))?;
        Ok(Taken::Found(PendingAuthorization {
            tenant,
            verifier: SecretString::from(verifier),
            requested: ScopeSet::parse_list(&row.get::<String, _>("requested")).unwrap_or_default(),
            browser_hash: row.get("browser_hash"),
            oauth_request: row.get("oauth_request"),
            approval_request: row.get("approval_request"),
            consent_connection: row.get("consent_connection"),
        }))
    }

    /// Marks a taken sign-in finished (its connection stored), for [`Taken::Finished`].
    pub async fn finish_pending(&self, state: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE pending_authorizations SET finished_at = $2 WHERE state_hash = $1")
            .bind(state_hash(state))
            .bind(unix_now())
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
