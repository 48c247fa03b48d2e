-- Waymark schema, migration 012: identity, hardened.
--
-- A fork or a dead-letter retry acts with the authority of the operator who made it. DBOS
-- creates the fork's workflow row, and Waymark's trigger its run row, in DBOS's own
-- transaction; the operator's key and name are written here first, keyed by the new run's id
-- (chosen before the fork), so the fork's first step already finds them.
--
-- The tenant audit log is append-only, like the run audit trail. The installation secret
-- (which keys tool-call hashes and seals secret inputs) is read by Waymark's login role at
-- start-up, never by the role the gateway's transactions run as.

CREATE TABLE waymark.run_starters (
  run_id     text PRIMARY KEY,
  tenant_id  text NOT NULL,
  key_id     text,
  actor      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
ALTER TABLE waymark.run_starters ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.run_starters USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));

CREATE FUNCTION waymark.refuse_audit_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'waymark.audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'WM002';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON waymark.audit_log
  FOR EACH ROW EXECUTE FUNCTION waymark.refuse_audit_log_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON waymark.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION waymark.refuse_audit_log_change();

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'waymark_app') THEN
    REVOKE ALL ON waymark.installation FROM waymark_app;
  END IF;
END $$;
