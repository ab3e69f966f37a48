-- Files a committed write dropped keep their row, marked, until their object
-- is deleted (src/files/sweep.rs): the deletion outlives a crash between the
-- commit and the storage call. A row with a field but no collection is an
-- upload of a record write that has not committed yet.
ALTER TABLE files ADD COLUMN dropped_at TEXT;
CREATE INDEX ix_files_dropped ON files (dropped_at) WHERE dropped_at IS NOT NULL;
CREATE INDEX ix_files_collection ON files (collection, field) WHERE collection IS NOT NULL;
