-- Waymark schema, migration 022: queue controls of runs.
--
-- A run remembers the DBOS queue it was enqueued on (`queue_name`: its workflow's own queue
-- when the workflow declares limits, else NULL for the shared `waymark_runs`), so that a parked
-- or cancelled run is resumed onto that queue again; and the queue attributes it was started
-- with: `priority` (lower runs first), `partition_key` (the caller's key, e.g. `customer:42`;
-- DBOS's key is the tenant and this key, so that tenants never share a partition),
-- `deduplication_id` (another start with it is refused while this run has not ended) and
-- `debounce_key` (starts with it while this run is still delayed fold into it).
--
-- Every Waymark run queue is partitioned (by tenant, for fairness). DBOS leaves a workflow
-- enqueued without a partition key on a partitioned queue waiting for ever, so a trigger gives
-- any such enqueue (a compensation, a fork, a run resumed from before this migration, an
-- enqueue by code that names no key) the tenant of its run as its key.

ALTER TABLE waymark.runs
  ADD COLUMN queue_name text,
  ADD COLUMN priority int,
  ADD COLUMN partition_key text,
  ADD COLUMN deduplication_id text,
  ADD COLUMN debounce_key text;

COMMENT ON COLUMN waymark.runs.queue_name IS 'The DBOS queue of the run when its workflow has its own (NULL: waymark_runs); resumes go back to it.';
COMMENT ON COLUMN waymark.runs.priority IS 'Priority given at start: lower runs first (0-1000, default 500).';
COMMENT ON COLUMN waymark.runs.partition_key IS 'Partition key given at start (a workflow declared partitioned runs its limits per key).';
COMMENT ON COLUMN waymark.runs.deduplication_id IS 'Another start of the workflow with this id is refused while this run has not ended.';
COMMENT ON COLUMN waymark.runs.debounce_key IS 'Starts with this key while the run is still delayed update its input and delay instead of starting another run.';

CREATE INDEX runs_deduplication_idx ON waymark.runs (tenant_id, workflow, deduplication_id) WHERE deduplication_id IS NOT NULL;
CREATE INDEX runs_debounce_idx ON waymark.runs (tenant_id, workflow, debounce_key, created_at DESC) WHERE debounce_key IS NOT NULL;

CREATE FUNCTION waymark.partition_by_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.queue_partition_key := COALESCE(
    (SELECT r.tenant_id FROM waymark.runs r WHERE r.id = NEW.workflow_uuid),
    (SELECT r.tenant_id FROM waymark.runs r WHERE r.id = NEW.forked_from),
    (SELECT r.tenant_id FROM waymark.runs r WHERE r.id = regexp_replace(NEW.workflow_uuid, '\.compensation$', '')),
    'default');
  RETURN NEW;
END $$;

-- Fires only when a Waymark queue is named without a key: dequeues and status changes do not
-- set queue_name and never call it.
CREATE TRIGGER waymark_partition_key BEFORE INSERT OR UPDATE OF queue_name, queue_partition_key ON dbos.workflow_status
  FOR EACH ROW WHEN (NEW.queue_partition_key IS NULL AND NEW.queue_name LIKE 'waymark\_%')
  EXECUTE FUNCTION waymark.partition_by_tenant();

-- Runs enqueued before this migration: keyed now (the UPDATE fires the trigger).
UPDATE dbos.workflow_status SET queue_name = queue_name
 WHERE queue_partition_key IS NULL AND queue_name LIKE 'waymark\_%' AND status IN ('ENQUEUED', 'DELAYED', 'PENDING');
