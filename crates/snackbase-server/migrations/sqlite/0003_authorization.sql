-- Authorization: permissions per (role, collection or '*'), groups, SQL macros, invitations.

CREATE TABLE permissions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    role_id     INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    collection  TEXT NOT NULL,
    rules       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX uq_permissions_role_collection ON permissions (role_id, collection);

-- The admin role may do everything, everywhere.
INSERT INTO permissions (role_id, collection, rules, created_at, updated_at) VALUES (
    1, '*',
    '{"create":{"rule":"true","fields":"*"},"read":{"rule":"true","fields":"*"},"update":{"rule":"true","fields":"*"},"delete":{"rule":"true","fields":"*"}}',
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
);

CREATE TABLE groups (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    description  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX uq_groups_account_name ON groups (account_id, name);

CREATE TABLE group_members (
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX ix_group_members_user ON group_members (user_id);

CREATE TABLE macros (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    description  TEXT,
    sql_query    TEXT NOT NULL,
    parameters   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    created_by   TEXT
);
CREATE UNIQUE INDEX uq_macros_name ON macros (name);
