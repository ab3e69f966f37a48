-- List totals kept between requests (records/counts.rs) are confirmed by
-- asking whether an account's change log holds a change that the snapshot
-- they were counted under did not see: changes by account, then by the
-- transaction that wrote them.
CREATE INDEX ix_record_changes_account_xid ON record_changes (account_id, xid);
