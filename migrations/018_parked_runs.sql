-- Waymark schema, migration 018: parked runs — waiting that holds nothing.
--
-- A run that waits (an approval, an event, an in-doubt resolution, a durable sleep) waits live
-- for a short hot window, then *parks*: its DBOS execution ends (DBOS status CANCELLED, nothing
-- in memory, no queue slot, nothing polls) while the run stays waiting here. The answer that
-- wakes it (a decision, an event, a resolution: a DBOS message) or the time of its next
-- reminder, escalation, deadline or sleep end resumes it (`DBOS resumeWorkflow`), and it
-- replays to the wait from its checkpoints.
--
-- One row per parked run, through these states:
--   parking   the park step committed; the execution is ending (it cancels itself, then
--             moves the row to `parked`). A message arriving now sets `wake_requested`.
--   parked    the execution has ended. A message (its sender, in its own transaction) or the
--             timer sweep (`wake_at` due) claims it: `resuming`, then resumes it.
--   resuming  claimed by exactly one waker, which resumes it; the row goes away when DBOS
--             dispatches the run again (trigger below). A stale claim (its waker died) is
--             claimed again by the sweep.
--   cancelled the run was cancelled (parked or not): a tombstone, so that a park under way
--             does not park a cancelled run, a resume that raced the cancel is undone, and a
--             user's resume removes it.
-- Senders and the park step serialise on a transaction-scoped advisory lock per run, so a
-- message is never missed between the park's check and its commit.
--
-- While a run is parked (parking, parked, resuming) its DBOS CANCELLED status is not a cancel:
-- the status triggers leave its phase, approvals and event waits as they are.

CREATE TABLE waymark.parked_runs (
  run_id          text PRIMARY KEY REFERENCES waymark.runs (id),
  tenant_id       text NOT NULL,
  state           text NOT NULL CHECK (state IN ('parking', 'parked', 'resuming', 'cancelled')),
  -- the DBOS topic the run waits on, and the function id of the step that parked it
  topic           text NOT NULL,
  park_step       int NOT NULL,
  -- the run's next timer on the runtime clock (reminder, escalation, deadline, sleep end); NULL: only a message wakes it
  wake_at         timestamptz,
  wake_requested  boolean NOT NULL DEFAULT false,
  executor_id     text,
  parked_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- The timer sweep: one indexed range read per tick for every parked run.
CREATE INDEX parked_runs_wake_idx ON waymark.parked_runs (wake_at) WHERE state = 'parked';
-- Claims and parks left half-way by a process that died.
CREATE INDEX parked_runs_stale_idx ON waymark.parked_runs (updated_at) WHERE state IN ('parking', 'resuming');

ALTER TABLE waymark.parked_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.parked_runs USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'waymark_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON waymark.parked_runs TO waymark_app;
  END IF;
END $$;

COMMENT ON TABLE waymark.parked_runs IS
  'Runs whose wait has parked: their execution ended and a message or their next timer resumes them.';

-- Whether the run's DBOS status is a park rather than a stop.
CREATE FUNCTION waymark.is_parked(p_run text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM waymark.parked_runs WHERE run_id = p_run AND state IN ('parking', 'parked', 'resuming'))
$$;

-- Closes (p_cancel) or reopens what a run waits for, with audit events: what follow_run_waits
-- (migration 006) did, callable for a run cancelled while parked too.
CREATE FUNCTION waymark.close_run_waits(p_run text, p_cancel boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  WITH upd AS (
    UPDATE waymark.approvals
    SET status = CASE WHEN p_cancel THEN 'cancelled' ELSE 'pending' END, cancelled_with_run = p_cancel, updated_at = clock_timestamp()
    WHERE run_id = p_run
      AND (CASE WHEN p_cancel THEN status = 'pending' ELSE status = 'cancelled' AND cancelled_with_run END)
    RETURNING id, run_id, tenant_id)
  INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data)
  SELECT run_id, tenant_id, CASE WHEN p_cancel THEN 'approval_cancelled' ELSE 'approval_reopened' END, 'dbos',
         CASE WHEN p_cancel THEN 'the run was cancelled' ELSE 'the run was resumed' END, jsonb_build_object('approvalId', id)
  FROM upd;
  WITH upd AS (
    UPDATE waymark.event_waits
    SET status = CASE WHEN p_cancel THEN 'cancelled' ELSE 'waiting' END, cancelled_with_run = p_cancel,
        finished_at = CASE WHEN p_cancel THEN clock_timestamp() END
    WHERE run_id = p_run
      AND (CASE WHEN p_cancel THEN status = 'waiting' ELSE status = 'cancelled' AND cancelled_with_run END)
    RETURNING id, run_id, tenant_id, type, key)
  INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data)
  SELECT run_id, tenant_id, CASE WHEN p_cancel THEN 'event_wait_cancelled' ELSE 'event_wait_reopened' END, 'dbos',
         CASE WHEN p_cancel THEN 'the run was cancelled' ELSE 'the run was resumed' END,
         jsonb_build_object('waitId', id, 'type', type, 'key', key)
  FROM upd;
END $$;

-- The body of follow_run_waits is close_run_waits now; the trigger skips parked runs below.
CREATE OR REPLACE FUNCTION waymark.follow_run_waits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'CANCELLED' OR (OLD.status = 'CANCELLED' AND NEW.status IN ('ENQUEUED', 'PENDING')) THEN
    PERFORM waymark.close_run_waits(NEW.workflow_uuid, NEW.status = 'CANCELLED');
  END IF;
  RETURN NULL;
END $$;

-- A park (CANCELLED) or the resume of a parked run is not a cancel or a resume of the run: its
-- phase, approvals and event waits stay as they are.
DROP TRIGGER waymark_follow_run_waits ON dbos.workflow_status;
CREATE TRIGGER waymark_follow_run_waits AFTER UPDATE OF status ON dbos.workflow_status
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND (NEW.status = 'CANCELLED' OR OLD.status = 'CANCELLED')
                     AND NOT waymark.is_parked(NEW.workflow_uuid))
  EXECUTE FUNCTION waymark.follow_run_waits();
DROP TRIGGER waymark_follow_status ON dbos.workflow_status;
CREATE TRIGGER waymark_follow_status AFTER UPDATE OF status ON dbos.workflow_status
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NOT (NEW.status = 'CANCELLED' AND waymark.is_parked(NEW.workflow_uuid)))
  EXECUTE FUNCTION waymark.follow_workflow_status();

-- A run dispatched again after its park no longer is parked.
CREATE FUNCTION waymark.unpark_dispatched_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM waymark.parked_runs WHERE run_id = NEW.workflow_uuid AND state = 'resuming';
  RETURN NULL;
END $$;
CREATE TRIGGER waymark_unpark AFTER UPDATE OF status ON dbos.workflow_status
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status = 'PENDING')
  EXECUTE FUNCTION waymark.unpark_dispatched_run();

-- Cancels a run for good, parked or not: a tombstone, so that a park under way (or a resume
-- that raced the cancel) sees the cancel. A parked run's DBOS status already is CANCELLED, so no
-- status trigger fires for it: its waits are closed and its phase moved here, as a DBOS cancel
-- would have done. Returns the state it was parked in, NULL when it was not parked.
CREATE FUNCTION waymark.cancel_parked_run(p_run text, p_actor text, p_phase text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_state text;
BEGIN
  SELECT state INTO v_state FROM waymark.parked_runs WHERE run_id = p_run FOR UPDATE;
  INSERT INTO waymark.parked_runs (run_id, tenant_id, state, topic, park_step)
  SELECT id, tenant_id, 'cancelled', '', -1 FROM waymark.runs WHERE id = p_run
  ON CONFLICT (run_id) DO UPDATE SET state = 'cancelled', wake_requested = false, updated_at = clock_timestamp();
  IF v_state IS NULL OR v_state = 'cancelled' THEN
    RETURN NULL;
  END IF;
  PERFORM waymark.close_run_waits(p_run, true);
  IF p_phase IS NOT NULL THEN
    PERFORM waymark.change_phase(p_run, p_phase, p_actor, 'cancelled while parked', jsonb_build_object('parked', v_state), false);
  END IF;
  RETURN v_state;
END $$;
