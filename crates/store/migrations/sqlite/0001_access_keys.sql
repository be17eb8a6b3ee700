-- Access keys for agents. Only a SHA-256 of each key is kept: the key itself is shown once.
CREATE TABLE access_keys (
    id          TEXT PRIMARY KEY,             -- public identifier, e.g. key_3f9a…, used to revoke
    tenant      TEXT NOT NULL,
    name        TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,         -- hex SHA-256 of the full key
    key_prefix  TEXT NOT NULL,                -- the first characters, to recognise a key in lists
    scopes      TEXT NOT NULL,                -- space-separated product scopes
    created_at  INTEGER NOT NULL,             -- unix seconds
    expires_at  INTEGER,                      -- unix seconds, NULL = never
    revoked_at  INTEGER                       -- unix seconds, NULL = active
);
CREATE INDEX access_keys_tenant ON access_keys (tenant);
