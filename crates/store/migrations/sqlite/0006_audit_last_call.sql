-- When each principal last called a tool, kept beside the audit log by its writer (one upsert
-- per principal per batch), so "last used" is a lookup rather than a scan of the whole log.
CREATE TABLE audit_last_call (
    tenant          TEXT NOT NULL,
    principal       TEXT NOT NULL,
    at_ms           INTEGER NOT NULL,
    PRIMARY KEY (tenant, principal)
);
INSERT INTO audit_last_call (tenant, principal, at_ms)
    SELECT tenant, principal, MAX(at_ms) FROM audit_log
    WHERE outcome NOT LIKE 'refused_%' GROUP BY tenant, principal;

-- The portal's "recent calls" of one tenant.
CREATE INDEX audit_log_tenant_at ON audit_log (tenant, at_ms);
