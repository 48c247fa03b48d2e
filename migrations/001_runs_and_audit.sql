-- Waymark schema, migration 001: runs, their business phases and the audit trail.
--
-- The data model
-- --------------
-- Waymark lives in the application's own database, next to two other owners:
--   * schema `dbos`     DBOS Transact's system tables (workflow_status, operation_outputs, ...),
--                       created and migrated by DBOS itself before these migrations run;
--   * schema `waymark`  these tables, created only by the numbered files in migrations/;
--   * any other schema  the application's business tables, which join to ours by run id.
--
-- A *run* is one execution of a registered workflow started through Waymark (HTTP, CLI or
-- library). `waymark.runs.id` is the DBOS workflow id, so DBOS's status, steps and outputs
-- join to it directly. The run row is inserted in the same transaction as the DBOS enqueue.
--
-- `phase` is the run's business state (queued, running, waiting_for_approval, escalated,
-- completed, ...). Unlike DBOS's status it says what the run is doing for the business. It
-- changes only through `waymark.change_phase`, which refuses transitions that are not listed
-- in `waymark.phase_transitions` and appends a row to `waymark.run_events`.
--
-- DBOS status changes drive the lifecycle phases through a trigger on dbos.workflow_status
-- (dequeued -> running, SUCCESS -> completed, ERROR -> failed, CANCELLED -> cancelled, a
-- resume -> queued). The phase change commits in the same transaction as DBOS's own status
-- write, whoever made it (a worker, the HTTP API, or `npx dbos workflow cancel`), and costs
-- no extra round trip. A fork made by DBOS gets its run row from the same trigger.
--
-- `waymark.run_events` is append-only (a trigger refuses UPDATE, DELETE and TRUNCATE): who
-- or what did what to a run, and when. `waymark.run_history` is the documented read-only
-- surface that merges those events with the run's DBOS steps.
--
-- `waymark.transaction_completion` is the checkpoint table of Waymark's knex data source: a
-- business write and its completion row commit in one transaction, so a write is never
-- applied twice, even when the process dies before DBOS records the step.
--
-- `tenant_id` is on every row; only the default tenant exists until authentication lands.

CREATE SCHEMA IF NOT EXISTS waymark;

CREATE TABLE waymark.runs (
  id              text PRIMARY KEY,
  tenant_id       text NOT NULL DEFAULT 'default',
  workflow        text NOT NULL,
  phase           text NOT NULL DEFAULT 'queued',
  input           jsonb NOT NULL,
  idempotency_key text,
  request_hash    text,
  forked_from     text REFERENCES waymark.runs (id),
  -- The first run of a fork chain (the run itself when it is not a fork): tool-call keys are
  -- scoped to it, so a fork never repeats a side effect its origin already made.
  origin_run_id   text NOT NULL,
  -- Retries of tool calls this run may spend in all (NULL: Waymark's default).
  retry_budget    int CHECK (retry_budget >= 0),
  -- Time limits: the whole run (from creation), and no step completed for this long while
  -- running; what happens then; and when a worker acted on it (exactly once).
  deadline_ms     int CHECK (deadline_ms > 0),
  idle_timeout_ms int CHECK (idle_timeout_ms > 0),
  on_timeout      text NOT NULL DEFAULT 'fail' CHECK (on_timeout IN ('fail', 'escalate')),
  timeout_handled_at timestamptz,
  app_version     text,
  created_by      text NOT NULL DEFAULT 'system',
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT runs_idempotency_key_unique UNIQUE (tenant_id, idempotency_key)
);
-- Newest-first listing with keyset pagination, optionally filtered by workflow.
CREATE INDEX runs_tenant_created_idx ON waymark.runs (tenant_id, created_at DESC, id DESC);
CREATE INDEX runs_timed_idx ON waymark.runs (created_at)
  WHERE timeout_handled_at IS NULL AND (deadline_ms IS NOT NULL OR idle_timeout_ms IS NOT NULL);
CREATE INDEX runs_tenant_workflow_created_idx ON waymark.runs (tenant_id, workflow, created_at DESC, id DESC);

CREATE TABLE waymark.phases (
  phase    text PRIMARY KEY,
  terminal boolean NOT NULL
);
INSERT INTO waymark.phases (phase, terminal) VALUES
  ('queued', false), ('running', false), ('waiting_for_approval', false), ('waiting_for_event', false),
  ('escalated', false), ('compensating', false), ('completed', true), ('failed', true),
  ('cancelled', true), ('rolled_back', true), ('compensation_failed', true);

-- runs.phase deliberately has no foreign key to waymark.phases: every phase change would then
-- share-lock one of a handful of rows (a hot row, MultiXacts under concurrency, extra WAL).
-- Validity is kept by waymark.change_phase, which only follows waymark.phase_transitions.

CREATE TABLE waymark.phase_transitions (
  from_phase text NOT NULL REFERENCES waymark.phases (phase),
  to_phase   text NOT NULL REFERENCES waymark.phases (phase),
  PRIMARY KEY (from_phase, to_phase)
);
INSERT INTO waymark.phase_transitions (from_phase, to_phase)
SELECT f, t FROM (VALUES
  ('queued', 'running'), ('queued', 'cancelled'), ('queued', 'failed'),
  ('running', 'waiting_for_approval'), ('running', 'waiting_for_event'), ('running', 'escalated'),
  ('running', 'compensating'), ('running', 'completed'), ('running', 'failed'), ('running', 'cancelled'),
  ('waiting_for_approval', 'running'), ('waiting_for_approval', 'escalated'), ('waiting_for_approval', 'completed'),
  ('waiting_for_approval', 'failed'), ('waiting_for_approval', 'cancelled'), ('waiting_for_approval', 'compensating'),
  ('waiting_for_event', 'running'), ('waiting_for_event', 'escalated'), ('waiting_for_event', 'completed'),
  ('waiting_for_event', 'failed'), ('waiting_for_event', 'cancelled'), ('waiting_for_event', 'compensating'),
  ('escalated', 'running'), ('escalated', 'waiting_for_approval'), ('escalated', 'waiting_for_event'),
  ('escalated', 'completed'), ('escalated', 'failed'), ('escalated', 'cancelled'), ('escalated', 'compensating'),
  ('compensating', 'rolled_back'), ('compensating', 'compensation_failed'), ('compensating', 'cancelled'),
  -- resume / retry of a run that stopped
  ('failed', 'queued'), ('failed', 'running'), ('cancelled', 'queued'), ('cancelled', 'running'),
  ('compensation_failed', 'queued'), ('compensation_failed', 'compensating'),
  -- a run that failed for good or was cancelled undoes its tool calls (sagas)
  ('failed', 'compensating'), ('cancelled', 'compensating')
) AS t (f, t);

CREATE TABLE waymark.run_events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id     text NOT NULL REFERENCES waymark.runs (id),
  tenant_id  text NOT NULL,
  at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  kind       text NOT NULL,
  actor      text NOT NULL,
  from_phase text,
  to_phase   text,
  reason     text,
  data       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX run_events_run_idx ON waymark.run_events (run_id, id);

CREATE FUNCTION waymark.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'waymark.run_events is append-only (% refused)', TG_OP USING ERRCODE = 'WM002';
END $$;
CREATE TRIGGER run_events_append_only BEFORE UPDATE OR DELETE ON waymark.run_events
  FOR EACH ROW EXECUTE FUNCTION waymark.refuse_audit_change();
CREATE TRIGGER run_events_no_truncate BEFORE TRUNCATE ON waymark.run_events
  FOR EACH STATEMENT EXECUTE FUNCTION waymark.refuse_audit_change();

-- The one way a run's phase changes. Returns the previous phase, or NULL when nothing changed
-- (already in that phase; or, when p_strict is false, a transition that is not allowed).
-- With p_strict a disallowed transition raises WM001 and an unknown run raises P0002.
CREATE FUNCTION waymark.change_phase(
  p_run_id text, p_to text, p_actor text, p_reason text, p_data jsonb, p_strict boolean
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_from text;
  v_tenant text;
BEGIN
  SELECT phase, tenant_id INTO v_from, v_tenant FROM waymark.runs WHERE id = p_run_id FOR UPDATE;
  IF NOT FOUND THEN
    IF p_strict THEN
      RAISE EXCEPTION 'run % does not exist', p_run_id USING ERRCODE = 'P0002';
    END IF;
    RETURN NULL;
  END IF;
  IF v_from = p_to THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM waymark.phase_transitions WHERE from_phase = v_from AND to_phase = p_to) THEN
    IF p_strict THEN
      RAISE EXCEPTION 'phase transition % -> % is not allowed for run %', v_from, p_to, p_run_id
        USING ERRCODE = 'WM001', DETAIL = v_from;
    END IF;
    RETURN NULL;
  END IF;
  UPDATE waymark.runs SET phase = p_to, updated_at = clock_timestamp() WHERE id = p_run_id;
  INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, from_phase, to_phase, reason, data)
  VALUES (p_run_id, v_tenant, 'phase_changed', p_actor, v_from, p_to, p_reason, coalesce(p_data, '{}'::jsonb));
  RETURN v_from;
END $$;

-- Follows DBOS status changes. Never raises for a run it does not know or a transition the
-- run's business phase does not allow: it runs inside DBOS's own transactions.
CREATE FUNCTION waymark.follow_workflow_status() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_target text;
  v_phase text;
BEGIN
  IF TG_OP = 'INSERT' AND NEW.forked_from IS NOT NULL THEN
    INSERT INTO waymark.runs (id, tenant_id, workflow, phase, input, forked_from, origin_run_id, retry_budget,
                              deadline_ms, idle_timeout_ms, on_timeout, app_version, created_by)
    SELECT NEW.workflow_uuid, r.tenant_id, r.workflow, 'queued', r.input, r.id, r.origin_run_id, r.retry_budget,
           r.deadline_ms, r.idle_timeout_ms, r.on_timeout, NEW.application_version, 'fork'
    FROM waymark.runs r WHERE r.id = NEW.forked_from
    ON CONFLICT (id) DO NOTHING;
    IF FOUND THEN
      INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, to_phase, data)
      SELECT NEW.workflow_uuid, r.tenant_id, 'created', 'dbos', 'queued', jsonb_build_object('forkedFrom', NEW.forked_from)
      FROM waymark.runs r WHERE r.id = NEW.workflow_uuid;
    END IF;
  END IF;

  v_target := CASE NEW.status
    WHEN 'PENDING' THEN 'running'
    WHEN 'ENQUEUED' THEN 'queued'
    WHEN 'SUCCESS' THEN 'completed'
    WHEN 'ERROR' THEN 'failed'
    WHEN 'CANCELLED' THEN 'cancelled'
    WHEN 'MAX_RECOVERY_ATTEMPTS_EXCEEDED' THEN 'failed'
  END;
  IF v_target IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT phase INTO v_phase FROM waymark.runs WHERE id = NEW.workflow_uuid;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  -- A recovery re-dispatch (PENDING -> ENQUEUED -> PENDING) keeps the business phase; only a
  -- queued run starts running, and only a stopped run goes back to the queue (resume).
  IF v_target = 'running' AND v_phase <> 'queued' THEN
    RETURN NULL;
  END IF;
  IF v_target = 'queued' AND v_phase NOT IN ('failed', 'cancelled', 'compensation_failed') THEN
    RETURN NULL;
  END IF;
  PERFORM waymark.change_phase(
    NEW.workflow_uuid, v_target, 'dbos', 'workflow status ' || NEW.status,
    jsonb_strip_nulls(jsonb_build_object('status', NEW.status, 'executorId', NEW.executor_id,
                                         'applicationVersion', NEW.application_version)),
    false);
  RETURN NULL;
END $$;

CREATE TRIGGER waymark_follow_insert AFTER INSERT ON dbos.workflow_status
  FOR EACH ROW EXECUTE FUNCTION waymark.follow_workflow_status();
CREATE TRIGGER waymark_follow_status AFTER UPDATE OF status ON dbos.workflow_status
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION waymark.follow_workflow_status();

-- Checkpoints of the knex data source (same shape as DBOS's transaction_completion).
CREATE TABLE waymark.transaction_completion (
  workflow_id  text NOT NULL,
  function_num int4 NOT NULL,
  output       text,
  error        text,
  created_at   bigint NOT NULL DEFAULT (extract(epoch FROM now()) * 1000)::bigint,
  PRIMARY KEY (workflow_id, function_num)
);

-- Turns a value DBOS stored (SuperJSON envelope or portable JSON) into plain jsonb for SQL
-- readers; NULL when it is absent or not JSON.
CREATE FUNCTION waymark.decode_dbos_value(p text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  j jsonb;
BEGIN
  IF p IS NULL THEN
    RETURN NULL;
  END IF;
  j := p::jsonb;
  IF jsonb_typeof(j) = 'object' AND j ? '__dbos_serializer' THEN
    RETURN j -> 'json';
  END IF;
  RETURN j;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

-- The audit trail as one read-only relation: a run's DBOS steps and Waymark events.
-- Order a run's history with: ORDER BY at, entry_order.
CREATE VIEW waymark.run_history AS
SELECT r.id AS run_id,
       r.tenant_id,
       r.workflow,
       'step'::text AS entry_type,
       o.function_id AS step_id,
       o.function_name AS name,
       to_timestamp(coalesce(o.started_at_epoch_ms, o.completed_at_epoch_ms) / 1000.0) AS at,
       to_timestamp(o.started_at_epoch_ms / 1000.0) AS started_at,
       to_timestamp(o.completed_at_epoch_ms / 1000.0) AS ended_at,
       o.function_id::bigint AS entry_order,
       NULL::text AS actor,
       NULL::text AS from_phase,
       NULL::text AS to_phase,
       NULL::text AS reason,
       waymark.decode_dbos_value(o.output) AS output,
       waymark.decode_dbos_value(o.error) AS error,
       o.child_workflow_id,
       NULL::jsonb AS data
FROM waymark.runs r
JOIN dbos.operation_outputs o ON o.workflow_uuid = r.id
UNION ALL
SELECT e.run_id,
       e.tenant_id,
       r.workflow,
       'event'::text,
       NULL::int,
       e.kind,
       e.at,
       e.at,
       e.at,
       e.id,
       e.actor,
       e.from_phase,
       e.to_phase,
       e.reason,
       NULL::jsonb,
       NULL::jsonb,
       NULL::text,
       e.data
FROM waymark.run_events e
JOIN waymark.runs r ON r.id = e.run_id;

COMMENT ON VIEW waymark.run_history IS
  'Read-only audit trail: every DBOS step and Waymark event of each run. ORDER BY at, entry_order.';
