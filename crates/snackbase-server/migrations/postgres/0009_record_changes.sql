-- The change log: one row per committed record change, written in the
-- change's own transaction (src/db/feed.rs). `seq` orders the changes of this
-- database; `xid` (the writing transaction) lets a reader tell a gap that a
-- running transaction may still fill from one a rollback left. Realtime
-- replay and cross-node delivery read it; old rows are pruned after the
-- retention window. Records are JSON text as the API shows them.
CREATE TABLE record_changes (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid            xid8 NOT NULL DEFAULT pg_current_xact_id(),
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    collection     TEXT NOT NULL,
    operation      TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    record_id      TEXT NOT NULL,
    actor_user_id  TEXT,
    actor_role     TEXT NOT NULL,
    before         TEXT,
    after          TEXT,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_record_changes_created_at ON record_changes (created_at);

-- Webhook subscriptions are compiled into the collection cache: their
-- changes move the cache generation like the other cached tables.
CREATE TRIGGER webhooks_cache AFTER DELETE OR UPDATE OR INSERT ON webhooks FOR EACH STATEMENT EXECUTE FUNCTION snackbase_cache_changed();
