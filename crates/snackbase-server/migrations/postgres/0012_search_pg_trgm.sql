-- Full-text search on record lists (collections/search.rs): searchable
-- columns get GIN trigram indexes (gin_trgm_ops) and ranking uses
-- word_similarity(), both from pg_trgm. The extension goes into the first
-- schema of the search path unless it is installed already; that schema must
-- stay on the server's search path.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
