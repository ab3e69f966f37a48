-- TEMPORARY (oauth branch): replaced by the configuration store's own migration.
CREATE TABLE configurations (
    id TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    enabled INTEGER NOT NULL DEFAULT 1,
    is_default INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 0,
    config TEXT NOT NULL,
    secrets TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT,
    UNIQUE (category, account_id, provider_name)
);
