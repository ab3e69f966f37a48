-- Email verification and password reset (src/auth/links.rs).
-- Users created before this migration start unverified; the server default
-- does not require verification, so nobody is locked out by it.
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMPTZ;
-- NULL follows the server default (SNACKBASE_AUTH_REQUIRE_EMAIL_VERIFICATION).
ALTER TABLE accounts ADD COLUMN require_email_verification BOOLEAN;

-- Single-use links sent by mail. Only a hash of the token is stored; the
-- address it was sent to must still be the user's when it is used.
CREATE TABLE auth_links (
    token_hash  TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_auth_links_user ON auth_links (user_id, purpose);
CREATE INDEX ix_auth_links_expires_at ON auth_links (expires_at);
