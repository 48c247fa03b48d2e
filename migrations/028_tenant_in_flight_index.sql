-- Waymark schema, migration 028: the per-tenant in-flight check reads one small index.
--
-- Every run start checks the tenant's unfinished runs against WAYMARK_TENANT_RUNS_IN_FLIGHT
-- (default 100,000). It counted them by joining DBOS's status rows and asking, per row, whether a
-- cancelled-looking run was parked: 0.3 s per start with 19,000 runs waiting, growing with every
-- parked run. A run's phase says the same (the status trigger moves it to a terminal phase in
-- DBOS's own transaction, and a parked run keeps its waiting phase), so the check now counts
-- the entries of this partial index for the tenant — the same "active" runs the metrics gauges
-- count.
CREATE INDEX runs_tenant_active_idx ON waymark.runs (tenant_id)
  WHERE phase NOT IN ('completed', 'failed', 'cancelled', 'rolled_back', 'compensation_failed');
