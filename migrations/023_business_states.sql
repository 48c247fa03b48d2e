-- Waymark schema, migration 023: a workflow's own business states.
--
-- A workflow may declare states of its own (a claim: drafted, awaiting_report, confirmed, paid,
-- escalated, rolled_back), the transitions between them, and event types that move a run. They
-- are the business's, next to Waymark's phases (which say what Waymark is doing with the run).
--
-- `runs.state_machine` is the declaration as it was when the run started (initial state, states,
-- transitions, events), so a run keeps its rules when a deploy changes them, and every writer —
-- the workflow's code in a worker, an event delivered by whichever process received its webhook —
-- decides by the same rules. `runs.state` is the current state (NULL: the workflow declares no
-- states). Both are NULL for workflows without states.
--
-- A state changes only together with its audit event, in one transaction: `state_changed`
-- (data {from, to, by, reason}) or, for a move the rules refuse, `state_refused` (the state
-- stays). Both are rows of `waymark.run_events`, so `waymark.run_history` lists them as it is.
-- A move made by the workflow's code carries its step (`data.step`): a step executed again after
-- a crash finds its event and writes nothing, so each move is recorded once.
--
-- `GET /v1/runs?state=` lists a tenant's runs in one state, newest first, from one index.

ALTER TABLE waymark.runs ADD COLUMN state text, ADD COLUMN state_machine jsonb;
CREATE INDEX runs_tenant_state_idx ON waymark.runs (tenant_id, state, created_at DESC, id DESC)
  WHERE state IS NOT NULL;

-- A fork (or a dead letter's retry) continues its origin's business under the origin's rules. It
-- starts in the state its origin was in at the fork's first step (`RunService.fork` works it out
-- from the origin's state events and records it with the fork's starter, before DBOS creates the
-- fork), else — a fork made outside Waymark — in the origin's current state; a `state_changed`
-- event from null records it. The fork's run row is inserted by the status trigger of migration
-- 001 (and later), which these triggers leave as it is.
ALTER TABLE waymark.run_starters ADD COLUMN state text;

CREATE FUNCTION waymark.fork_inherits_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT coalesce((SELECT s.state FROM waymark.run_starters s WHERE s.run_id = NEW.id), r.state), r.state_machine
    INTO NEW.state, NEW.state_machine
  FROM waymark.runs r WHERE r.id = NEW.forked_from AND r.state_machine IS NOT NULL;
  RETURN NEW;
END $$;
CREATE TRIGGER runs_fork_inherits_state BEFORE INSERT ON waymark.runs
  FOR EACH ROW WHEN (NEW.forked_from IS NOT NULL AND NEW.state_machine IS NULL)
  EXECUTE FUNCTION waymark.fork_inherits_state();

CREATE FUNCTION waymark.fork_state_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data)
  VALUES (NEW.id, NEW.tenant_id, 'state_changed', 'fork', 'forked from ' || NEW.forked_from,
          jsonb_build_object('from', NULL, 'to', NEW.state, 'by', 'fork', 'reason', 'forked from ' || NEW.forked_from, 'forkedFrom', NEW.forked_from));
  RETURN NULL;
END $$;
CREATE TRIGGER runs_fork_state_event AFTER INSERT ON waymark.runs
  FOR EACH ROW WHEN (NEW.forked_from IS NOT NULL AND NEW.state IS NOT NULL)
  EXECUTE FUNCTION waymark.fork_state_event();
