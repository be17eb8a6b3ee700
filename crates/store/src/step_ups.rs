//! Step-ups: a user who just signed in again with MFA is trusted with `step_up` tools for a few
//! minutes, on every replica, without signing in again for each call.

use super::{Store, StoreError, unix_now};

/// Longest a step-up may count for.
pub const MAX_STEP_UP_SECS: i64 = 86_400;

impl Store {
    /// Remembers that `user_id` of `tenant` signed in with MFA just now, for `valid_for_secs`
    /// (replacing an earlier step-up).
    pub async fn record_step_up(
        &self,
        tenant: &str,
        user_id: &str,
        valid_for_secs: i64,
    ) -> Result<(), StoreError> {
        if !(1..=MAX_STEP_UP_SECS).contains(&valid_for_secs) {
            return Err(StoreError::InvalidPolicyInput(format!(
                "a step-up counts for between 1 and {MAX_STEP_UP_SECS} seconds"
            )));
        }
        sqlx::query(
            "INSERT INTO step_ups (tenant, user_id, valid_until) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant, user_id) DO UPDATE SET valid_until = excluded.valid_until",
        )
        .bind(tenant)
        .bind(user_id)
        .bind(unix_now() + valid_for_secs)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Whether `user_id` of `tenant` has a step-up that still counts.
    pub async fn step_up_valid(&self, tenant: &str, user_id: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT valid_until FROM step_ups WHERE tenant = $1 AND user_id = $2 AND valid_until > $3",
        )
        .bind(tenant)
        .bind(user_id)
        .bind(unix_now())
        .fetch_optional(self.pool())
        .await?;
        Ok(found.is_some())
    }
}
