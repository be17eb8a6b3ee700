//! How long the store keeps what callers who never proved who they are leave behind, and the
//! sweep that clears it. Every such row is also bounded in number where it is written; the sweep
//! makes the bound a matter of time too, on a running server and not only as new rows arrive:
//! client registrations that never completed an authorization, expired authorization requests
//! and sign-ins, spent codes and tokens, and the audit log's refusal records (requests refused
//! before a tool ran, which anyone can cause by presenting a made-up credential). Policy requests,
//! step-ups and approvers' sign-ins go the same way once they no longer count.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::pending::PENDING_GRACE_SECS;
use super::policy_requests::KEEP_FINISHED_SECS;
use super::{Store, StoreError, unix_now};

/// How often a serving gateway sweeps (every replica does; a sweep is a few indexed deletes).
const SWEEP_EVERY: Duration = Duration::from_secs(600);

/// How long unproven leftovers are kept. Checked from `gateway.toml` (`[oauth_server]
/// unused_registration_hours`, `[audit] refusal_retention_days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// A registration that never led to an authorization is removed this long after it was made.
    pub unused_client_secs: i64,
    /// Refusal records are removed from the audit log this long after they were written. Tool
    /// calls (made by authenticated callers) are kept.
    pub refusal_secs: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            unused_client_secs: 24 * 3600,
            refusal_secs: 30 * 86_400,
        }
    }
}

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub clients: u64,
    pub requests: u64,
    pub pending: u64,
    pub refusals: u64,
    pub codes_and_tokens: u64,
    /// Policy requests (with their decisions) that expired or were used a while ago.
    pub policy_requests: u64,
    /// Step-ups that no longer count.
    pub step_ups: u64,
    /// Approvers' sign-ins that expired.
    pub approval_sign_ins: u64,
}

impl Swept {
    pub fn is_empty(&self) -> bool {
        *self == Swept::default()
    }
}

/// Spent or expired codes and tokens are kept a day, so a late replay is still recognised as one.
const SPENT_GRACE_SECS: i64 = 86_400;

impl Store {
    /// Removes what has outlived `retention`.
    pub async fn sweep(&self, retention: &Retention) -> Result<Swept, StoreError> {
        let now = unix_now();
        let mut swept = Swept {
            requests: sqlx::query("DELETE FROM oauth_requests WHERE expires_at <= $1")
                .bind(now)
                .execute(self.pool())
                .await?
                .rows_affected(),
            pending: sqlx::query("DELETE FROM pending_authorizations WHERE expires_at <= $1")
                .bind(now - PENDING_GRACE_SECS)
                .execute(self.pool())
                .await?
                .rows_affected(),
            ..Swept::default()
        };
        swept.clients = self
            .remove_unused_clients(now - retention.unused_client_secs)
            .await?;
        // Refusals carry the route in the tool column; tool calls carry a tool's name.
        swept.refusals = sqlx::query("DELETE FROM audit_log WHERE tool LIKE '/%' AND at_ms < $1")
            .bind((now - retention.refusal_secs) * 1000)
            .execute(self.pool())
            .await?
            .rows_affected();
        for table in ["oauth_codes", "oauth_tokens"] {
            swept.codes_and_tokens +=
                sqlx::query(&format!("DELETE FROM {table} WHERE expires_at < $1"))
                    .bind(now - SPENT_GRACE_SECS)
                    .execute(self.pool())
                    .await?
                    .rows_affected();
        }
        swept.policy_requests = self.sweep_policy_requests(now - KEEP_FINISHED_SECS).await?;
        swept.step_ups = sqlx::query("DELETE FROM step_ups WHERE valid_until <= $1")
            .bind(now)
            .execute(self.pool())
            .await?
            .rows_affected();
        swept.approval_sign_ins =
            sqlx::query("DELETE FROM approval_sign_ins WHERE expires_at <= $1")
                .bind(now)
                .execute(self.pool())
                .await?
                .rows_affected();
        Ok(swept)
    }

    /// Removes requests that expired or were used before `before`, with their decisions.
    async fn sweep_policy_requests(&self, before: i64) -> Result<u64, StoreError> {
        const FINISHED: &str = "expires_at <= $1 OR used_at <= $1";
        let mut tx = self.pool().begin().await?;
        sqlx::query(&format!(
            "DELETE FROM policy_decisions WHERE request_id IN (SELECT id FROM policy_requests WHERE {FINISHED})"
        ))
        .bind(before)
        .execute(&mut *tx)
        .await?;
        let removed = sqlx::query(&format!("DELETE FROM policy_requests WHERE {FINISHED}"))
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(removed)
    }

    /// Sweeps now and every [`SWEEP_EVERY`] until `stop` is cancelled. A failed sweep is logged
    /// and tried again at the next turn.
    pub async fn keep_swept(self, retention: Retention, stop: CancellationToken) {
        loop {
            match self.sweep(&retention).await {
                Ok(swept) if !swept.is_empty() => tracing::info!(?swept, "swept the store"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot sweep the store"),
            }
            tokio::select! {
                () = tokio::time::sleep(SWEEP_EVERY) => {}
                () = stop.cancelled() => return,
            }
        }
    }
}
