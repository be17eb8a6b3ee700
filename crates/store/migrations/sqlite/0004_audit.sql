-- One row per tool call: who, where, what, how it ended, how long it took. Never arguments or
-- results (they may hold personal data or secrets).
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms           INTEGER NOT NULL,          -- unix milliseconds
    tenant          TEXT NOT NULL,
    principal       TEXT NOT NULL,
    tool            TEXT NOT NULL,
    outcome         TEXT NOT NULL,             -- ok, or the failure kind
    upstream_status INTEGER,                   -- Auth0's HTTP status when it answered with an error
    upstream_request_id TEXT,                  -- Auth0's x-auth0-requestid, for Auth0 support
    latency_ms      INTEGER NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
