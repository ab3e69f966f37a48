-- The change log: one row per committed record change, written in the
-- change's own transaction (src/db/feed.rs). `seq` orders the changes of this
-- database; realtime replay and cross-node delivery read it, and old rows are
-- pruned after the retention window. Records are JSON text as the API shows
-- them (all fields, no masking).
CREATE TABLE record_changes (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    collection     TEXT NOT NULL,
    operation      TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    record_id      TEXT NOT NULL,
    actor_user_id  TEXT,
    actor_role     TEXT NOT NULL,
    before         TEXT,
    after          TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX ix_record_changes_created_at ON record_changes (created_at);

-- Webhook subscriptions are compiled into the collection cache: their
-- changes move the cache generation like the other cached tables.
CREATE TRIGGER webhooks_cache_delete AFTER DELETE ON webhooks BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER webhooks_cache_update AFTER UPDATE ON webhooks BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER webhooks_cache_insert AFTER INSERT ON webhooks BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
