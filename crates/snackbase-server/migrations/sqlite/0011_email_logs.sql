-- Every email the server sends (or fails to send), for /admin/email/logs.
-- Variables with secret-looking names (tokens, links) are stored redacted.
CREATE TABLE email_logs (
    id               TEXT PRIMARY KEY,
    account_id       TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    template_type    TEXT NOT NULL,
    recipient_email  TEXT NOT NULL,
    subject          TEXT NOT NULL,
    status           TEXT NOT NULL,
    provider         TEXT NOT NULL,
    error_message    TEXT,
    variables        TEXT NOT NULL,
    sent_at          TEXT NOT NULL
);
CREATE INDEX ix_email_logs_sent_at ON email_logs (sent_at);
CREATE INDEX ix_email_logs_status ON email_logs (status, sent_at);
CREATE INDEX ix_email_logs_account ON email_logs (account_id);
