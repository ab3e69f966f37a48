-- The change log is written with every record write: keep it lean. No
-- foreign key to accounts (its check locks the account row, which every
-- concurrent write of an account would share) and no index on created_at
-- (pruning walks the primary key from the oldest change). Deleting an
-- account deletes its changes explicitly (accounts/handlers.rs).
ALTER TABLE record_changes DROP CONSTRAINT record_changes_account_id_fkey;
DROP INDEX ix_record_changes_created_at;
