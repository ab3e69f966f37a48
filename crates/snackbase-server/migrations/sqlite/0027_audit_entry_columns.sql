-- One audit entry per change (src/audit/append.rs): the changed columns of
-- an entry, a JSON array of [name, old, new], hashed with the entry. Entries
-- written before keep one column each in column_name, old_value and
-- new_value (and this column empty); the API lists both alike, one entry
-- per column (src/audit/query.rs).
ALTER TABLE audit_log ADD COLUMN columns TEXT;
