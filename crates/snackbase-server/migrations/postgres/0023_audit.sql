-- The audit trail (src/audit): see the SQLite migration of the same number.
CREATE TABLE audit_log (
    id              BIGSERIAL PRIMARY KEY,
    chain           TEXT NOT NULL,
    sequence        BIGINT NOT NULL,
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

CREATE FUNCTION snackbase_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION snackbase_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION snackbase_audit_append_only();

CREATE TABLE audit_heads (
    chain       TEXT PRIMARY KEY,
    sequence    BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    signature   TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE audit_checkpoints (
    id                  BIGSERIAL PRIMARY KEY,
    chain               TEXT NOT NULL,
    sequence            BIGINT NOT NULL,
    head_hash           TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    previous_signature  TEXT NOT NULL,
    signature           TEXT NOT NULL,
    UNIQUE (chain, sequence)
);
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION snackbase_audit_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION snackbase_audit_append_only();

CREATE TABLE audit_settings (
    collection         TEXT PRIMARY KEY,
    enabled            BOOLEAN NOT NULL DEFAULT TRUE,
    excluded_fields    TEXT NOT NULL DEFAULT '[]',
    require_signature  BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at         TEXT NOT NULL
);
CREATE TRIGGER audit_settings_cache AFTER DELETE OR UPDATE OR INSERT ON audit_settings FOR EACH STATEMENT EXECUTE FUNCTION snackbase_cache_changed();
