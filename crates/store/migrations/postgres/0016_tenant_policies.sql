-- Tool policies of tenants added in the portal (issue 17), as the operator wrote them: TOML
-- `[[policies]]` tables, checked by the gateway before they are saved (the store does not judge
-- rules). gateway.toml's tenants keep theirs in gateway.toml. Saving bumps the tenant's version,
-- so every replica rebuilds the tenant; removing the tenant removes its policies.
CREATE TABLE tenant_policies (
    tenant          TEXT PRIMARY KEY REFERENCES tenants (name) ON DELETE CASCADE,
    rules_toml      TEXT NOT NULL,            -- at most 64 KiB; empty: no policies
    updated_by      TEXT NOT NULL,            -- the portal operator (admin key name) who saved them
    updated_at      BIGINT NOT NULL           -- unix seconds
);
