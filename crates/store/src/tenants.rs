//! Tenants added in the operator portal. The client secret is sealed with the store's key; a
//! store without a key cannot hold them.

use gw_oauth::{ClientSecret, GrantMode, ScopeSet};
use sqlx::Row;

use super::{Store, StoreError, unix_now};

/// A tenant as the portal saves it. Everything else a tenant can have (allow/deny lists, a
/// custom base URL) stays gateway.toml's.
#[derive(Debug, Clone)]
pub struct StoredTenant {
    pub name: String,
    pub domain: String,
    pub client_id: String,
    pub client_secret: ClientSecret,
    pub grant: GrantMode,
    pub scopes: ScopeSet,
    /// `client_credentials`: who may connect (verified emails and `@domain`s), each getting the
    /// tenant's scopes.
    pub operators: Vec<String>,
    /// Hide and refuse every tool that changes the tenant.
    pub read_only: bool,
    /// Bumped on every save; a replica rebuilds a tenant whose version it has not seen.
    pub version: i64,
}

fn secret_context(name: &str) -> String {
    format!("tenants:{name}:client_secret")
}

impl Store {
    /// Adds or replaces the tenant `tenant.name` (its version is bumped).
    pub async fn save_tenant(&self, tenant: &StoredTenant) -> Result<i64, StoreError> {
        let sealed = self.cipher()?.seal(
            tenant.client_secret.expose_secret().as_bytes(),
            &secret_context(&tenant.name),
        );
        let now = unix_now();
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO tenants (name, domain, client_id, client_secret, grant_mode, scopes, operators, read_only, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10) \
             ON CONFLICT (name) DO UPDATE SET domain = excluded.domain, client_id = excluded.client_id, \
             client_secret = excluded.client_secret, grant_mode = excluded.grant_mode, scopes = excluded.scopes, \
             operators = excluded.operators, read_only = excluded.read_only, version = tenants.version + 1, \
             updated_at = excluded.updated_at \
             RETURNING version",
        )
        .bind(&tenant.name)
        .bind(&tenant.domain)
        .bind(&tenant.client_id)
        .bind(sealed)
        .bind(tenant.grant.to_string())
        .bind(tenant.scopes.to_string())
        .bind(tenant.operators.join(" "))
        .bind(i64::from(tenant.read_only))
        .bind(now)
        .bind(now)
        .fetch_one(self.pool())
        .await?;
        Ok(version)
    }

    /// Removes a portal-made tenant: its row, and with it every access key and connection of the
    /// tenant (keys revoked, connections revoked with their tokens erased, the OAuth tokens and
    /// unredeemed codes issued for them revoked), in one transaction.
    /// `false` when there was no such tenant.
    pub async fn delete_tenant(&self, name: &str) -> Result<bool, StoreError> {
        let now = unix_now();
        let mut tx = self.pool().begin().await?;
        let deleted = sqlx::query("DELETE FROM tenants WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE access_keys SET revoked_at = $1 WHERE tenant = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE connections SET status = 'revoked', status_reason = 'tenant removed', access_token = NULL, refresh_token = NULL, updated_at = $1 WHERE tenant = $2 AND status <> 'revoked'",
        )
        .bind(now)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        // What the tenant's connections issued to MCP clients goes with them.
        sqlx::query(
            "UPDATE oauth_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND connection_id IN (SELECT id FROM connections WHERE tenant = $2)",
        )
        .bind(now)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM oauth_codes WHERE used_at IS NULL AND connection_id IN (SELECT id FROM connections WHERE tenant = $1)",
        )
        .bind(name)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM pending_authorizations WHERE tenant = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.credentials_changed();
        Ok(true)
    }

    /// Every portal-made tenant, by name.
    pub async fn list_tenants(&self) -> Result<Vec<StoredTenant>, StoreError> {
        let rows = sqlx::query("SELECT * FROM tenants ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|row| self.tenant_record(row)).collect()
    }

    pub async fn stored_tenant(&self, name: &str) -> Result<Option<StoredTenant>, StoreError> {
        let row = sqlx::query("SELECT * FROM tenants WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| self.tenant_record(&row)).transpose()
    }

    /// Each portal-made tenant's name and version: what a replica compares to notice changes.
    pub async fn tenant_versions(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT name, version FROM tenants")
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(|row| (row.get("name"), row.get("version")))
            .collect())
    }

    fn tenant_record(&self, row: &sqlx::any::AnyRow) -> Result<StoredTenant, StoreError> {
        let name: String = row.get("name");
        let context = secret_context(&name);
        let secret = self
            .cipher()?
            .open(&row.get::<Vec<u8>, _>("client_secret"), &context)
            .map_err(|_| StoreError::Undecryptable(context.clone()))?;
        let secret =
            String::from_utf8(secret).map_err(|_| StoreError::Undecryptable(context.clone()))?;
        let grant = match row.get::<String, _>("grant_mode").as_str() {
            "client_credentials" => GrantMode::ClientCredentials,
            _ => GrantMode::AuthorizationCode,
        };
        Ok(StoredTenant {
            name,
            domain: row.get("domain"),
            client_id: row.get("client_id"),
            client_secret: ClientSecret::new(secret),
            grant,
            scopes: row
                .get::<String, _>("scopes")
                .split_whitespace()
                .filter_map(|s| s.parse().ok())
                .collect(),
            operators: row
                .get::<String, _>("operators")
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            read_only: row.get::<i64, _>("read_only") != 0,
            version: row.get("version"),
        })
    }
}
