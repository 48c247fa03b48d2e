-- Waymark schema, migration 027: children end with their parent; schedules carry queue options;
-- business-state moves reach the live stream.
--
-- Children end with their parent. A child run started by `startChildren` is cancelled (and
-- compensated, if it has calls to undo) once its parent has ended — completed, failed (its
-- deadline or idle timeout included), cancelled, rolled back — unless the call said
-- `outliveParent`. Housekeeping finds such children with one indexed query on every pass and
-- cancels each, so the cascade is durable: a process that dies half-way through cancelling a
-- parent's children leaves the rest to the next pass of any worker.
--
-- Schedules carry queue options: the partition key and priority of every run a schedule starts,
-- so a schedule can start a workflow declared partitioned (one run per customer at a time).
--
-- Business-state moves (`state_changed` events) reach the run's live stream as `state` events.

ALTER TABLE waymark.child_runs ADD COLUMN outlive_parent boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN waymark.child_runs.outlive_parent IS
  'startChildren({ outliveParent: true }): the child goes on after its parent ends; otherwise it is cancelled then.';
-- Whoever cascades a cancel to a child claims it first (an operator's cancel in its own process,
-- or any worker's housekeeping): one of them cancels it; a claim older than a minute is taken
-- to be a process that died half-way, and the child is claimed again.
ALTER TABLE waymark.child_runs ADD COLUMN cascade_claimed_at timestamptz;
-- Children not ended yet, by parent: what the orphan sweep joins to the parents that ended.
CREATE INDEX child_runs_open_idx ON waymark.child_runs (parent_run_id) WHERE ended_at IS NULL AND NOT outlive_parent;

ALTER TABLE waymark.schedules ADD COLUMN partition_key text;
ALTER TABLE waymark.schedules ADD COLUMN priority int CHECK (priority BETWEEN 0 AND 1000);
COMMENT ON COLUMN waymark.schedules.partition_key IS
  'The partition key of every run the schedule starts (required for a workflow declared partitioned, refused for others).';
COMMENT ON COLUMN waymark.schedules.priority IS 'The priority of every run the schedule starts (0 runs first, 1000 last); NULL: the default.';

CREATE FUNCTION waymark.stream_state_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM waymark.append_run_stream(NEW.tenant_id, NEW.run_id, jsonb_build_array(jsonb_build_object('type', 'state', 'data',
    jsonb_build_object('from', NEW.data -> 'from', 'to', NEW.data -> 'to', 'reason', NEW.reason, 'by', NEW.actor))));
  RETURN NULL;
END $$;
CREATE TRIGGER run_events_stream_state AFTER INSERT ON waymark.run_events
  FOR EACH ROW WHEN (NEW.kind = 'state_changed') EXECUTE FUNCTION waymark.stream_state_change();
