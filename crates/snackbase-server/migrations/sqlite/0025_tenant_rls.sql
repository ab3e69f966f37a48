-- PostgreSQL's migration of this number turns on row-level security for
-- collection tables; SQLite has no such thing (one process owns the file),
-- so this revision only keeps the two backends' numbering in step.
SELECT 1;
