-- The approval page (issue 17): approvers sign in at the tenant's Auth0 to decide a request.
-- A sign-in started there names the request it serves, so the callback shows that request
-- instead of connecting the user.
ALTER TABLE pending_authorizations ADD COLUMN approval_request TEXT;

-- An approver signed in to decide one request: the cookie their browser holds and the token of
-- the decision form last shown to it, both kept as SHA-256 only. Deciding spends the row;
-- it lasts ten minutes.
CREATE TABLE approval_sign_ins (
    browser_hash     TEXT PRIMARY KEY,
    form_hash        TEXT,                         -- NULL until the decision page is shown
    request_id       TEXT NOT NULL,
    approver_email   TEXT NOT NULL,                -- lowercase, verified at the tenant's Auth0
    approver_user_id TEXT NOT NULL,
    created_at       BIGINT NOT NULL,              -- unix seconds, as the times below
    expires_at       BIGINT NOT NULL,
    used_at          BIGINT
);
CREATE INDEX approval_sign_ins_expires ON approval_sign_ins (expires_at);
