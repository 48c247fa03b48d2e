-- Waymark schema, migration 007: one stable order for the audit trail; no default tenant.
--
-- `waymark.run_history` is ordered `ORDER BY at, entry_type DESC, entry_order` (the timeline
-- API does the same). A step's `at` was its start, but a step re-executed after a crash (the
-- `recv` of a wait interrupted by a SIGKILL) is recorded with the re-execution's start, later
-- than the steps after it, so time order and step order disagreed. Now a step's `at` is never
-- earlier than that of a lower-numbered step: steps stay in step order, and events fall between
-- them by time. (`started_at` and `ended_at` still say when each step really ran.)
--
-- The tenant of every run and ledger row is always given by the code that writes it; a column
-- default of 'default' would only hide a forgotten tenant.

ALTER TABLE waymark.runs ALTER COLUMN tenant_id DROP DEFAULT;
ALTER TABLE waymark.tool_calls ALTER COLUMN tenant_id DROP DEFAULT;

CREATE OR REPLACE VIEW waymark.run_history AS
SELECT r.id AS run_id,
       r.tenant_id,
       r.workflow,
       'step'::text AS entry_type,
       o.function_id AS step_id,
       o.function_name AS name,
       -- Never earlier than a lower-numbered step: a step re-executed after a crash (a wait's
       -- recv) is recorded with the re-execution's start, which can be later than the steps
       -- after it; the history keeps step order.
       to_timestamp(max(coalesce(o.started_at_epoch_ms, o.completed_at_epoch_ms))
                      OVER (PARTITION BY o.workflow_uuid ORDER BY o.function_id) / 1000.0) AS at,
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
SELECT e.run_id, e.tenant_id, r.workflow, 'event'::text, NULL::int, e.kind, e.at, e.at, e.at, e.id,
       e.actor, e.from_phase, e.to_phase, e.reason, NULL::jsonb, NULL::jsonb, NULL::text, e.data
FROM waymark.run_events e
JOIN waymark.runs r ON r.id = e.run_id
UNION ALL
SELECT t.run_id, t.tenant_id, r.workflow, 'tool_call'::text, t.step_id, t.tool,
       coalesce(t.started_at, t.created_at), t.started_at, t.finished_at, t.step_id::bigint,
       NULL::text, NULL::text, NULL::text, NULL::text, t.result, t.last_error, NULL::text,
       jsonb_build_object('key', t.key, 'status', t.status, 'attempts', t.attempts, 'effect', t.effect,
                          'idempotent', t.idempotent, 'args', t.args, 'resolution', t.resolution)
FROM waymark.tool_calls t
JOIN waymark.runs r ON r.id = t.run_id;

COMMENT ON VIEW waymark.run_history IS
  'Read-only audit trail: every DBOS step, Waymark event and tool call of each run. ORDER BY at, entry_type DESC, entry_order: steps in step order, events between them by time.';
