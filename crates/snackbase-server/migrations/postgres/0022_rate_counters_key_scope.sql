-- Auth limits that hold across nodes (src/ratelimit/counters.rs): one row per
-- hashed key (bucket + client address, account and email, or mail kind),
-- counting the attempts of a fixed window that opened at the key's first
-- attempt and ends at `window_end` (milliseconds since the epoch, by the
-- database's clock). Rows of ended windows are swept.
CREATE TABLE rate_counters (
    key         TEXT PRIMARY KEY,
    window_end  BIGINT NOT NULL,
    count       BIGINT NOT NULL
);
CREATE INDEX ix_rate_counters_window_end ON rate_counters (window_end);

-- An API key's collection scope: a JSON array of collection names, or NULL
-- for every collection. Set at creation only.
ALTER TABLE api_keys ADD COLUMN collections TEXT;
