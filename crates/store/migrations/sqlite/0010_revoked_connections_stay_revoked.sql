-- A revoked connection stays revoked: connecting again after a revocation makes a new connection
-- (a new id), so nothing bound to the old one (keys, OAuth codes and tokens) can come back with
-- it. The rule "one connection per (tenant, user)" now holds for live connections only; revoked
-- ones are kept as history.
--
-- SQLite cannot drop a table's UNIQUE constraint, so the table is rebuilt. access_keys,
-- oauth_codes and oauth_tokens refer to connections (id): with foreign keys deferred to the
-- commit, dropping the table counts violations and putting the same ids back clears them.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE connections_0010 AS SELECT * FROM connections;
DROP TABLE connections;

CREATE TABLE connections (
    id              TEXT PRIMARY KEY,         -- con_…, shown to operators and in tool errors
    tenant          TEXT NOT NULL,
    user_id         TEXT NOT NULL,            -- Auth0 `sub`
    email           TEXT,
    email_verified  INTEGER NOT NULL DEFAULT 0,
    granted         TEXT NOT NULL,            -- the token response's `scope`, as Auth0 wrote it
    access_token    BLOB,                     -- sealed; NULL when calls use the machine token
    refresh_token   BLOB,                     -- sealed; NULL without offline_access
    expires_at      INTEGER,                  -- unix seconds, of the access token
    status          TEXT NOT NULL,            -- active | needs_reconnect | revoked
    status_reason   TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

INSERT INTO connections (id, tenant, user_id, email, email_verified, granted, access_token,
                         refresh_token, expires_at, status, status_reason, created_at, updated_at)
SELECT id, tenant, user_id, email, email_verified, granted, access_token,
       refresh_token, expires_at, status, status_reason, created_at, updated_at
FROM connections_0010;

DROP TABLE connections_0010;

CREATE UNIQUE INDEX connections_live_user ON connections (tenant, user_id) WHERE status <> 'revoked';
