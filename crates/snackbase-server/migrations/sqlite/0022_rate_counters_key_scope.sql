-- SQLite is one node: its auth limits count in memory (src/ratelimit), so it
-- has no rate_counters table (PostgreSQL's 0022 has).

-- An API key's collection scope: a JSON array of collection names, or NULL
-- for every collection. Set at creation only.
ALTER TABLE api_keys ADD COLUMN collections TEXT;
