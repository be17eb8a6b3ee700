-- Tool calls that wait for a person (issue 17): a rule asked for approvers' yes (`approve`), the
-- caller's own user's confirmation (`confirm`) or a fresh MFA sign-in (`step_up`). A request is
-- bound to tenant, caller, tool and the SHA-256 of the canonical arguments; it expires, is
-- decided by people (N of M approvals, one deny ends it) and, once approved, is used once.
-- Expiry is read from expires_at, never stored as a status.
CREATE TABLE policy_requests (
    id                TEXT PRIMARY KEY,            -- preq_…
    tenant            TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('approve', 'confirm', 'step_up')),
    rule              TEXT NOT NULL,               -- the rule's name
    requester         TEXT NOT NULL,               -- the caller as people read it
    requester_kind    TEXT NOT NULL CHECK (requester_kind IN ('user', 'agent_key', 'local_operator')),
    requester_user_id TEXT,
    requester_email   TEXT,
    connection_id     TEXT,
    oauth_client      TEXT,
    client_name       TEXT,
    tool              TEXT NOT NULL,
    arguments_hash    TEXT NOT NULL,               -- hex SHA-256 of the canonical arguments
    arguments_shown   TEXT NOT NULL,               -- JSON, secrets masked
    approvers         TEXT NOT NULL,               -- JSON array of emails and @domains
    required          INTEGER NOT NULL CHECK (required >= 1),
    status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'used')),
    created_at        INTEGER NOT NULL,            -- unix seconds, as the times below
    expires_at        INTEGER NOT NULL,
    decided_at        INTEGER,
    used_at           INTEGER
);
-- The open request for exactly one call, and using its approval.
CREATE INDEX policy_requests_call ON policy_requests (tenant, requester, tool, arguments_hash, created_at);
-- The bounds on waiting requests per tenant and per caller, and the inbox.
CREATE INDEX policy_requests_waiting ON policy_requests (tenant, status, requester, expires_at);
-- Listings, newest first.
CREATE INDEX policy_requests_created ON policy_requests (created_at);
CREATE INDEX policy_requests_tenant_created ON policy_requests (tenant, created_at);
-- The sweep.
CREATE INDEX policy_requests_expires ON policy_requests (expires_at);
CREATE INDEX policy_requests_used ON policy_requests (used_at);

-- One row per approver and request: an approver decides once.
CREATE TABLE policy_decisions (
    request_id TEXT NOT NULL REFERENCES policy_requests (id),
    approver   TEXT NOT NULL,                      -- lowercase email
    decision   TEXT NOT NULL CHECK (decision IN ('approve', 'deny')),
    note       TEXT,                               -- at most 1000 characters
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (request_id, approver)
);

-- A user who signed in again with MFA, until when that counts.
CREATE TABLE step_ups (
    tenant      TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    valid_until INTEGER NOT NULL,
    PRIMARY KEY (tenant, user_id)
);
CREATE INDEX step_ups_valid_until ON step_ups (valid_until);
