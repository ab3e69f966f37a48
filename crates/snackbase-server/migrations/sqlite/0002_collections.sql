-- Collections: global schemas; each has one physical table col_<lower(name)>.
CREATE TABLE collections (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    table_name  TEXT NOT NULL,
    schema      TEXT NOT NULL,
    indexes     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
-- The table name is the lowercased collection name: unique, so names are unique case-insensitively.
CREATE UNIQUE INDEX uq_collections_table_name ON collections (table_name);

-- Every schema change, in order: what changed and the schema after it.
CREATE TABLE collection_migrations (
    id               TEXT PRIMARY KEY,
    collection_id    TEXT NOT NULL,
    collection_name  TEXT NOT NULL,
    version          INTEGER NOT NULL,
    operation        TEXT NOT NULL,
    changes          TEXT NOT NULL,
    schema           TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       TEXT
);
CREATE INDEX ix_collection_migrations_collection ON collection_migrations (collection_id, version);
CREATE INDEX ix_collection_migrations_created ON collection_migrations (created_at);
