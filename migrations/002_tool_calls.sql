-- Waymark schema, migration 002: the tool-call ledger.
--
-- Every tool call an agent makes through `callTool` has one row in `waymark.tool_calls`, keyed
-- by a deterministic idempotency key: the tool name plus the canonical arguments, scoped to
-- the run's origin (so a fork shares its origin's keys), or the tool's own business key,
-- which holds across runs. The row is written before a write tool acts (status `started`,
-- the intent) and after (the outcome), so a process that dies in between leaves a `started`
-- row with no outcome: the call is *in doubt*, and recovery decides by the tool's nature
-- (idempotent: call again with the same key; reconcile: ask; otherwise: never repeat, escalate).
--
-- status: started    an attempt is executing (or died executing: in doubt once its owner recovers)
--         succeeded  the call's result is recorded; a repeat returns it without calling the tool
--         failed     the last attempt failed; `next_attempt_at` is set while a retry is planned
--         in_doubt   a non-idempotent write may or may not have happened; a person decides
--         reconciled the tool's `reconcile` (or a person) said it happened, with its result
--
-- `owner_run_id` / `owner_call_site` identify the call site (run + DBOS step id of its first
-- attempt) executing the call; a `started` row owned by a live other run means "busy, wait".
-- Arguments and results are stored with the tool's secret fields redacted.
-- `waymark.tool_call_attempts` has one row per attempt, for the audit trail and the run-wide
-- retry budget.

CREATE TABLE waymark.tool_calls (
  tenant_id       text NOT NULL DEFAULT 'default',
  key             text NOT NULL,
  run_id          text NOT NULL,
  step_id         int NOT NULL,
  owner_run_id    text NOT NULL,
  owner_call_site int NOT NULL,
  tool            text NOT NULL,
  effect          text NOT NULL CHECK (effect IN ('read', 'write')),
  idempotent      boolean NOT NULL,
  -- the tool declares a compensation: if the run fails for good or is cancelled, it is undone
  compensable     boolean NOT NULL DEFAULT false,
  args            jsonb NOT NULL,
  result          jsonb,
  status          text NOT NULL CHECK (status IN ('started', 'succeeded', 'failed', 'in_doubt', 'reconciled')),
  attempts        int NOT NULL DEFAULT 0,
  -- attempts made before the current owner took the call over (or a person asked for a retry):
  -- the owner's attempt number is attempts - attempt_base, held against the tool's maxAttempts
  attempt_base    int NOT NULL DEFAULT 0,
  last_error      jsonb,
  next_attempt_at timestamptz,
  resolution      jsonb,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at      timestamptz,
  finished_at     timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX tool_calls_run_idx ON waymark.tool_calls (run_id);
CREATE INDEX tool_calls_compensable_idx ON waymark.tool_calls (owner_run_id) WHERE compensable;
-- Only calls taken over by another run (a fork, another run with the same business key) have an
-- owner that differs from the run that made them. Keeping indexes off status and updated_at
-- lets the outcome UPDATE be a HOT update.
CREATE INDEX tool_calls_owner_idx ON waymark.tool_calls (owner_run_id) WHERE owner_run_id <> run_id;

CREATE TABLE waymark.tool_call_attempts (
  tenant_id   text NOT NULL,
  key         text NOT NULL,
  attempt     int NOT NULL,
  run_id      text NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  outcome     text NOT NULL CHECK (outcome IN ('started', 'succeeded', 'failed', 'timed_out', 'in_doubt', 'reconciled')),
  -- not the owner's first attempt: counts against the run's retry budget
  is_retry    boolean NOT NULL,
  error       jsonb,
  -- No foreign key to tool_calls: attempts are always written in the statement that writes the
  -- call, and the key would share-lock the call row on every attempt.
  PRIMARY KEY (tenant_id, key, attempt)
);
CREATE INDEX tool_call_attempts_run_retry_idx ON waymark.tool_call_attempts (run_id) WHERE is_retry;

-- The audit view gains one entry per tool call of the run (made, or answered from the ledger).
CREATE OR REPLACE VIEW waymark.run_history AS
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
