-- OAuth2 / OpenID Connect login (src/auth/oauth/).
-- A login in progress: created by /authorize, used once by /callback. Only a
-- hash of `state` is kept; the PKCE verifier is sealed (src/sealed.rs).
CREATE TABLE oauth_flows (
    state_hash        TEXT PRIMARY KEY,
    provider_name     TEXT NOT NULL,
    configuration_id  TEXT NOT NULL,
    account_id        TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    account_name      TEXT,
    redirect_uri      TEXT NOT NULL,
    pkce_verifier     TEXT NOT NULL,
    nonce             TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_oauth_flows_expires_at ON oauth_flows (expires_at);

-- An identity at a provider (issuer + subject) linked to one user of one account.
CREATE TABLE user_identities (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    provider_name  TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    subject        TEXT NOT NULL,
    email          TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    last_login_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, issuer, subject)
);
CREATE INDEX ix_user_identities_subject ON user_identities (issuer, subject);
CREATE INDEX ix_user_identities_user ON user_identities (user_id);
