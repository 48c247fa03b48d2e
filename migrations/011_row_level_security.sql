-- Waymark schema, migration 011: tenants isolated by Postgres.
--
-- Every table of tenant data gets a row-level security policy keyed on the tenant the
-- database gateway sets per transaction (`waymark.tenant_id`, SET LOCAL). The gateway runs each
-- of its transactions as the role `waymark_app` (SET LOCAL ROLE), which does not own the
-- tables and cannot bypass row-level security: a query that forgets its `tenant_id = …`
-- condition still sees only its own tenant's rows, and cannot write another tenant's. Service
-- checks stay as a second wall. Housekeeping that works across tenants (leases, timeouts, key
-- lookups) sets the reserved tenant `*system*`.
--
-- The role that runs migrations (the tables' owner) is exempt, and so are DBOS's own
-- connections: DBOS keeps its tables and Waymark's triggers on them working as before.
--
-- Creating a role needs CREATEROLE. Without it the migration still applies, the policies
-- exist, and Waymark logs at start-up that the gateway cannot switch to `waymark_app`: create
-- the role as an administrator (see the README, "Database roles") and grant it to Waymark's
-- login role.
--
-- Not tenant data, so without policies: the phase catalogue, worker leases (an admin view of
-- the installation) and the completion records of business transactions (keyed by run and
-- step, written only by the owner's connections).

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'waymark_app') THEN
    BEGIN
      CREATE ROLE waymark_app NOLOGIN NOINHERIT NOBYPASSRLS;
    EXCEPTION
      WHEN duplicate_object OR unique_violation THEN NULL; -- another database's migration made it
      WHEN insufficient_privilege THEN RAISE NOTICE 'waymark: cannot create role waymark_app (needs CREATEROLE); row-level security will not be enforced by the gateway';
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'waymark_app') THEN
    BEGIN
      EXECUTE format('GRANT waymark_app TO %I', current_user);
    EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
      RAISE NOTICE 'waymark: cannot grant waymark_app to %', current_user;
    END;
    GRANT USAGE ON SCHEMA waymark, dbos TO waymark_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA waymark TO waymark_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA dbos TO waymark_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA waymark, dbos TO waymark_app;
    -- Tables that later migrations (Waymark's or DBOS's) add, made by this same owner.
    ALTER DEFAULT PRIVILEGES IN SCHEMA waymark GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO waymark_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA waymark GRANT USAGE, SELECT ON SEQUENCES TO waymark_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA dbos GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO waymark_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA dbos GRANT USAGE, SELECT ON SEQUENCES TO waymark_app;
  END IF;
END $$;

-- True for rows the transaction's tenant may see: its own, or every tenant's for housekeeping.
-- A transaction that set no tenant sees nothing.
CREATE FUNCTION waymark.tenant_visible(row_tenant text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT row_tenant = current_setting('waymark.tenant_id', true) OR current_setting('waymark.tenant_id', true) = '*system*'
$$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['runs', 'run_events', 'tool_calls', 'tool_call_attempts', 'approvals', 'events', 'event_waits',
                           'dead_letters', 'api_keys', 'audit_log', 'model_calls', 'run_secrets'] LOOP
    EXECUTE format('ALTER TABLE waymark.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON waymark.%I USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id))', t);
  END LOOP;
  -- The audit view reads its tables with the caller's rights (and so its policies), not its owner's.
  IF current_setting('server_version_num')::int >= 150000 THEN
    ALTER VIEW waymark.run_history SET (security_invoker = true);
  END IF;
END $$;
