-- Waymark schema, migration 024: circuit breakers — tools whose dependency stays down.
--
-- Retries per call do not help when a provider is down for an hour: every run would spend its
-- retry budget against the same dead service. A tool that declares `breaker` shares one row
-- here with every run and worker (per breaker name, by default the tool's name; tools calling
-- the same dependency may name the same breaker).
--
-- Breakers are deployment-wide, not per tenant: a provider that is down is down for everyone,
-- and one tenant's failures are the signal that spares the others. The rows hold no tenant
-- data (name, counters, times, the last error scrubbed); what a tenant may not see — which runs
-- wait — lives in `breaker_waits`, under row-level security.
--
--   closed     calls go through; consecutive transient failures inside `window` are counted
--              (`failures`, from `first_failure_at`); a success or a permanent answer (a 4xx:
--              the dependency is up) resets the count; at `failureThreshold` it opens.
--   open       calls do not go out and spend no attempts: they wait (durably, parking after
--              the hot window) until `next_probe_at`. Forced open by an operator (`forced`):
--              no probe until an operator resets it.
--   half_open  exactly one call (`probe_key`, claimed with a conditional update under the row
--              lock) goes out as the probe, until `probe_until`; if its worker dies, another
--              caller takes the probe after that. The probe's success closes the breaker, its
--              transient failure re-opens it with a doubled wait (`reopen_count`, capped).
--
-- Times are the runtime clock's (a test clock drives them), written by the callers, never
-- `now()`. `escalate_at` (opened_at + the declared escalation time) is when an operator is
-- alerted, once per opening (`escalated_at`). Every transition is a row of `breaker_events`.

CREATE TABLE waymark.breakers (
  name             text PRIMARY KEY,
  state            text NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open')),
  failures         int NOT NULL DEFAULT 0,
  first_failure_at timestamptz,
  last_failure_at  timestamptz,
  last_error       jsonb,
  opened_at        timestamptz,
  reopen_count     int NOT NULL DEFAULT 0,
  next_probe_at    timestamptz,
  probe_key        text,
  probe_until      timestamptz,
  forced           boolean NOT NULL DEFAULT false,
  escalate_at      timestamptz,
  escalated_at     timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- The escalation sweep: breakers open past their escalation time, not yet escalated.
CREATE INDEX breakers_escalate_idx ON waymark.breakers (escalate_at) WHERE escalated_at IS NULL AND state <> 'closed';
COMMENT ON TABLE waymark.breakers IS
  'Circuit breakers of tools, shared by every run, worker and tenant: closed, open (calls wait), half_open (one probe).';

CREATE TABLE waymark.breaker_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  breaker     text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('opened', 'half_open', 'closed', 'reopened', 'escalated', 'forced_open', 'reset')),
  from_state  text,
  to_state    text,
  actor       text NOT NULL,
  reason      text,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- the runtime clock's time of the transition; recorded_at is the database's
  at          timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX breaker_events_breaker_idx ON waymark.breaker_events (breaker, id);
COMMENT ON TABLE waymark.breaker_events IS 'Append-only: every transition of a circuit breaker, who or what made it, and why.';
CREATE FUNCTION waymark.refuse_breaker_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'waymark.breaker_events is append-only';
END $$;
CREATE TRIGGER breaker_events_append_only BEFORE UPDATE OR DELETE ON waymark.breaker_events
  FOR EACH ROW EXECUTE FUNCTION waymark.refuse_breaker_event_change();
CREATE TRIGGER breaker_events_no_truncate BEFORE TRUNCATE ON waymark.breaker_events
  FOR EACH STATEMENT EXECUTE FUNCTION waymark.refuse_breaker_event_change();

-- One row per call waiting on an open breaker (deleted when the call goes on): who to wake when
-- the breaker closes, what `GET /v1/breakers` counts, and the runs an escalation is told of.
CREATE TABLE waymark.breaker_waits (
  tenant_id  text NOT NULL,
  run_id     text NOT NULL REFERENCES waymark.runs (id),
  key        text NOT NULL,
  breaker    text NOT NULL,
  tool       text NOT NULL,
  since      timestamptz NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE INDEX breaker_waits_breaker_idx ON waymark.breaker_waits (breaker);
ALTER TABLE waymark.breaker_waits ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.breaker_waits USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));
COMMENT ON TABLE waymark.breaker_waits IS 'Tool calls waiting for an open circuit breaker, per run (tenant-scoped).';

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'waymark_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON waymark.breakers, waymark.breaker_waits TO waymark_app;
    GRANT SELECT, INSERT ON waymark.breaker_events TO waymark_app;
  END IF;
END $$;

-- A breaker that stays open alerts the operators once per opening. It is not any run's: the
-- alert belongs to the installation's tenant, names no run, and links to the breakers page.
ALTER TABLE waymark.alerts ALTER COLUMN run_id DROP NOT NULL;
ALTER TABLE waymark.alerts DROP CONSTRAINT IF EXISTS alerts_kind_check;
ALTER TABLE waymark.alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('dead_letter', 'in_doubt', 'budget_exceeded', 'escalated', 'breaker_open'));
ALTER TABLE waymark.alerts DROP CONSTRAINT IF EXISTS alerts_page_check;
ALTER TABLE waymark.alerts ADD CONSTRAINT alerts_page_check CHECK (page IN ('runs', 'approvals', 'tool-calls', 'dead-letters', 'breakers'));
