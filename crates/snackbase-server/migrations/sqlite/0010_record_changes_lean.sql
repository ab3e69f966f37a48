-- The change log is written with every record write: keep it lean, as on
-- PostgreSQL. No foreign key to accounts and no index on created_at (pruning
-- walks the primary key from the oldest change). Deleting an account deletes
-- its changes explicitly (accounts/handlers.rs).
CREATE TABLE record_changes_lean (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     TEXT NOT NULL,
    collection     TEXT NOT NULL,
    operation      TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    record_id      TEXT NOT NULL,
    actor_user_id  TEXT,
    actor_role     TEXT NOT NULL,
    before         TEXT,
    after          TEXT,
    created_at     TEXT NOT NULL
);
INSERT INTO record_changes_lean SELECT seq, account_id, collection, operation, record_id, actor_user_id, actor_role, before, after, created_at FROM record_changes;
DROP TABLE record_changes;
ALTER TABLE record_changes_lean RENAME TO record_changes;
