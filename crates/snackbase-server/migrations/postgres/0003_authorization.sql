-- Authorization: permissions per (role, collection or '*'), groups, SQL macros, invitations.

CREATE TABLE permissions (
    id          BIGSERIAL PRIMARY KEY,
    role_id     BIGINT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    collection  TEXT NOT NULL,
    rules       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX uq_permissions_role_collection ON permissions (role_id, collection);

INSERT INTO permissions (role_id, collection, rules, created_at, updated_at) VALUES (
    1, '*',
    '{"create":{"rule":"true","fields":"*"},"read":{"rule":"true","fields":"*"},"update":{"rule":"true","fields":"*"},"delete":{"rule":"true","fields":"*"}}',
    now(), now()
);

CREATE TABLE groups (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    description  TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX uq_groups_account_name ON groups (account_id, name);

CREATE TABLE group_members (
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX ix_group_members_user ON group_members (user_id);

CREATE TABLE macros (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT,
    sql_query    TEXT NOT NULL,
    parameters   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    created_by   TEXT
);
CREATE UNIQUE INDEX uq_macros_name ON macros (name);
