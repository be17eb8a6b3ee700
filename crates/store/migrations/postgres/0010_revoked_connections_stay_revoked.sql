-- A revoked connection stays revoked: connecting again after a revocation makes a new connection
-- (a new id), so nothing bound to the old one (keys, OAuth codes and tokens) can come back with
-- it. The rule "one connection per (tenant, user)" now holds for live connections only; revoked
-- ones are kept as history.
ALTER TABLE connections DROP CONSTRAINT connections_tenant_user_id_key;
CREATE UNIQUE INDEX connections_live_user ON connections (tenant, user_id) WHERE status <> 'revoked';
