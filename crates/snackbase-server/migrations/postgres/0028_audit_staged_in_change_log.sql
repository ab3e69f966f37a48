-- A record change's audit event is staged in the row that logs the change
-- (src/db/feed.rs, `audit`: the event as JSON) instead of a row of
-- `audit_pending` of its own, which every audited write inserted and the
-- sealer deleted again. The sealer (src/audit/seal.rs) reads the log by
-- the transactions that wrote it: `audit_seal_cursor.done` is a snapshot
-- whose visible changes are all chained; a round chains the changes visible
-- in a newer snapshot (`target`) but not in `done`, a page at a time
-- (`after_xid`, `after_seq`: the last one chained), then `done` becomes
-- `target`. A transaction still running when a snapshot was taken is not
-- visible in it, so its changes are chained by a later round whatever
-- their `seq`. Other events (auth, schema, ...) stay in `audit_pending`.
ALTER TABLE record_changes ADD COLUMN audit TEXT;
CREATE INDEX ix_record_changes_audit ON record_changes (xid, seq) WHERE audit IS NOT NULL;

CREATE TABLE audit_seal_cursor (
    id          INT PRIMARY KEY CHECK (id = 1),
    done        pg_snapshot NOT NULL,
    target      pg_snapshot,
    after_xid   xid8,
    after_seq   BIGINT,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO audit_seal_cursor (id, done) VALUES (1, pg_current_snapshot());

-- A logged change, and the event staged with it, is never rewritten.
CREATE TRIGGER record_changes_no_update BEFORE UPDATE ON record_changes FOR EACH ROW EXECUTE FUNCTION snackbase_audit_append_only();

-- Tenants' transactions log changes (and read them: list totals); only the
-- server's own role prunes the log and moves the sealer.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'snackbase_tenant') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON record_changes FROM snackbase_tenant;
        REVOKE ALL ON audit_seal_cursor FROM snackbase_tenant;
    END IF;
END $$;
