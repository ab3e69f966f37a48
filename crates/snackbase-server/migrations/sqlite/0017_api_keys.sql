-- API keys (src/apikeys): `X-API-Key: sb_ak.<key_id>.<secret>` acts in one
-- account with a role, on behalf of the user who made it. Only a hash of the
-- secret is stored. Revocation, expiry and role changes move the change
-- generation, so no node keeps using a revoked key from its cache.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    role_id       INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    created_by    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    expires_at    TEXT,
    last_used_at  TEXT,
    revoked_at    TEXT
);
CREATE UNIQUE INDEX uq_api_keys_key_id ON api_keys (key_id);
CREATE INDEX ix_api_keys_account ON api_keys (account_id, created_at);

CREATE TRIGGER api_keys_cache_delete AFTER DELETE ON api_keys BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_cache_update AFTER UPDATE OF revoked_at, expires_at, role_id, account_id, created_by, secret_hash ON api_keys BEGIN UPDATE cache_generation SET value = value + 1 WHERE id = 1; END;
