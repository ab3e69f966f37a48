-- Full-text search on record lists: nothing to do on SQLite. Each collection
-- with searchable fields gets its own FTS5 table when its schema says so
-- (collections/search.rs); this file keeps the numbering of both backends aligned.
SELECT 1;
