-- PostgreSQL's migration of this number adds the table where transactions
-- stage audit events for the sealer; on SQLite (one writer) a transaction
-- appends its events to the chain itself, so this revision only keeps the
-- two backends' numbering in step.
SELECT 1;
