-- Who a call acted for, as columns beside the display string: the connection (`con_…`) a user
-- principal acts through (by its keys or through an MCP client it authorized) and the MCP client
-- (`mcpc_…`) whose OAuth token the call came with. The portal's "last used" asks by connection.
ALTER TABLE audit_log ADD COLUMN connection_id TEXT;
ALTER TABLE audit_log ADD COLUMN oauth_client TEXT;

-- Rows written before say both in the display string only: '… (con_…)', or
-- '… (con_…) via OAuth client mcpc_…'. Ids are letters, digits and '_'.
UPDATE audit_log
SET connection_id = parsed.found[1], oauth_client = parsed.found[3]
FROM (
    SELECT id, regexp_match(principal, '\((con_[a-z0-9_]+)\)( via OAuth client ([A-Za-z0-9_]+))?$') AS found
    FROM audit_log
    WHERE principal LIKE '%(con%)%'
) AS parsed
WHERE audit_log.id = parsed.id AND parsed.found IS NOT NULL;

-- A connection's latest tool call (refusals are not uses): the newest entry of this index.
CREATE INDEX audit_log_connection_calls ON audit_log (tenant, connection_id, at_ms)
    WHERE connection_id IS NOT NULL AND outcome NOT LIKE 'refused_%';

-- audit_last_call (0006, keyed by the display string) is no longer read or written: the index
-- above answers by connection. It stays because a replica of the previous version, still serving
-- during a rolling update, writes it with every audit batch; a later migration can drop it.
