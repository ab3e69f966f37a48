-- Impersonation (src/users/impersonate.rs): a session opened by an
-- administrator acting as a user names who acts; the request log keeps it
-- beside the user, so every request of such a session is attributable.
ALTER TABLE auth_sessions ADD COLUMN impersonated_by TEXT REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE request_logs ADD COLUMN impersonator_id TEXT;
