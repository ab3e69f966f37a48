-- One row per stored object (src/files/): uploads of POST /files/upload and
-- the files of records' file fields. The object lives in the storage under
-- `key`; every query filters by account_id. collection/record_id/field are
-- set for record files only.
CREATE TABLE files (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    original_name  TEXT NOT NULL,
    size           BIGINT NOT NULL,
    mime_type      TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    created_by     TEXT,
    created_at     TEXT NOT NULL,
    collection     TEXT,
    record_id      TEXT,
    field          TEXT
);
CREATE UNIQUE INDEX uq_files_key ON files (key);
CREATE INDEX ix_files_account ON files (account_id, created_at);
CREATE INDEX ix_files_record ON files (account_id, collection, record_id);
