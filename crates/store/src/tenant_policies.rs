//! The tool policies of tenants added in the portal, kept as the operator wrote them (TOML
//! `[[policies]]` tables) with who saved them and when. The store does not judge rules: the
//! gateway checks them with gw-policy before saving and again when it loads them.

use sqlx::Row;

use super::{Store, StoreError, unix_now};

/// The most policy text kept for one tenant. Rules are short; this leaves room for hundreds.
pub const MAX_POLICY_TEXT_BYTES: usize = 64 * 1024;

/// A portal tenant's policies as last saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicies {
    /// TOML `[[policies]]` tables, in order; empty when the operator cleared them.
    pub text: String,
    /// The portal operator (their admin key's name) who saved them.
    pub updated_by: String,
    /// Unix seconds.
    pub updated_at: i64,
}

impl Store {
    /// Replaces the policies of portal tenant `tenant` and bumps the tenant's version, in one
    /// transaction, so every replica rebuilds the tenant with them. The tenant's new version;
    /// `None` when there is no such portal tenant (nothing is written).
    pub async fn save_tenant_policies(
        &self,
        tenant: &str,
        text: &str,
        by: &str,
    ) -> Result<Option<i64>, StoreError> {
        if text.len() > MAX_POLICY_TEXT_BYTES {
            return Err(StoreError::PoliciesTooLong {
                bytes: text.len(),
                max: MAX_POLICY_TEXT_BYTES,
            });
        }
        let now = unix_now();
        let mut tx = self.pool().begin().await?;
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE tenants SET version = version + 1, updated_at = $1 WHERE name = $2 RETURNING version",
        )
        .bind(now)
        .bind(tenant)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(version) = version else {
            return Ok(None);
        };
        sqlx::query(
            "INSERT INTO tenant_policies (tenant, rules_toml, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant) DO UPDATE SET rules_toml = excluded.rules_toml, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(tenant)
        .bind(text)
        .bind(by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(version))
    }

    /// The policies of portal tenant `tenant`; `None` when none were ever saved.
    pub async fn tenant_policies(
        &self,
        tenant: &str,
    ) -> Result<Option<StoredPolicies>, StoreError> {
        let row = sqlx::query(
            "SELECT rules_toml, updated_by, updated_at FROM tenant_policies WHERE tenant = $1",
        )
        .bind(tenant)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| StoredPolicies {
            text: row.get("rules_toml"),
            updated_by: row.get("updated_by"),
            updated_at: row.get("updated_at"),
        }))
    }
}
