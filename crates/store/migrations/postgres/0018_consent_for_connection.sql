-- Incremental consent (issue 20): a tool's consent link names the caller's connection, and the
-- sign-in it starts keeps that id, so the callback lets only that connection's user add scopes.
ALTER TABLE pending_authorizations ADD COLUMN consent_connection TEXT;
