-- TOTP second factor (src/auth/totp, src/auth/mfa.rs).
-- The seed is sealed (sealed.rs, purpose "totp"); `confirmed_at` NULL is an
-- enrolment pending confirmation. `last_step` is the last accepted 30 s time
-- step, so no code is accepted twice.
CREATE TABLE user_totp (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    confirmed_at  TEXT,
    last_step     INTEGER,
    created_at    TEXT NOT NULL
);
-- Single-use recovery codes: only their SHA-256; a used one is deleted.
CREATE TABLE totp_recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
-- Login challenges between the password and the code (any node may answer
-- the second step): a hash of the token, its user, the login lockout key the
-- wrong codes count toward, and the wrong codes so far.
CREATE TABLE mfa_challenges (
    token_hash  TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL CHECK (purpose IN ('verify', 'enroll')),
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lockout_key TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX ix_mfa_challenges_user ON mfa_challenges (user_id);
CREATE INDEX ix_mfa_challenges_expires_at ON mfa_challenges (expires_at);
-- NULL or FALSE: admins may sign in with a password alone.
ALTER TABLE accounts ADD COLUMN require_admin_mfa INTEGER;
