-- Consecutive failed logins per account and email (the key is a hash of
-- both), shared by every node. A row exists only after a failure; a
-- successful login or a new password set by an administrator removes it.
-- Times are Unix milliseconds.
CREATE TABLE auth_lockouts (
    key           TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    locked_until  BIGINT,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX ix_auth_lockouts_updated_at ON auth_lockouts (updated_at);
