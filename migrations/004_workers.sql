-- Waymark schema, migration 004: worker leases.
--
-- Every worker process (a process that runs DBOS) has a row here under its DBOS executor id,
-- renewed by heartbeat. When a worker's lease has expired AND its executor-id advisory lock is
-- free (its database session is gone: the process died or lost the database), a live worker
-- of the same application adopts it: in one transaction it marks the row dead and hands the
-- dead worker's PENDING workflows back to their queues (what DBOS's own launch-time recovery
-- does for its own executor id), so exactly one adopter wins and any same-version worker runs
-- them from their last checkpoint. A worker that is slow but alive keeps its session and its
-- lock, and is never robbed. A worker that shuts down gracefully marks itself stopped at once.

CREATE TABLE waymark.workers (
  executor_id      text PRIMARY KEY,
  app_name         text NOT NULL,
  app_version      text NOT NULL,
  host             text NOT NULL,
  pid              int NOT NULL,
  status           text NOT NULL CHECK (status IN ('live', 'stopped', 'dead')),
  started_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  heartbeat_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  lease_expires_at timestamptz NOT NULL,
  adopted_by       text,
  adopted_at       timestamptz,
  adopted_runs     int
);
CREATE INDEX workers_expiring_idx ON waymark.workers (app_name, app_version, lease_expires_at) WHERE status <> 'dead';
