-- Who a call acted for, as columns beside the display string: the connection (`con_…`) a user
-- principal acts through (by its keys or through an MCP client it authorized) and the MCP client
-- (`mcpc_…`) whose OAuth token the call came with. The portal's "last used" asks by connection.
ALTER TABLE audit_log ADD COLUMN connection_id TEXT;
ALTER TABLE audit_log ADD COLUMN oauth_client TEXT;

-- Rows written before say both in the display string only: '… (con_…)', or
-- '… (con_…) via OAuth client mcpc_…'. Ids are letters, digits and '_', and SQLite has no regular
-- expressions, so trimming those characters off the end finds where an id starts.
UPDATE audit_log
SET oauth_client = substr(principal, length(rtrim(principal, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_')) + 1)
WHERE principal LIKE '%(con%) via OAuth client %'
  AND rtrim(principal, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_') LIKE '%) via OAuth client ';

UPDATE audit_log
SET connection_id = parsed.connection_id
FROM (
    SELECT row_id, substr(base, length(head) + 1, length(base) - length(head) - 1) AS connection_id
    FROM (
        -- head: the display string up to and with the '(' before the id
        SELECT row_id, base,
               rtrim(substr(base, 1, length(base) - 1), 'abcdefghijklmnopqrstuvwxyz0123456789_') AS head
        FROM (
            -- base: the display string without ' via OAuth client …'
            SELECT id AS row_id,
                   CASE WHEN oauth_client IS NULL THEN principal
                        ELSE substr(principal, 1, length(principal) - length(oauth_client) - length(' via OAuth client '))
                   END AS base
            FROM audit_log
            WHERE principal LIKE '%(con%)%'
        )
    )
    WHERE base LIKE '%)' AND head LIKE '%('
) AS parsed
WHERE audit_log.id = parsed.row_id AND substr(parsed.connection_id, 1, 4) = 'con_';

-- A connection's latest tool call (refusals are not uses): the newest entry of this index.
CREATE INDEX audit_log_connection_calls ON audit_log (tenant, connection_id, at_ms)
    WHERE connection_id IS NOT NULL AND outcome NOT LIKE 'refused_%';

-- audit_last_call (0006, keyed by the display string) is no longer read or written: the index
-- above answers by connection. It stays because a replica of the previous version, still serving
-- during a rolling update, writes it with every audit batch; a later migration can drop it.
