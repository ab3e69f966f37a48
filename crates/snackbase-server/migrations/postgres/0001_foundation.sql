-- Foundation: accounts, roles, users, login sessions and refresh tokens.

CREATE TABLE accounts (
    id          TEXT PRIMARY KEY CHECK (id ~ '^[A-Z]{2}[0-9]{4}$'),
    slug        TEXT NOT NULL CHECK (length(slug) BETWEEN 3 AND 32),
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX uq_accounts_slug ON accounts (slug);
CREATE INDEX ix_accounts_created_at ON accounts (created_at);

CREATE TABLE roles (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT
);
CREATE UNIQUE INDEX uq_roles_name ON roles (name);
INSERT INTO roles (id, name, description) VALUES
    (1, 'admin', 'Administrator with full access'),
    (2, 'user', 'Regular user with limited access'),
    (3, 'public', 'Anonymous callers, without a token');
SELECT setval(pg_get_serial_sequence('roles', 'id'), 3);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email          TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role_id        BIGINT NOT NULL REFERENCES roles (id),
    is_active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    last_login     TIMESTAMPTZ
);
CREATE UNIQUE INDEX uq_users_account_email ON users (account_id, email);
CREATE INDEX ix_users_role_id ON users (role_id);
CREATE INDEX ix_users_created_at ON users (created_at);

CREATE TABLE auth_sessions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX ix_auth_sessions_user ON auth_sessions (user_id);

CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL,
    session_id  TEXT NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at  TIMESTAMPTZ NOT NULL,
    is_revoked  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX uq_refresh_tokens_token_hash ON refresh_tokens (token_hash);
CREATE INDEX ix_refresh_tokens_session ON refresh_tokens (session_id);
CREATE INDEX ix_refresh_tokens_user ON refresh_tokens (user_id);
