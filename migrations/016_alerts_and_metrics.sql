-- Waymark schema, migration 016: alerts to operators, and indexes for the metrics gauges.
--
-- Some things need a person: a run that failed for good (a dead letter), a tool call in doubt,
-- a model call a budget refused, a run that escalated. Each becomes one row of
-- `waymark.alerts`, written by a trigger in the very transaction that records the fact, under a
-- key unique per tenant, so the alert exists exactly when the fact does, and once:
--
--   dead_letter:<run>:<epoch of the dead letter>   (a reopened dead letter alerts again)
--   in_doubt:<call key>:<attempts>                 (each time a call falls in doubt)
--   budget_exceeded:<run event id>
--   escalated:<run event id>                       (not for an in-doubt call: that has its own)
--
-- Every worker's housekeeping delivers them (a webhook and/or email): it claims due rows for a
-- while (`claimed_until`, `FOR UPDATE SKIP LOCKED`), sends on each configured channel not yet
-- done (`channels_done`), and records the outcome; a failure is tried again later with backoff.
-- A crash between a send and its record sends again with the same idempotency key (webhook
-- `Idempotency-Key`, email `Message-ID`), which the receiver uses to show it once.
--
-- `page` and `page_id` name the console page that resolves it: runs, approvals, tool-calls,
-- dead-letters.

CREATE TABLE waymark.alerts (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id       text NOT NULL,
  key             text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('dead_letter', 'in_doubt', 'budget_exceeded', 'escalated')),
  run_id          text NOT NULL,
  page            text NOT NULL CHECK (page IN ('runs', 'approvals', 'tool-calls', 'dead-letters')),
  page_id         text NOT NULL,
  data            jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  attempts        int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  claimed_until   timestamptz,
  channels_done   text[] NOT NULL DEFAULT '{}',
  last_error      text,
  delivered_at    timestamptz,
  CONSTRAINT alerts_key_unique UNIQUE (tenant_id, key)
);
CREATE INDEX alerts_due_idx ON waymark.alerts (next_attempt_at, id) WHERE delivered_at IS NULL;
ALTER TABLE waymark.alerts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.alerts USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));
COMMENT ON TABLE waymark.alerts IS
  'Alerts to operators (dead letters, in-doubt calls, budget refusals, escalations): one row per fact, delivered by housekeeping.';

CREATE FUNCTION waymark.raise_alert(p_tenant text, p_key text, p_kind text, p_run text, p_page text, p_page_id text, p_data jsonb)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO waymark.alerts (tenant_id, key, kind, run_id, page, page_id, data)
  VALUES (p_tenant, p_key, p_kind, p_run, p_page, p_page_id, coalesce(p_data, '{}'::jsonb))
  ON CONFLICT (tenant_id, key) DO NOTHING
$$;

CREATE FUNCTION waymark.alert_dead_letter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'open' AND (TG_OP = 'INSERT' OR OLD.status <> 'open' OR OLD.created_at <> NEW.created_at) THEN
    PERFORM waymark.raise_alert(NEW.tenant_id, 'dead_letter:' || NEW.run_id || ':' || extract(epoch FROM NEW.created_at)::text,
      'dead_letter', NEW.run_id, 'dead-letters', NEW.run_id, jsonb_build_object('workflow', NEW.workflow, 'cause', NEW.cause));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER alert_dead_letter AFTER INSERT OR UPDATE ON waymark.dead_letters
  FOR EACH ROW EXECUTE FUNCTION waymark.alert_dead_letter();

CREATE FUNCTION waymark.alert_in_doubt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'in_doubt' AND (TG_OP = 'INSERT' OR OLD.status <> 'in_doubt') THEN
    PERFORM waymark.raise_alert(NEW.tenant_id, 'in_doubt:' || NEW.key || ':' || NEW.attempts, 'in_doubt', NEW.owner_run_id,
      'tool-calls', NEW.key, jsonb_build_object('tool', NEW.tool, 'key', NEW.key, 'attempts', NEW.attempts));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER alert_in_doubt AFTER INSERT OR UPDATE OF status ON waymark.tool_calls
  FOR EACH ROW EXECUTE FUNCTION waymark.alert_in_doubt();

CREATE FUNCTION waymark.alert_run_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'budget_exceeded' THEN
    PERFORM waymark.raise_alert(NEW.tenant_id, 'budget_exceeded:' || NEW.id, 'budget_exceeded', NEW.run_id, 'runs', NEW.run_id,
      NEW.data - 'callSite' - 'step');
  ELSIF NEW.kind = 'phase_changed' AND NEW.to_phase = 'escalated' AND NOT (NEW.data ? 'tool' AND NEW.data ? 'key') THEN
    PERFORM waymark.raise_alert(NEW.tenant_id, 'escalated:' || NEW.id, 'escalated', NEW.run_id,
      CASE WHEN NEW.data ? 'approvalId' THEN 'approvals' ELSE 'runs' END,
      coalesce(NEW.data ->> 'approvalId', NEW.run_id),
      jsonb_build_object('reason', left(NEW.reason, 500), 'from', NEW.from_phase) || (NEW.data - 'to'));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER alert_run_event AFTER INSERT ON waymark.run_events
  FOR EACH ROW EXECUTE FUNCTION waymark.alert_run_event();

-- The metrics gauges count these on every scrape (cached briefly); each reads a small index.
CREATE INDEX runs_active_idx ON waymark.runs (workflow, phase)
  WHERE phase NOT IN ('completed', 'failed', 'cancelled', 'rolled_back', 'compensation_failed');
CREATE INDEX tool_calls_in_doubt_idx ON waymark.tool_calls (tool) WHERE status = 'in_doubt';
CREATE INDEX dead_letters_open_only_idx ON waymark.dead_letters (workflow) WHERE status = 'open';
CREATE INDEX approvals_pending_idx ON waymark.approvals (created_at) WHERE status = 'pending';
