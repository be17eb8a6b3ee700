-- Each record's own id, given by the gateway when the record is made (issue 22): its local audit
-- journal replays records after a store outage or a crash, and a record stored twice must count
-- once. Rows written before have none (NULLs do not collide).
ALTER TABLE audit_log ADD COLUMN record_id TEXT;
CREATE UNIQUE INDEX audit_log_record_id ON audit_log (record_id);
