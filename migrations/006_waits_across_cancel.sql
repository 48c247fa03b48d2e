-- Waymark schema, migration 006: waits that survive cancel and resume.
--
-- A run cancelled while it waits for a person or an event has its approval or event wait
-- cancelled with it, and reopened when the run is resumed (migration 003). Now both are in the
-- audit trail (`approval_cancelled`, `approval_reopened`, `event_wait_cancelled`,
-- `event_wait_reopened`), and a resumed run that waits again is in the waiting phase, so
-- `GET /v1/runs?phase=waiting_for_approval` finds it.

CREATE OR REPLACE FUNCTION waymark.follow_run_waits() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_cancel boolean := NEW.status = 'CANCELLED';
BEGIN
  IF NOT v_cancel AND NOT (OLD.status = 'CANCELLED' AND NEW.status IN ('ENQUEUED', 'PENDING')) THEN
    RETURN NULL;
  END IF;
  WITH upd AS (
    UPDATE waymark.approvals
    SET status = CASE WHEN v_cancel THEN 'cancelled' ELSE 'pending' END, cancelled_with_run = v_cancel, updated_at = clock_timestamp()
    WHERE run_id = NEW.workflow_uuid
      AND (CASE WHEN v_cancel THEN status = 'pending' ELSE status = 'cancelled' AND cancelled_with_run END)
    RETURNING id, run_id, tenant_id)
  INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data)
  SELECT run_id, tenant_id, CASE WHEN v_cancel THEN 'approval_cancelled' ELSE 'approval_reopened' END, 'dbos',
         CASE WHEN v_cancel THEN 'the run was cancelled' ELSE 'the run was resumed' END, jsonb_build_object('approvalId', id)
  FROM upd;
  WITH upd AS (
    UPDATE waymark.event_waits
    SET status = CASE WHEN v_cancel THEN 'cancelled' ELSE 'waiting' END, cancelled_with_run = v_cancel,
        finished_at = CASE WHEN v_cancel THEN clock_timestamp() END
    WHERE run_id = NEW.workflow_uuid
      AND (CASE WHEN v_cancel THEN status = 'waiting' ELSE status = 'cancelled' AND cancelled_with_run END)
    RETURNING id, run_id, tenant_id, type, key)
  INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data)
  SELECT run_id, tenant_id, CASE WHEN v_cancel THEN 'event_wait_cancelled' ELSE 'event_wait_reopened' END, 'dbos',
         CASE WHEN v_cancel THEN 'the run was cancelled' ELSE 'the run was resumed' END,
         jsonb_build_object('waitId', id, 'type', type, 'key', key)
  FROM upd;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION waymark.follow_workflow_status() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_target text;
  v_phase text;
  v_waiting text;
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
  -- A run resumed while it waited for a person or an event waits again (its approval or wait
  -- was reopened with it): its phase says so, as it did before the cancellation.
  IF v_target = 'running' THEN
    v_waiting := CASE
      WHEN EXISTS (SELECT 1 FROM waymark.approvals WHERE run_id = NEW.workflow_uuid AND status = 'pending') THEN 'waiting_for_approval'
      WHEN EXISTS (SELECT 1 FROM waymark.event_waits WHERE run_id = NEW.workflow_uuid AND status = 'waiting') THEN 'waiting_for_event'
    END;
    IF v_waiting IS NOT NULL THEN
      PERFORM waymark.change_phase(NEW.workflow_uuid, v_waiting, 'dbos', 'resumed while waiting', '{}'::jsonb, false);
    END IF;
  END IF;
  RETURN NULL;
END $$;
