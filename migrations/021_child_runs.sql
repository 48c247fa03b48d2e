-- Waymark schema, migration 021: child runs — a workflow fans out runs of its own and fans in.
--
-- A parent run starts children with `startChildren` (one step): each child is a full run (a row
-- in `waymark.runs` with `parent_run_id`, its own phase, audit trail and ledger) with an id
-- derived from the parent, the step and its position, so a parent re-executed after a crash
-- finds its children instead of starting them twice. All children of one call are inserted and
-- enqueued in that step's transaction; those beyond the call's concurrency cap are enqueued
-- *held*: DBOS status DELAYED with a far delay, so no worker takes them.
--
-- `waymark.child_runs` has one row per child: its parent, the call (`group_id`) and position,
-- whether it is still held, and how it ended. When a child ends (DBOS writes SUCCESS, ERROR,
-- CANCELLED — not a park — or MAX_RECOVERY_ATTEMPTS_EXCEEDED; or Waymark cancels it while it is
-- parked), a trigger, in that same transaction:
--   * records the end on its row (once per end; a resume of the child clears it);
--   * releases the next held child of the same call (its delay set to 0, as DBOS's own
--     setWorkflowDelay does; DBOS's queue moves it to ENQUEUED), unless the parent was
--     cancelled. A child releases at most one successor, ever, so at most `concurrency`
--     children of a call are in progress (started and not ended) at any time;
--   * appends `child_ended` to the parent's audit trail;
--   * sends the parent a DBOS message on topic `waymark.children` and wakes it if its wait
--     is parked (`waymark.wake_parked_run`): the timer sweep resumes it at its next pass.
-- So the wake-up commits with the child's outcome, or not at all: a SIGKILL at any moment
-- loses neither, and each end wakes the parent once.

ALTER TABLE waymark.runs ADD COLUMN parent_run_id text REFERENCES waymark.runs (id);
CREATE INDEX runs_parent_idx ON waymark.runs (tenant_id, parent_run_id, created_at DESC, id DESC)
  WHERE parent_run_id IS NOT NULL;
COMMENT ON COLUMN waymark.runs.parent_run_id IS
  'The run that started this one with startChildren (same tenant); NULL for runs started otherwise.';

CREATE TABLE waymark.child_runs (
  child_run_id          text PRIMARY KEY REFERENCES waymark.runs (id),
  parent_run_id         text NOT NULL REFERENCES waymark.runs (id),
  tenant_id             text NOT NULL,
  -- the startChildren call: '<parent>:<step>'; the cap applies per call
  group_id              text NOT NULL,
  position              int NOT NULL CHECK (position >= 0),
  concurrency           int NOT NULL CHECK (concurrency >= 1),
  -- enqueued held back by the cap (DBOS DELAYED) and not released yet
  held                  boolean NOT NULL,
  -- this child's end released the next held child (at most once)
  successor_released    boolean NOT NULL DEFAULT false,
  -- the parent's cancel reached this call: nothing more is released
  cancelled_with_parent boolean NOT NULL DEFAULT false,
  -- how and when it last ended (NULL while in progress)
  ended_status          text,
  ended_at              timestamptz,
  created_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT child_runs_position_unique UNIQUE (group_id, position)
);
CREATE INDEX child_runs_parent_idx ON waymark.child_runs (parent_run_id, group_id, position);
-- The next held child of a call, for the release.
CREATE INDEX child_runs_held_idx ON waymark.child_runs (group_id, position) WHERE held;

ALTER TABLE waymark.child_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.child_runs USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'waymark_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON waymark.child_runs TO waymark_app;
  END IF;
END $$;

COMMENT ON TABLE waymark.child_runs IS
  'Runs started by a parent run (startChildren): the call and position, held back by the concurrency cap or released, and how each ended.';

-- What a sender's requestWake does (store/parked-runs.ts), from SQL: under the run's park lock,
-- a run still parking is told a message came; a parked one is made due at once, so the next
-- pass of the timer sweep claims it (once) and resumes it.
CREATE FUNCTION waymark.wake_parked_run(p_run text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('waymark.park:' || p_run, 0));
  UPDATE waymark.parked_runs
  SET wake_requested = true, wake_at = CASE WHEN state = 'parked' THEN '-infinity'::timestamptz ELSE wake_at END,
      updated_at = clock_timestamp()
  WHERE run_id = p_run AND state IN ('parking', 'parked');
END $$;

-- A child ended with DBOS status p_status: the steps in the header, once per end.
CREATE FUNCTION waymark.child_run_ended(p_child text, p_status text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  c waymark.child_runs%ROWTYPE;
  v_next text;
BEGIN
  SELECT * INTO c FROM waymark.child_runs WHERE child_run_id = p_child AND ended_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  -- An ended child is held no longer (one cancelled while held is never released).
  UPDATE waymark.child_runs SET ended_status = p_status, ended_at = clock_timestamp(), held = false WHERE child_run_id = p_child;
  -- A held child cancelled before it started freed no place under the cap.
  IF NOT c.held AND NOT c.successor_released AND NOT c.cancelled_with_parent THEN
    -- SKIP LOCKED: two children ending at once release two different successors.
    SELECT child_run_id INTO v_next FROM waymark.child_runs
    WHERE group_id = c.group_id AND held AND NOT cancelled_with_parent
    ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF v_next IS NOT NULL THEN
      UPDATE waymark.child_runs SET held = false WHERE child_run_id = v_next;
      UPDATE waymark.child_runs SET successor_released = true WHERE child_run_id = p_child;
      UPDATE dbos.workflow_status SET delay_until_epoch_ms = 0 WHERE workflow_uuid = v_next AND status = 'DELAYED';
    END IF;
  END IF;
  INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, data)
  VALUES (c.parent_run_id, c.tenant_id, 'child_ended', 'dbos',
          jsonb_build_object('childRunId', p_child, 'status', p_status, 'position', c.position,
                             'released', v_next));
  -- Portable JSON: DBOS reads it without its SuperJSON envelope. The message only wakes the
  -- parent's wait, which then reads its children's states.
  INSERT INTO dbos.notifications (destination_uuid, topic, message, serialization, message_uuid)
  VALUES (c.parent_run_id, 'waymark.children',
          jsonb_build_object('childRunId', p_child, 'status', p_status)::text, 'portable_json',
          'waymark.child-ended:' || p_child || ':' || gen_random_uuid()::text)
  ON CONFLICT (message_uuid) DO NOTHING;
  PERFORM waymark.wake_parked_run(c.parent_run_id);
END $$;

CREATE FUNCTION waymark.follow_child_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IN ('SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED') THEN
    -- A park is not an end (its CANCELLED is the execution stopping while the run waits).
    IF NOT (NEW.status = 'CANCELLED' AND waymark.is_parked(NEW.workflow_uuid)) THEN
      PERFORM waymark.child_run_ended(NEW.workflow_uuid, NEW.status);
    END IF;
  ELSIF NEW.status IN ('ENQUEUED', 'PENDING') AND NOT waymark.is_parked(NEW.workflow_uuid) THEN
    -- Resumed after it ended (an operator's resume): in progress again, its next end counts.
    UPDATE waymark.child_runs SET ended_status = NULL, ended_at = NULL WHERE child_run_id = NEW.workflow_uuid AND ended_at IS NOT NULL;
  END IF;
  RETURN NULL;
END $$;
-- Statuses that end or resume a run; everything else never looks at child_runs.
CREATE TRIGGER waymark_follow_child AFTER UPDATE OF status ON dbos.workflow_status
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND (
    NEW.status IN ('SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED')
    OR OLD.status IN ('SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED')))
  EXECUTE FUNCTION waymark.follow_child_status();

-- A parked child cancelled for good (waymark.cancel_parked_run) ends without a DBOS status
-- change: its DBOS status already is CANCELLED.
CREATE FUNCTION waymark.follow_child_park_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM waymark.child_run_ended(NEW.run_id, 'CANCELLED');
  RETURN NULL;
END $$;
CREATE TRIGGER waymark_follow_child_park_cancel AFTER UPDATE OF state ON waymark.parked_runs
  FOR EACH ROW WHEN (NEW.state = 'cancelled' AND OLD.state IN ('parking', 'parked', 'resuming'))
  EXECUTE FUNCTION waymark.follow_child_park_cancel();
