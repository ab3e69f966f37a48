-- Provider configurations (src/configuration): per account, or system-wide
-- under the system account SY0000. `config` holds the non-secret values as a
-- JSON object; `secrets` the secret values as one JSON object sealed with the
-- server's key (src/sealed.rs, purpose "configuration"). Nothing caches these
-- rows, so writes need not move the change generation.
CREATE TABLE configurations (
    id             TEXT PRIMARY KEY,
    category       TEXT NOT NULL,
    provider_name  TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    enabled        INTEGER NOT NULL DEFAULT 1,
    is_default     INTEGER NOT NULL DEFAULT 0,
    priority       INTEGER NOT NULL DEFAULT 0,
    config         TEXT NOT NULL,
    secrets        TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (category, account_id, provider_name)
);
CREATE INDEX ix_configurations_account ON configurations (account_id, category);
CREATE INDEX ix_configurations_updated ON configurations (updated_at);
