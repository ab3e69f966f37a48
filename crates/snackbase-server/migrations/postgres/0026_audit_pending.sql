-- Audit events staged by the transaction of the change they record
-- (src/audit/append.rs), as JSON: a record change's event in the statement
-- that logs the change (with the log row's seq), other events one row per
-- transaction. The sealer
-- (src/audit/seal.rs) appends them to their chains right after the commit
-- and deletes the row in the same transaction; a row is never changed.
CREATE TABLE audit_pending (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    events      TEXT NOT NULL,
    change_seq  BIGINT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending FOR EACH ROW EXECUTE FUNCTION snackbase_audit_append_only();

-- Tenants' transactions stage events and do nothing else with them.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'snackbase_tenant') THEN
        REVOKE ALL ON audit_pending FROM snackbase_tenant;
        GRANT INSERT ON audit_pending TO snackbase_tenant;
    END IF;
END $$;
