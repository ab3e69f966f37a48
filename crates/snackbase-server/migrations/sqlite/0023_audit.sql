-- The audit trail (src/audit): append-only entries, one per changed column,
-- written in the transaction of the change they describe. Entries form hash
-- chains (one per account, one for system events, `chain`), numbered by
-- `sequence`; `checksum` = SHA-256 of the previous entry's checksum and the
-- entry's canonical content. Timestamps are text in one fixed format, so that
-- the hashed content reads back byte for byte on both backends.
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    chain           TEXT NOT NULL,
    sequence        INTEGER NOT NULL,
    account_id      TEXT,
    operation       TEXT NOT NULL,
    table_name      TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    column_name     TEXT,
    old_value       TEXT,
    new_value       TEXT,
    user_id         TEXT,
    user_email      TEXT,
    user_name       TEXT,
    es_username     TEXT,
    es_reason       TEXT,
    es_timestamp    TEXT,
    ip_address      TEXT,
    user_agent      TEXT,
    request_id      TEXT,
    occurred_at     TEXT NOT NULL,
    extra_metadata  TEXT,
    previous_hash   TEXT NOT NULL,
    checksum        TEXT NOT NULL,
    UNIQUE (chain, sequence)
);
-- Few indexes, each paid by every append: an account's entries newest first,
-- and a record's history.
CREATE INDEX ix_audit_log_account ON audit_log (account_id, id);
CREATE INDEX ix_audit_log_record ON audit_log (account_id, table_name, record_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- The head of each chain, moved by every append and signed (ed25519) each
-- time, so that cutting entries off the end no longer matches a signed head.
CREATE TABLE audit_heads (
    chain       TEXT PRIMARY KEY,
    sequence    INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    signature   TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Signed checkpoints, every N entries of a chain; each signs the previous
-- checkpoint's signature too, so that the checkpoints form a chain of their own.
CREATE TABLE audit_checkpoints (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    chain               TEXT NOT NULL,
    sequence            INTEGER NOT NULL,
    head_hash           TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    previous_signature  TEXT NOT NULL,
    signature           TEXT NOT NULL,
    UNIQUE (chain, sequence)
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;

-- What is audited, per collection (all by default: a missing row).
CREATE TABLE audit_settings (
    collection         TEXT PRIMARY KEY,
    enabled            BOOLEAN NOT NULL DEFAULT 1,
    excluded_fields    TEXT NOT NULL DEFAULT '[]',
    require_signature  BOOLEAN NOT NULL DEFAULT 0,
    updated_at         TEXT NOT NULL
);
CREATE TRIGGER audit_settings_cache_delete AFTER DELETE ON audit_settings BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER audit_settings_cache_update AFTER UPDATE ON audit_settings BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER audit_settings_cache_insert AFTER INSERT ON audit_settings BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
