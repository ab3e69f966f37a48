-- Scheduled backups (src/backup): the schedule's ticks fall on multiples of
-- the interval, the same instants on every node; the node whose insert of a
-- tick's row succeeds makes that backup, the others skip it. Old rows are
-- deleted as new ones come.
CREATE TABLE backup_slots (
    slot        BIGINT PRIMARY KEY,
    claimed_at  TEXT NOT NULL
);
