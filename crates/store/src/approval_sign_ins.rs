//! Approvers signed in to decide one approval request. The browser that signed in keeps a secret
//! (its cookie); each showing of the decision page carries a new form token; deciding spends the
//! sign-in. Both are kept as SHA-256 only, so the store cannot hand either back, and a form
//! posted with a token that is stale, replayed, forged or carried to another browser matches
//! nothing. The gateway makes a row only for an approver it has judged may decide; the rows are
//! bounded anyway, and go with the sweep once expired.

use rand::distr::{Alphanumeric, SampleString};
use secrecy::{ExposeSecret, SecretString};
use sqlx::Row;

use super::{Store, StoreError, sha256_hex, unix_now};

/// How long an approver has between signing in and deciding.
pub const APPROVAL_SIGN_IN_SECS: i64 = 600;
/// Most approver sign-ins kept at once.
const MAX_APPROVAL_SIGN_INS: i64 = 10_000;

/// Who signed in to decide which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalSignIn {
    pub request_id: String,
    /// Verified at the tenant's Auth0; kept lowercase.
    pub email: String,
    pub user_id: String,
}

/// A decision form to show: who it is for, and the token it carries (shown once, in the page).
pub struct ApprovalForm {
    pub signed_in: ApprovalSignIn,
    pub token: SecretString,
}

fn random_secret() -> SecretString {
    SecretString::from(Alphanumeric.sample_string(&mut rand::rng(), 43))
}

fn signed_in(row: &sqlx::any::AnyRow) -> ApprovalSignIn {
    ApprovalSignIn {
        request_id: row.get("request_id"),
        email: row.get("approver_email"),
        user_id: row.get("approver_user_id"),
    }
}

impl Store {
    /// Remembers that `who` signed in to decide `who.request_id`, for ten minutes; returns the
    /// secret the browser keeps. Refused with [`StoreError::Full`] when [`MAX_APPROVAL_SIGN_INS`]
    /// are kept.
    pub async fn start_approval_sign_in(
        &self,
        who: &ApprovalSignIn,
    ) -> Result<SecretString, StoreError> {
        let now = unix_now();
        let count = || async {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM approval_sign_ins")
                .fetch_one(self.pool())
                .await
        };
        if count().await? >= MAX_APPROVAL_SIGN_INS {
            sqlx::query("DELETE FROM approval_sign_ins WHERE expires_at <= $1")
                .bind(now)
                .execute(self.pool())
                .await?;
            if count().await? >= MAX_APPROVAL_SIGN_INS {
                return Err(StoreError::Full("approver sign-ins"));
            }
        }
        let secret = random_secret();
        sqlx::query(
            "INSERT INTO approval_sign_ins (browser_hash, request_id, approver_email, approver_user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(sha256_hex(secret.expose_secret()))
        .bind(&who.request_id)
        .bind(who.email.to_ascii_lowercase())
        .bind(&who.user_id)
        .bind(now)
        .bind(now + APPROVAL_SIGN_IN_SECS)
        .execute(self.pool())
        .await?;
        Ok(secret)
    }

    /// A new decision form for the browser holding `browser_secret` on `request_id`'s page, when
    /// that browser holds an unspent, unexpired sign-in for that request; the form shown before
    /// stops working.
    pub async fn approval_form(
        &self,
        browser_secret: &str,
        request_id: &str,
    ) -> Result<Option<ApprovalForm>, StoreError> {
        let token = random_secret();
        let row = sqlx::query(
            "UPDATE approval_sign_ins SET form_hash = $1 WHERE browser_hash = $2 AND request_id = $3 AND used_at IS NULL AND expires_at > $4 RETURNING request_id, approver_email, approver_user_id",
        )
        .bind(sha256_hex(token.expose_secret()))
        .bind(sha256_hex(browser_secret))
        .bind(request_id)
        .bind(unix_now())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| ApprovalForm {
            signed_in: signed_in(&row),
            token,
        }))
    }

    /// Spends the sign-in a decision form was posted with: who signed in, when the browser's
    /// secret, the request and the form's token all match one that is unspent and unexpired;
    /// `None` for anything else (nothing changes then). One statement, so it works once even
    /// when the same form is posted twice at the same moment.
    pub async fn use_approval_form(
        &self,
        browser_secret: &str,
        request_id: &str,
        form_token: &str,
    ) -> Result<Option<ApprovalSignIn>, StoreError> {
        let row = sqlx::query(
            "UPDATE approval_sign_ins SET used_at = $1 WHERE browser_hash = $2 AND request_id = $3 AND form_hash = $4 AND used_at IS NULL AND expires_at > $1 RETURNING request_id, approver_email, approver_user_id",
        )
        .bind(unix_now())
        .bind(sha256_hex(browser_secret))
        .bind(request_id)
        .bind(sha256_hex(form_token))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| signed_in(&row)))
    }
}
