-- The gateway as an OAuth 2.1 authorization server for MCP clients (MCP authorization spec).

-- Clients registered through RFC 7591 dynamic registration.
CREATE TABLE oauth_clients (
    client_id       TEXT PRIMARY KEY,          -- mcpc_…
    secret_hash     TEXT,                      -- SHA-256 of the secret; NULL for public clients
    auth_method     TEXT NOT NULL,             -- none | client_secret_post | client_secret_basic
    client_name     TEXT,
    redirect_uris   TEXT NOT NULL,             -- JSON array, matched exactly
    created_at      INTEGER NOT NULL
);

-- An MCP client's /authorize request, from the consent page until the user is back from Auth0.
CREATE TABLE oauth_requests (
    id              TEXT PRIMARY KEY,          -- random; also names the consent cookie
    client_id       TEXT NOT NULL REFERENCES oauth_clients (client_id),
    redirect_uri    TEXT NOT NULL,
    client_state    TEXT,
    code_challenge  TEXT NOT NULL,
    resource        TEXT NOT NULL,
    scopes          TEXT,                      -- product scopes asked for; NULL = the tenant's
    tenant          TEXT,                      -- NULL until chosen
    browser_hash    TEXT NOT NULL,             -- SHA-256 of the consent cookie
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);

ALTER TABLE pending_authorizations ADD COLUMN oauth_request TEXT;

-- Authorization codes issued to MCP clients: single use, short-lived, stored hashed.
CREATE TABLE oauth_codes (
    code_hash       TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    code_challenge  TEXT NOT NULL,
    resource        TEXT NOT NULL,
    connection_id   TEXT NOT NULL REFERENCES connections (id),
    scopes          TEXT NOT NULL,
    family          TEXT NOT NULL,             -- the token family it starts
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
);

-- Opaque access and refresh tokens, stored hashed. A family is one grant: every token rotated from
-- one code. Reusing a spent refresh token or code revokes the whole family.
CREATE TABLE oauth_tokens (
    token_hash      TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,             -- access | refresh
    family          TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    connection_id   TEXT NOT NULL REFERENCES connections (id),
    resource        TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER,                   -- refresh tokens: when it was rotated
    revoked_at      INTEGER
);
CREATE INDEX oauth_tokens_family ON oauth_tokens (family);
