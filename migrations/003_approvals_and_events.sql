-- Waymark schema, migration 003: approvals, external events and the waits for them.
--
-- An *approval* is a first-class, auditable request for a person's decision, made by a run
-- with `requestApproval`. The run waits durably (DBOS recv with absolute deadlines for its
-- reminders, escalations and final deadline). A decision is written to the approval row and
-- sent to the run as a DBOS message in one transaction; the first decision wins.
--
-- An *event* arrives through a signed webhook (`POST /v1/events/{source}`) and is stored once
-- per (source, event id). A run waits for an event with `waitForEvent({ type, key })`: the
-- wait is a row in `waymark.event_waits`; the webhook delivers to every waiting run in the
-- same transaction that stores the event; a wait that starts after the event arrived finds it.
-- Webhook and wait serialise on an advisory lock per (tenant, type, key).
--
-- Cancelling a run cancels its pending approvals and waits; resuming it reopens them.

CREATE TABLE waymark.approvals (
  id                text PRIMARY KEY,
  tenant_id         text NOT NULL,
  run_id            text NOT NULL REFERENCES waymark.runs (id),
  title             text NOT NULL,
  proposal          jsonb NOT NULL,
  -- JSON Schema of what a reviewer may edit (from the zod schema); NULL: no edits allowed
  edit_schema       jsonb,
  -- who may decide now: {"users": [...], "roles": [...]}; escalations replace it
  assignees         jsonb NOT NULL,
  status            text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
  escalation_level  int NOT NULL DEFAULT 0,
  reminders_sent    int NOT NULL DEFAULT 0,
  deadline_at       timestamptz,
  deadline_outcome  text CHECK (deadline_outcome IN ('reject', 'fail', 'continue')),
  decided_by        text,
  decided_at        timestamptz,
  comment           text,
  -- the reviewer's edits as sent, the resulting value, and the diff against the proposal
  edits             jsonb,
  final_value       jsonb,
  edit_diff         jsonb,
  -- cancelled because its run was cancelled (reopened if the run is resumed)
  cancelled_with_run boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX approvals_inbox_idx ON waymark.approvals (tenant_id, status, created_at DESC, id DESC);
CREATE INDEX approvals_assignees_idx ON waymark.approvals USING gin (assignees jsonb_path_ops);
CREATE INDEX approvals_run_idx ON waymark.approvals (run_id);

CREATE TABLE waymark.events (
  tenant_id   text NOT NULL,
  source      text NOT NULL,
  event_id    text NOT NULL,
  type        text NOT NULL,
  key         text NOT NULL,
  data        jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (tenant_id, source, event_id)
);
CREATE INDEX events_type_key_idx ON waymark.events (tenant_id, type, key, received_at);

CREATE TABLE waymark.event_waits (
  id              text PRIMARY KEY,
  tenant_id       text NOT NULL,
  run_id          text NOT NULL REFERENCES waymark.runs (id),
  type            text NOT NULL,
  key             text NOT NULL,
  status          text NOT NULL CHECK (status IN ('waiting', 'delivered', 'timed_out', 'cancelled')),
  deadline_at     timestamptz,
  event_source    text,
  event_id        text,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at     timestamptz,
  cancelled_with_run boolean NOT NULL DEFAULT false
);
CREATE INDEX event_waits_open_idx ON waymark.event_waits (tenant_id, type, key) WHERE status = 'waiting';
CREATE INDEX event_waits_run_idx ON waymark.event_waits (run_id);

-- Cancelling a run closes what it waits for; resuming it reopens exactly what was closed.
CREATE FUNCTION waymark.follow_run_waits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'CANCELLED' THEN
    UPDATE waymark.approvals SET status = 'cancelled', cancelled_with_run = true, updated_at = clock_timestamp()
    WHERE run_id = NEW.workflow_uuid AND status = 'pending';
    UPDATE waymark.event_waits SET status = 'cancelled', cancelled_with_run = true, finished_at = clock_timestamp()
    WHERE run_id = NEW.workflow_uuid AND status = 'waiting';
  ELSIF OLD.status = 'CANCELLED' AND NEW.status IN ('ENQUEUED', 'PENDING') THEN
    UPDATE waymark.approvals SET status = 'pending', cancelled_with_run = false, updated_at = clock_timestamp()
    WHERE run_id = NEW.workflow_uuid AND status = 'cancelled' AND cancelled_with_run;
    UPDATE waymark.event_waits SET status = 'waiting', cancelled_with_run = false, finished_at = NULL
    WHERE run_id = NEW.workflow_uuid AND status = 'cancelled' AND cancelled_with_run;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER waymark_follow_run_waits AFTER UPDATE OF status ON dbos.workflow_status
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND (NEW.status = 'CANCELLED' OR OLD.status = 'CANCELLED'))
  EXECUTE FUNCTION waymark.follow_run_waits();
