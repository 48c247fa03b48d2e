-- Waymark schema, migration 014: agent transcripts that grow by their delta.
--
-- `runAgent` keeps an agent's conversation here, one row per message, append-only: each model
-- turn inserts only the messages it added (the assistant's answer, the tool results), so a
-- conversation of n turns costs n deltas, not n copies of a growing history. A run may hold
-- several conversations, one per thread name. The DBOS checkpoint of a turn holds a reference
-- (thread and sequence range), never the messages; the full conversation is read back from
-- these rows.
--
--   seq         the message's place in its thread, from 1, without gaps
--   turn        the model turn that added it (0: the prompt and messages the agent started with)
--   role        system | user | assistant | tool
--   summary     true for a context summary the agent made of older messages (role system)
--   content     the AI SDK model message's content, secret fields and registered secrets redacted
--   source      where untrusted content came from (`tool:crm.lookup`, `webhook:stripe`): such a
--               message has provenance {trusted: false, source}; NULL for the workflow's own
--               prompt and the model's answers (a column, not a JSON document: rows stay small)
--
-- A step that inserts a turn's messages may run again after a crash (its rows committed, its
-- checkpoint lost): the primary key turns the repeat into a no-op.

CREATE TABLE waymark.transcript_messages (
  tenant_id  text NOT NULL,
  run_id     text NOT NULL,
  thread     text NOT NULL,
  seq        int NOT NULL CHECK (seq > 0),
  turn       int NOT NULL CHECK (turn >= 0),
  role       text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  summary    boolean NOT NULL DEFAULT false,
  content    jsonb NOT NULL,
  source     text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (run_id, thread, seq)
);
ALTER TABLE waymark.transcript_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.transcript_messages USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));

CREATE FUNCTION waymark.refuse_transcript_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'waymark.transcript_messages is append-only (% refused)', TG_OP USING ERRCODE = 'WM002';
END $$;
CREATE TRIGGER transcript_append_only BEFORE UPDATE OR DELETE ON waymark.transcript_messages
  FOR EACH ROW EXECUTE FUNCTION waymark.refuse_transcript_change();
CREATE TRIGGER transcript_no_truncate BEFORE TRUNCATE ON waymark.transcript_messages
  FOR EACH STATEMENT EXECUTE FUNCTION waymark.refuse_transcript_change();

COMMENT ON TABLE waymark.transcript_messages IS
  'Agent conversations, one append-only row per message per (run, thread); each model turn adds only its new messages.';
