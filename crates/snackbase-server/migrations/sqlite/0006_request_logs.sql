-- Request logs (written in batches by a background task, pruned by age) and a
-- small key/value table for settings changed at run time from the admin UI.
CREATE TABLE request_logs (
    id              TEXT PRIMARY KEY,
    created_at      TEXT NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    status          INTEGER NOT NULL,
    duration_ms     REAL NOT NULL,
    ip              TEXT,
    user_agent      TEXT,
    account_id      TEXT,
    user_id         TEXT,
    correlation_id  TEXT NOT NULL,
    error           TEXT
);
CREATE INDEX ix_request_logs_created_at ON request_logs (created_at);
CREATE INDEX ix_request_logs_status ON request_logs (status, created_at);

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
