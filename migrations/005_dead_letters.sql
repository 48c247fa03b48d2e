-- Waymark schema, migration 005: dead letters.
--
-- A run that fails for good — an error out of its workflow (a tool out of attempts, the run's
-- retry budget spent, any other error) or DBOS giving up after too many recovery attempts
-- (a poison run that kills its worker each time) — gets a dead letter in the same transaction
-- as DBOS's status write. A person then retries it from the failing step (a fork: earlier
-- steps are not re-run, tool calls keep their keys) or discards it with a reason; both are
-- audited on the run. A discarded dead letter is kept, and never retried.

CREATE TABLE waymark.dead_letters (
  run_id        text PRIMARY KEY REFERENCES waymark.runs (id),
  tenant_id     text NOT NULL,
  workflow      text NOT NULL,
  cause         text NOT NULL CHECK (cause IN ('error', 'max_recovery_attempts_exceeded', 'compensation_failed', 'timeout')),
  status        text NOT NULL CHECK (status IN ('open', 'retried', 'discarded')),
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  resolved_by   text,
  resolved_at   timestamptz,
  resolution    text,
  retry_run_id  text
);
CREATE INDEX dead_letters_open_idx ON waymark.dead_letters (tenant_id, status, created_at DESC, run_id DESC);

CREATE FUNCTION waymark.record_dead_letter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO waymark.dead_letters (run_id, tenant_id, workflow, cause, status)
  SELECT r.id, r.tenant_id, r.workflow,
         CASE WHEN NEW.status = 'ERROR' THEN 'error' ELSE 'max_recovery_attempts_exceeded' END, 'open'
  FROM waymark.runs r WHERE r.id = NEW.workflow_uuid
  ON CONFLICT (run_id) DO UPDATE SET status = 'open', cause = EXCLUDED.cause, created_at = clock_timestamp(),
    resolved_by = NULL, resolved_at = NULL, resolution = NULL, retry_run_id = NULL
  WHERE waymark.dead_letters.status <> 'discarded';
  RETURN NULL;
END $$;

CREATE TRIGGER waymark_dead_letters AFTER UPDATE OF status ON dbos.workflow_status
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('ERROR', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'))
  EXECUTE FUNCTION waymark.record_dead_letter();

-- Runs that failed for good or were cancelled, for the compensation watch.
CREATE INDEX runs_stopped_idx ON waymark.runs (id) WHERE phase IN ('failed', 'cancelled');
