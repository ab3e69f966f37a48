-- Row-level security on collection tables: a second wall behind the
-- application's account filter (docs/scaling.md, "Row-level security").
--
-- Requests of a tenant (anyone but the superadmin) run their record
-- statements as the role snackbase_tenant, with the account in the
-- transaction setting snackbase.account_id (src/db/tenant.rs). Each
-- collection table carries a policy that shows and accepts only that
-- account's rows; the connecting role owns the tables, so its own work (the
-- superadmin's, the system's) passes the policy by ownership: that is the
-- explicit bypass.
--
-- Roles belong to the whole PostgreSQL cluster: the role is created once and
-- shared by every database and schema of the cluster. A connecting role that
-- may not create roles leaves it to a DBA (`CREATE ROLE snackbase_tenant
-- NOLOGIN; GRANT snackbase_tenant TO <app role>`): the migration still
-- installs the policies, and the server runs without the wall until the role
-- exists (SNACKBASE_POSTGRES_RLS=on refuses to start instead).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'snackbase_tenant') THEN
        BEGIN
            CREATE ROLE snackbase_tenant NOLOGIN;
        EXCEPTION
            -- Another database's migration created it at the same moment.
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'snackbase: cannot create role snackbase_tenant; row-level security waits for a DBA';
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'snackbase_tenant') THEN
        IF NOT pg_has_role(current_user, 'snackbase_tenant', 'MEMBER') THEN
            BEGIN
                EXECUTE format('GRANT snackbase_tenant TO %I', current_user);
            EXCEPTION WHEN insufficient_privilege THEN
                RAISE NOTICE 'snackbase: cannot grant snackbase_tenant to %; row-level security waits for a DBA', current_user;
            END;
        END IF;
        -- Everything a record request touches, then the same for the tables
        -- later migrations and collections create (made by this role).
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO snackbase_tenant', current_schema());
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO snackbase_tenant', current_schema());
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO snackbase_tenant', current_schema());
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO snackbase_tenant', current_schema());
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO snackbase_tenant', current_schema());
        -- The audit trail is append-only for tenants (its triggers refuse the
        -- rest for everyone).
        REVOKE UPDATE, DELETE ON audit_log, audit_checkpoints FROM snackbase_tenant;
    END IF;
END $$;

-- The policy on every collection table there is (new ones get it from
-- collections/ddl.rs). Views keep their owner's rights and their own
-- account filter.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.table_name FROM collections c
        JOIN pg_tables p ON p.tablename = c.table_name AND p.schemaname = current_schema()
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (account_id = current_setting(''snackbase.account_id'', true)) '
            'WITH CHECK (account_id = current_setting(''snackbase.account_id'', true))', t);
    END LOOP;
END $$;
