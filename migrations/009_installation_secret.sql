-- Waymark schema, migration 009: the installation secret and secret workflow inputs.
--
-- `waymark.installation` holds one row: the per-installation secret every worker of this
-- database derives its keys from (HMAC tool-call keys and request hashes, so they cannot be
-- tested offline against guessed arguments; the encryption key of secret inputs). When
-- WAYMARK_SECRET_KEY is set, `secret` stays NULL and only `key_check` (an HMAC of a constant
-- under the key) is kept, so a worker started with another key is refused instead of computing
-- different tool-call keys. The first worker inserts the row; concurrent ones lose the insert
-- (ON CONFLICT DO NOTHING) and read the winner's.
--
-- `waymark.run_secrets` holds the live values of a run's secret input fields, sealed with
-- AES-256-GCM (the run id as associated data), while `waymark.runs.input` and DBOS's
-- checkpoints hold `[redacted]` in their place. The workflow reads the row each time it
-- executes (also after a recovery on another worker). The row is deleted when the run
-- succeeds; a failed or cancelled run keeps it so a resume or a retry (fork) still works, and
-- `DELETE`-ing it by hand makes later executions fail with secret_input_unavailable.

CREATE TABLE waymark.installation (
  singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  secret      text,
  key_check   text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE waymark.run_secrets (
  run_id      text PRIMARY KEY,
  tenant_id   text NOT NULL,
  sealed      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION waymark.drop_run_secrets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A run's secrets go when it, or a retry (fork) of it, succeeds.
  DELETE FROM waymark.run_secrets WHERE run_id = split_part(NEW.workflow_uuid, '.fork.', 1);
  RETURN NULL;
END $$;

CREATE TRIGGER waymark_drop_run_secrets
  AFTER UPDATE OF status ON dbos.workflow_status
  FOR EACH ROW WHEN (NEW.status = 'SUCCESS' AND OLD.status IS DISTINCT FROM 'SUCCESS')
  EXECUTE FUNCTION waymark.drop_run_secrets();
