//! The audit log: one row per tool call, written behind the call by the gateway's audit writer.

use gw_mcp::{AuditRecord, Outcome, PolicyNote};
use sqlx::Row;

use super::{Store, StoreError};

impl Store {
    /// Writes records in one transaction, a multi-row `INSERT` per 25 rows: a statement per
    /// record costs a round trip each (through sqlx's worker thread, on SQLite), and SQLite finds
    /// each `$N` by name, which grows with the square of a statement's parameters. A record whose
    /// id is stored already is skipped: the journal may hand a record over twice.
    pub async fn append_audit(&self, records: &[AuditRecord]) -> Result<(), StoreError> {
        const COLUMNS: usize = 15;
        const ROWS: usize = 25;
        let mut tx = self.pool().begin().await?;
        for chunk in records.chunks(ROWS) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| {
                    let first = row * COLUMNS + 1;
                    let placeholders: Vec<String> =
                        (first..first + COLUMNS).map(|n| format!("${n}")).collect();
                    format!("({})", placeholders.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO audit_log (at_ms, tenant, principal, connection_id, oauth_client, tool, outcome, upstream_status, upstream_request_id, latency_ms, policy_rule, policy_action, policy_request, approved_by, record_id) VALUES {} ON CONFLICT DO NOTHING",
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for r in chunk {
                query = query
                    .bind(r.at_ms)
                    .bind(&r.tenant)
                    .bind(&r.principal)
                    .bind(&r.connection_id)
                    .bind(&r.oauth_client)
                    .bind(&r.tool)
                    .bind(r.outcome.as_str())
                    .bind(r.upstream_status.map(i64::from))
                    .bind(&r.upstream_request_id)
                    .bind(r.latency_ms as i64)
                    .bind(&r.policy.rule)
                    .bind(r.policy.action)
                    .bind(&r.policy.request_id)
                    .bind((!r.policy.approvers.is_empty()).then(|| {
                        serde_json::to_string(&r.policy.approvers).expect("strings serialise")
                    }))
                    .bind(&r.id);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records since `since_ms` (unix milliseconds), oldest first, optionally for one tenant.
    pub async fn audit_since(
        &self,
        since_ms: i64,
        tenant: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM audit_log WHERE at_ms >= $1 AND (CAST($2 AS TEXT) IS NULL OR tenant = $3) ORDER BY at_ms, id LIMIT $4",
        )
        .bind(since_ms)
        .bind(tenant)
        .bind(tenant)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(audit_record).collect()
    }
}

fn audit_record(row: &sqlx::any::AnyRow) -> Result<AuditRecord, StoreError> {
    let outcome: String = row.get("outcome");
    Ok(AuditRecord {
        id: row
            .get::<Option<String>, _>("record_id")
            .unwrap_or_default(),
        at_ms: row.get("at_ms"),
        tenant: row.get("tenant"),
        principal: row.get("principal"),
        connection_id: row.get("connection_id"),
        oauth_client: row.get("oauth_client"),
        tool: row.get("tool"),
        outcome: Outcome::from_text(&outcome).ok_or(StoreError::UnknownOutcome(outcome))?,
        upstream_status: row
            .get::<Option<i64>, _>("upstream_status")
            .and_then(|s| u16::try_from(s).ok()),
        upstream_request_id: row.get("upstream_request_id"),
        latency_ms: row.get::<i64, _>("latency_ms").max(0) as u64,
        policy: PolicyNote {
            rule: row.get("policy_rule"),
            action: row
                .get::<Option<String>, _>("policy_action")
                .and_then(|action| gw_policy::Action::name_from_text(&action)),
            request_id: row.get("policy_request"),
            approvers: row
                .get::<Option<String>, _>("approved_by")
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_default(),
        },
    })
}

impl Store {
    /// The newest `limit` records for one tenant, newest first (the portal's "recent calls").
    pub async fn recent_audit(
        &self,
        tenant: &str,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM audit_log WHERE tenant = $1 ORDER BY at_ms DESC, id DESC LIMIT $2",
        )
        .bind(tenant)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(audit_record).collect()
    }

    /// When `connection` was last used for a tool call, in unix milliseconds: through its keys
    /// and through the MCP clients it authorized alike (refusals are not uses). One indexed
    /// lookup (`audit_log_connection_calls`, migration 0012).
    pub async fn last_call_by(
        &self,
        tenant: &str,
        connection: &str,
    ) -> Result<Option<i64>, StoreError> {
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(at_ms) FROM audit_log \
             WHERE tenant = $1 AND connection_id = $2 AND outcome NOT LIKE 'refused_%'",
        )
        .bind(tenant)
        .bind(connection)
        .fetch_one(self.pool())
        .await?;
        Ok(last)
    }
}
