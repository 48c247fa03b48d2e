-- Waymark schema, migration 013: model-call budgets, enforced before a call is sent.
--
-- A workflow may declare limits on the tokens, cost and model calls of each run and of all its
-- runs per UTC day (`runs.budget`, copied from the declaration when the run starts); the
-- configuration may limit each tenant per UTC day. Every budget scope has a counter row in
-- `waymark.budget_counters`:
--
--   scope 'run'           key: the run id
--   scope 'workflow_day'  key: 'YYYY-MM-DD workflow'
--   scope 'tenant_day'    key: 'YYYY-MM-DD'
--
-- Before an attempt is sent, the transaction that writes its ledger row `started` locks the
-- counters of its run, workflow-day and tenant-day (in that order, so concurrent calls never
-- deadlock), refuses the attempt when `spent + reserved + estimate` would pass a limit, and
-- otherwise adds the estimate to `reserved`. The attempt's outcome replaces its reservation by
-- the actual numbers; an attempt a crash interrupted keeps its estimate as spent. A budget is
-- so overrun at most by what the calls in flight used beyond their estimates.
--
-- The limits are stored on the counters: a run's from its declaration when the counter is made
-- (an approved raise changes them), a day's from the declaration or configuration at each call.
-- NULL: no limit.

ALTER TABLE waymark.runs ADD COLUMN budget jsonb;

ALTER TABLE waymark.model_calls
  ADD COLUMN reserved_tokens bigint,
  ADD COLUMN reserved_cost numeric(20, 10),
  -- the UTC day whose counters hold the reservation (NULL: no reservation was made)
  ADD COLUMN budget_day date;

CREATE TABLE waymark.budget_counters (
  tenant_id       text NOT NULL,
  scope           text NOT NULL CHECK (scope IN ('run', 'workflow_day', 'tenant_day')),
  key             text NOT NULL,
  limit_tokens    bigint,
  limit_cost      numeric(20, 10),
  limit_calls     int,
  reserved_tokens bigint NOT NULL DEFAULT 0,
  reserved_cost   numeric(20, 10) NOT NULL DEFAULT 0,
  reserved_calls  int NOT NULL DEFAULT 0,
  spent_tokens    bigint NOT NULL DEFAULT 0,
  spent_cost      numeric(20, 10) NOT NULL DEFAULT 0,
  spent_calls     int NOT NULL DEFAULT 0,
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (tenant_id, scope, key)
);
ALTER TABLE waymark.budget_counters ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.budget_counters USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));

COMMENT ON TABLE waymark.budget_counters IS
  'Model-call budgets per run, workflow and UTC day, tenant and UTC day: limits, reserved (calls in flight) and spent.';
