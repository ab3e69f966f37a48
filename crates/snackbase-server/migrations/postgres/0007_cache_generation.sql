-- The change generation: one row whose value moves, in the same transaction,
-- whenever a table that the in-memory caches are built from changes (see
-- src/db/changes.rs). Nodes compare it with what their caches were built under.
CREATE TABLE cache_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO cache_generation (id, value) VALUES (1, 0);

CREATE FUNCTION snackbase_cache_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_generation SET value = value + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_cache AFTER DELETE OR UPDATE OF email, role_id, is_active, password_hash, account_id ON users FOR EACH STATEMENT EXECUTE FUNCTION snackbase_cache_changed();
CREATE TRIGGER accounts_cache AFTER DELETE OR UPDATE OF slug, name ON accounts FOR EACH STATEMENT EXECUTE FUNCTION snackbase_cache_changed();
CREATE TRIGGER auth_sessions_cache AFTER DELETE OR UPDATE OF revoked_at, user_id ON auth_sessions FOR EACH STATEMENT EXECUTE FUNCTION snackbase_cache_changed();
CREATE TRIGGER roles_cache AFTER DELETE OR UPDATE OR INSERT ON roles FOR EACH STATEMENT EXECUTE FUNCTION snackbase_cache_changed();
CREATE TRIGGER permissions_cache AFTER DELETE OR UPDATE OR INSERT ON permissions FOR EACH STATEMENT EXECUTE FUNCTION snackbase_cache_changed();
CREATE TRIGGER macros_cache AFTER DELETE OR UPDATE OR INSERT ON macros FOR EACH STATEMENT EXECUTE FUNCTION snackbase_cache_changed();
CREATE TRIGGER collections_cache AFTER DELETE OR UPDATE OR INSERT ON collections FOR EACH STATEMENT EXECUTE FUNCTION snackbase_cache_changed();
CREATE TRIGGER groups_cache AFTER DELETE OR UPDATE OR INSERT ON groups FOR EACH STATEMENT EXECUTE FUNCTION snackbase_cache_changed();
CREATE TRIGGER group_members_cache AFTER DELETE OR UPDATE OR INSERT ON group_members FOR EACH STATEMENT EXECUTE FUNCTION snackbase_cache_changed();
