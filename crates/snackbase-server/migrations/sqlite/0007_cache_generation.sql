-- The change generation: one row whose value moves, in the same transaction,
-- whenever a table that the in-memory caches are built from changes (see
-- src/db/changes.rs). Nodes compare it with what their caches were built under.
CREATE TABLE cache_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO cache_generation (id, value) VALUES (1, 0);

CREATE TRIGGER users_cache_delete AFTER DELETE ON users BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER users_cache_update AFTER UPDATE OF email, role_id, is_active, password_hash, account_id ON users BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER accounts_cache_delete AFTER DELETE ON accounts BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_cache_update AFTER UPDATE OF slug, name ON accounts BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER auth_sessions_cache_delete AFTER DELETE ON auth_sessions BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER auth_sessions_cache_update AFTER UPDATE OF revoked_at, user_id ON auth_sessions BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER roles_cache_delete AFTER DELETE ON roles BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER roles_cache_update AFTER UPDATE ON roles BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER roles_cache_insert AFTER INSERT ON roles BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER permissions_cache_delete AFTER DELETE ON permissions BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER permissions_cache_update AFTER UPDATE ON permissions BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER permissions_cache_insert AFTER INSERT ON permissions BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER macros_cache_delete AFTER DELETE ON macros BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER macros_cache_update AFTER UPDATE ON macros BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER macros_cache_insert AFTER INSERT ON macros BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER collections_cache_delete AFTER DELETE ON collections BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER collections_cache_update AFTER UPDATE ON collections BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER collections_cache_insert AFTER INSERT ON collections BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER groups_cache_delete AFTER DELETE ON groups BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER groups_cache_update AFTER UPDATE ON groups BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER groups_cache_insert AFTER INSERT ON groups BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER group_members_cache_delete AFTER DELETE ON group_members BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER group_members_cache_update AFTER UPDATE ON group_members BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER group_members_cache_insert AFTER INSERT ON group_members BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
