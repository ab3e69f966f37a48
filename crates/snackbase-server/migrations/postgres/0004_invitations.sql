-- Invitations into an account, and editable email templates.
CREATE TABLE invitations (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email          TEXT NOT NULL,
    token_hash     TEXT NOT NULL,
    role_id        BIGINT NOT NULL REFERENCES roles (id),
    group_ids      TEXT NOT NULL,
    invited_by     TEXT,
    expires_at     TIMESTAMPTZ NOT NULL,
    accepted_at    TIMESTAMPTZ,
    cancelled_at   TIMESTAMPTZ,
    email_sent_at  TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX uq_invitations_token_hash ON invitations (token_hash);
CREATE INDEX ix_invitations_account ON invitations (account_id, created_at);
CREATE INDEX ix_invitations_email ON invitations (account_id, email);

CREATE TABLE email_templates (
    key         TEXT PRIMARY KEY,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
