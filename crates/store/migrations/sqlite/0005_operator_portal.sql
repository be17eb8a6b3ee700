-- Tenants an operator added in the portal (/admin). Those in gateway.toml are not here: the file
-- stays their only source. The client secret is sealed with the store's key, bound to the row.
CREATE TABLE tenants (
    name            TEXT PRIMARY KEY,
    domain          TEXT NOT NULL,            -- e.g. my-tenant.us.auth0.com
    client_id       TEXT NOT NULL,
    client_secret   BLOB  NOT NULL,            -- sealed (tenants:{name}:client_secret)
    grant_mode      TEXT NOT NULL,            -- authorization_code | client_credentials
    scopes          TEXT NOT NULL,            -- space-separated product scopes
    operators       TEXT NOT NULL,            -- client_credentials: emails and @domains who may connect
    version         INTEGER NOT NULL,            -- bumped on every save, so replicas notice edits
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Credentials for the operator portal, made by `mcp-gateway admin create-key`. Only a SHA-256.
CREATE TABLE admin_keys (
    id              TEXT PRIMARY KEY,         -- adm_…
    name            TEXT NOT NULL,
    key_hash        TEXT NOT NULL UNIQUE,
    key_prefix      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);

-- Signed-in portal browsers. The cookie's value is not stored, only its SHA-256; revoking the
-- admin key ends its sessions.
CREATE TABLE admin_sessions (
    id_hash         TEXT PRIMARY KEY,
    admin_key_id    TEXT NOT NULL REFERENCES admin_keys (id),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
