-- Waymark schema, migration 019: runs that start themselves — business keys and schedules.
--
-- Business keys. A run may carry a business key given at start (`lead:123`, `claim:C-7`): the
-- thing in the business it is about. Unlike the idempotency key it is not unique — many runs
-- may touch the same lead — and it answers "which runs touched this lead"
-- (`GET /v1/runs?key=lead:123`), newest first, from one index.
--
-- Schedules. `waymark.schedules` holds cron schedules, declared in code (`declared`, written at
-- start-up; pausing one over the API sticks) or created over the API and CLI, one row per
-- (tenant, name). `next_tick_at` is the next cron time not yet handled; a worker's housekeeping
-- finds the due rows with one query on `schedules_due`, then handles each in its own
-- transaction: the row is locked (SKIP LOCKED: another worker has it), the runs of its missed
-- ticks are inserted and enqueued, and `next_tick_at` moves past now — all in one commit. So a
-- tick starts its run exactly once however many workers look; the run's id,
-- `sched:<schedule id>:<tick ISO>`, is deterministic besides, so even a second start would be
-- refused by the runs' primary key.
--
-- Catch-up after downtime (`catch_up`): `skip` runs only the latest missed tick; `all` runs
-- every missed tick, the latest `max_catch_up` of them at most.

ALTER TABLE waymark.runs ADD COLUMN business_key text;
CREATE INDEX runs_business_key_idx ON waymark.runs (tenant_id, business_key, created_at DESC, id DESC)
  WHERE business_key IS NOT NULL;

CREATE TABLE waymark.schedules (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL,
  name          text NOT NULL,
  workflow      text NOT NULL,
  cron          text NOT NULL,
  timezone      text NOT NULL DEFAULT 'UTC',
  input         jsonb NOT NULL DEFAULT '{}'::jsonb,
  business_key  text,
  catch_up      text NOT NULL DEFAULT 'skip' CHECK (catch_up IN ('skip', 'all')),
  max_catch_up  int NOT NULL DEFAULT 100 CHECK (max_catch_up BETWEEN 1 AND 1000),
  declared      boolean NOT NULL DEFAULT false,
  next_tick_at  timestamptz NOT NULL,
  last_tick_at  timestamptz,
  last_run_id   text,
  -- Why the last due tick started no run (its input no longer fits the workflow, ...).
  last_error    text,
  paused_at     timestamptz,
  paused_by     text,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT schedules_name_unique UNIQUE (tenant_id, name)
);
-- The one query of each housekeeping tick: active schedules whose next tick has come.
CREATE INDEX schedules_due ON waymark.schedules (next_tick_at) WHERE paused_at IS NULL;

ALTER TABLE waymark.schedules ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.schedules USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));

COMMENT ON TABLE waymark.schedules IS
  'Cron schedules per tenant: each due tick starts one run (id sched:<id>:<tick>) in the transaction that moves next_tick_at on.';
COMMENT ON COLUMN waymark.runs.business_key IS
  'What the run is about in the business (lead:123); not unique; indexed for "which runs touched it".';
