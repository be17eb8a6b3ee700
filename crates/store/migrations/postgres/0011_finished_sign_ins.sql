-- A sign-in's state still works once, but taking it now marks it used instead of deleting it,
-- and a finished sign-in is marked so: reloading the success page says "already connected"
-- (with the way to a new key) instead of "unknown state". Rows still go with the expiry sweep.
ALTER TABLE pending_authorizations ADD COLUMN used_at BIGINT;
ALTER TABLE pending_authorizations ADD COLUMN finished_at BIGINT;
