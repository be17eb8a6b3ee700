-- A portal tenant can be read-only, as gateway.toml's `read_only`: every tool that changes the
-- tenant is hidden and refused.
ALTER TABLE tenants ADD COLUMN read_only BIGINT NOT NULL DEFAULT 0;
