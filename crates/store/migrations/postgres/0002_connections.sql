-- Users who connected a tenant through the authorization-code flow. Tokens are sealed with the
-- store's key (XChaCha20-Poly1305, bound to the row and column); nothing here is usable without it.
CREATE TABLE connections (
    id              TEXT PRIMARY KEY,         -- con_…, shown to operators and in tool errors
    tenant          TEXT NOT NULL,
    user_id         TEXT NOT NULL,            -- Auth0 `sub`
    email           TEXT,
    email_verified  BIGINT NOT NULL DEFAULT 0,
    granted         TEXT NOT NULL,            -- the token response's `scope`, as Auth0 wrote it
    access_token    BYTEA,                     -- sealed; NULL when calls use the machine token
    refresh_token   BYTEA,                     -- sealed; NULL without offline_access
    expires_at      BIGINT,                  -- unix seconds, of the access token
    status          TEXT NOT NULL,            -- active | needs_reconnect | revoked
    status_reason   TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (tenant, user_id)
);

-- Authorization requests waiting for their callback. The state itself is not stored, only its
-- SHA-256; a row is deleted when its callback arrives, so a replayed callback finds nothing.
CREATE TABLE pending_authorizations (
    state_hash      TEXT PRIMARY KEY,
    tenant          TEXT NOT NULL,
    verifier        BYTEA NOT NULL,            -- sealed PKCE verifier
    requested       TEXT NOT NULL,            -- product scopes asked for
    browser_hash    TEXT,                     -- SHA-256 of the cookie that ties it to one browser
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);

-- A value sealed with the store's key when it was first used, to refuse a different key at start.
CREATE TABLE store_meta (
    name            TEXT PRIMARY KEY,
    value           BYTEA NOT NULL
);

-- A key made at the end of the flow acts for its connection, with the connection's scopes.
ALTER TABLE access_keys ADD COLUMN connection_id TEXT REFERENCES connections (id);
