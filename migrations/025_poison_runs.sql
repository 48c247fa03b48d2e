-- Waymark schema, migration 025: poison runs — crashes without progress.
--
-- DBOS counts every dispatch of a workflow (`recovery_attempts`) and never forgets one: a
-- graceful restart, a deploy, a worker killed because *another* run crashed it, all count as
-- much as the run's own crash. A low DBOS limit would dead-letter healthy runs that live
-- across many deploys; the default (100) lets a poison run kill its worker 100 times.
--
-- Waymark counts instead, per run, the crashes of its executions in a row *without progress*:
-- one row per run, written when an execution starts and when it ends (parks, fails, is
-- cancelled, completes). An execution that finds its predecessor still marked `executing`
-- under another process knows that process died with it:
--   * if the run has a newer checkpoint (DBOS function id) than when that execution started,
--     it made progress: the count starts again at 1;
--   * else the count goes up by one; at the workflow's limit (`maxCrashesWithoutProgress`,
--     default 5) the run fails with `poison_run`, naming the step it died in, and its dead
--     letter carries the cause `poison_run` (with an alert, like any dead letter).
-- Not crashes: an execution interrupted by a graceful stop (`interrupted`, marked by the
-- stopping worker), and one that died while waiting (`waiting`, marked shortly after a
-- durable wait begins): a run waiting for a person is not at fault when its worker dies.

CREATE TABLE waymark.run_executions (
  run_id                   text PRIMARY KEY REFERENCES waymark.runs (id) ON DELETE CASCADE,
  tenant_id                text NOT NULL,
  -- the execution under way or last seen: its process (a token per process start), where, when
  process_token            text NOT NULL,
  executor_id              text,
  pid                      int,
  started_at               timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- the run's newest checkpoint (DBOS function id, -1: none) when this execution started
  checkpoint_at_start      int NOT NULL,
  state                    text NOT NULL CHECK (state IN ('executing', 'waiting', 'interrupted', 'ended')),
  crashes_without_progress int NOT NULL DEFAULT 0,
  crashes                  int NOT NULL DEFAULT 0,
  -- the last crash: when it was found, the process that died, the step it died in
  last_crash               jsonb,
  poisoned_at              timestamptz,
  updated_at               timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- A graceful stop marks the executions of its own process.
CREATE INDEX run_executions_live_idx ON waymark.run_executions (process_token) WHERE state IN ('executing', 'waiting');

ALTER TABLE waymark.run_executions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.run_executions USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'waymark_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON waymark.run_executions TO waymark_app;
  END IF;
END $$;

COMMENT ON TABLE waymark.run_executions IS
  'Per run: its execution under way or last seen, and its crashes in a row without progress (poison-run detection).';

-- The dead letter of a run that failed as a poison run says so.
ALTER TABLE waymark.dead_letters DROP CONSTRAINT dead_letters_cause_check;
ALTER TABLE waymark.dead_letters ADD CONSTRAINT dead_letters_cause_check
  CHECK (cause IN ('error', 'max_recovery_attempts_exceeded', 'compensation_failed', 'timeout', 'poison_run'));

CREATE OR REPLACE FUNCTION waymark.record_dead_letter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO waymark.dead_letters (run_id, tenant_id, workflow, cause, status)
  SELECT r.id, r.tenant_id, r.workflow,
         CASE WHEN NEW.status <> 'ERROR' THEN 'max_recovery_attempts_exceeded'
              WHEN EXISTS (SELECT 1 FROM waymark.run_executions x WHERE x.run_id = r.id AND x.poisoned_at IS NOT NULL) THEN 'poison_run'
              ELSE 'error' END, 'open'
  FROM waymark.runs r WHERE r.id = NEW.workflow_uuid
  ON CONFLICT (run_id) DO UPDATE SET status = 'open', cause = EXCLUDED.cause, created_at = clock_timestamp(),
    resolved_by = NULL, resolved_at = NULL, resolution = NULL, retry_run_id = NULL
  WHERE waymark.dead_letters.status <> 'discarded';
  RETURN NULL;
END $$;
