-- Waymark schema, migration 015: a run's live stream (model tokens, phases, the end).
--
-- `waymark.run_stream` is append-only: what a reader of `GET /v1/runs/{id}/stream` receives as
-- server-sent events. Each row has a per-run sequence number `seq` (the event id): 1, 2, 3 ...
-- without gaps, in commit order, so a reader that saw event n and asks for what follows it
-- (`Last-Event-ID: n`) misses nothing and sees nothing twice.
--
-- Writers never number rows themselves: `waymark.append_run_stream` takes the next numbers from
-- the run's row in `waymark.run_stream_heads` (an upsert, which locks that row until commit),
-- inserts the events and notifies channel `waymark_run_stream` with the run id. Because the
-- head row is locked until the writer commits, a later writer of the same run gets higher
-- numbers and becomes visible after it: a reader can never see seq n+1 while n is still to
-- come. The head survives the deletion of old rows, so numbers are never reused.
--
-- Who writes:
--   * a streaming model call (`durableModel` in `streamText`): its start (in the transaction
--     that writes the attempt's ledger row), its parts in small batches while it streams, and
--     the last batch with its finish (usage) or failure in the transaction that records the
--     attempt's outcome; a call answered from the ledger or replayed from a checkpoint writes
--     nothing (it was streamed when it ran); a call sent again after a crash starts with a new
--     `model-start` of the next attempt;
--   * every phase change (trigger on `waymark.run_events`): a `phase` event, and an `end` event
--     when the new phase is terminal.
--
-- Rows are deleted by housekeeping once older than the retention (`WAYMARK_STREAM_RETENTION`,
-- default 7 days); the audit trail is `waymark.run_events`, not this table.

CREATE TABLE waymark.run_stream_heads (
  run_id    text PRIMARY KEY,
  tenant_id text NOT NULL,
  last_seq  bigint NOT NULL
);

CREATE TABLE waymark.run_stream (
  run_id     text NOT NULL,
  seq        bigint NOT NULL,
  tenant_id  text NOT NULL,
  type       text NOT NULL,
  data       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (run_id, seq)
);
-- Retention deletes by age; rows arrive in time order, so a BRIN index is enough and costs
-- almost nothing per insert.
CREATE INDEX run_stream_created_brin ON waymark.run_stream USING brin (created_at);

ALTER TABLE waymark.run_stream_heads ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.run_stream_heads USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));
ALTER TABLE waymark.run_stream ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.run_stream USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));

COMMENT ON TABLE waymark.run_stream IS
  'A run''s live stream (model-call parts, phases, the end), numbered per run without gaps; deleted after the retention.';
COMMENT ON TABLE waymark.run_stream_heads IS
  'The last stream number of each run; locked by each writer until it commits, so numbers follow commit order.';

-- Appends events (a JSON array of {type, data}) to a run's stream; returns the last seq.
-- Runs with the caller's rights: under the gateway's role, row-level security applies.
CREATE FUNCTION waymark.append_run_stream(p_tenant text, p_run_id text, p_events jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_n int := jsonb_array_length(p_events);
  v_last bigint;
BEGIN
  IF v_n = 0 THEN
    RETURN NULL;
  END IF;
  INSERT INTO waymark.run_stream_heads AS h (run_id, tenant_id, last_seq) VALUES (p_run_id, p_tenant, v_n)
  ON CONFLICT (run_id) DO UPDATE SET last_seq = h.last_seq + v_n
  RETURNING last_seq INTO v_last;
  INSERT INTO waymark.run_stream (run_id, seq, tenant_id, type, data)
  SELECT p_run_id, v_last - v_n + e.ord, p_tenant, e.value->>'type', coalesce(e.value->'data', '{}'::jsonb)
  FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e (value, ord);
  PERFORM pg_notify('waymark_run_stream', p_run_id);
  RETURN v_last;
END $$;

-- Phase changes reach the stream; a terminal phase also ends it (until a resume or retry).
CREATE FUNCTION waymark.stream_phase_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_events jsonb;
BEGIN
  v_events := jsonb_build_array(jsonb_build_object('type', 'phase', 'data',
    jsonb_build_object('from', NEW.from_phase, 'to', NEW.to_phase, 'reason', NEW.reason)));
  IF EXISTS (SELECT 1 FROM waymark.phases WHERE phase = NEW.to_phase AND terminal) THEN
    v_events := v_events || jsonb_build_array(jsonb_build_object('type', 'end', 'data', jsonb_build_object('phase', NEW.to_phase)));
  END IF;
  PERFORM waymark.append_run_stream(NEW.tenant_id, NEW.run_id, v_events);
  RETURN NULL;
END $$;
CREATE TRIGGER run_events_stream_phase AFTER INSERT ON waymark.run_events
  FOR EACH ROW WHEN (NEW.kind = 'phase_changed') EXECUTE FUNCTION waymark.stream_phase_change();
