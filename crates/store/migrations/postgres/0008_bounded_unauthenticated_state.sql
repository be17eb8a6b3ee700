-- What unauthenticated callers can make the store keep is bounded in time: a client registration
-- that never completed an authorization expires, and is removed with the requests it left.
-- When a registration first led to an authorization code (NULL: never, so it may expire).
ALTER TABLE oauth_clients ADD COLUMN authorized_at BIGINT;
-- Registrations made before this column existed count as authorized when they ever got a code
-- or a token (their registration time stands in for the unknown moment).
UPDATE oauth_clients SET authorized_at = created_at
    WHERE client_id IN (SELECT client_id FROM oauth_codes)
       OR client_id IN (SELECT client_id FROM oauth_tokens);

-- The sweeps look rows up by age.
CREATE INDEX oauth_clients_created ON oauth_clients (created_at);
CREATE INDEX oauth_requests_expires ON oauth_requests (expires_at);
CREATE INDEX oauth_requests_client ON oauth_requests (client_id);
CREATE INDEX pending_authorizations_expires ON pending_authorizations (expires_at);
