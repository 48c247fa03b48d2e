-- Waymark schema, migration 026: instant dispatch — a run started by a worker with a free slot
-- executes at once instead of waiting for the run queue's next poll.
--
-- DBOS 5.3 executes a queued workflow only when its queue runner polls (every
-- WAYMARK_QUEUE_POLL_MS) and has no public way to be woken; the one public call that executes a
-- workflow at once is a direct start (`DBOS.startWorkflow` without a queue), which inserts the
-- workflow's status row itself. So a worker process that starts a run while it has a free slot
-- writes, in the start transaction, the run and a row here instead of the DBOS enqueue, and
-- after the commit starts the workflow directly under the run's id. The run executes exactly
-- once whoever else tries: the DBOS workflow id is unique, and only the start that inserted the
-- status row executes (any other start of that id only attaches to it).
--
-- The row lives until the DBOS status row exists (the trigger below removes it in the same
-- transaction), normally a few milliseconds. A row older than that belongs to a start whose
-- process died between its commit and the direct start: the housekeeping sweep enqueues those
-- runs on their queue (idempotent by workflow id) and removes the rows.

CREATE TABLE waymark.run_dispatch (
  run_id       text PRIMARY KEY REFERENCES waymark.runs (id),
  tenant_id    text NOT NULL,
  -- the DBOS queue the run would have been enqueued on (the sweep enqueues it there)
  queue_name   text NOT NULL,
  -- the worker that starts it directly
  executor_id  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX run_dispatch_created_idx ON waymark.run_dispatch (created_at);

ALTER TABLE waymark.run_dispatch ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.run_dispatch USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'waymark_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON waymark.run_dispatch TO waymark_app;
  END IF;
END $$;

COMMENT ON TABLE waymark.run_dispatch IS
  'Runs started directly by a worker, from their start commit until DBOS has their workflow (a few ms); older rows are enqueued by the sweep.';

-- The workflow exists: the run is dispatched (directly, or by the sweep's enqueue).
CREATE FUNCTION waymark.run_dispatched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM waymark.run_dispatch WHERE run_id = NEW.workflow_uuid;
  RETURN NULL;
END $$;
CREATE TRIGGER waymark_run_dispatched AFTER INSERT ON dbos.workflow_status
  FOR EACH ROW EXECUTE FUNCTION waymark.run_dispatched();
