-- Waymark schema, migration 010: the model-call cost ledger.
--
-- Every attempt of a durable model call (`durableModel`, each `doGenerate`/`doStream` of the
-- AI SDK) is one row of `waymark.model_calls`, keyed by the run, the call site (the DBOS step
-- id of the call's first attempt) and the attempt number. The row is written `started` before
-- the request is sent and gets its outcome after, so an attempt a crash interrupted stays
-- visible: recovery marks it `interrupted` and sends the call again as the next attempt (the
-- provider may have billed the interrupted one; its tokens are unknown).
--
-- status: started     the request is (or was, until a crash) in flight
--         succeeded   the response is recorded (`response`: what a re-execution returns)
--         failed      the attempt failed; `retry_at` is set while a retry is planned
--         interrupted the process died during the attempt; the call was sent again
--
-- `cost` comes from the price table configured for the model (none built in): NULL when the
-- model has no price. Each outcome also appends a `model_called` event to the run's audit
-- trail, in the same transaction.

CREATE TABLE waymark.model_calls (
  tenant_id           text NOT NULL,
  run_id              text NOT NULL,
  call_site           int NOT NULL,
  attempt             int NOT NULL CHECK (attempt >= 1),
  -- the DBOS step of this attempt (a retry after a backoff is a step of its own)
  step_id             int NOT NULL,
  workflow            text NOT NULL,
  name                text NOT NULL,
  provider            text NOT NULL,
  model               text NOT NULL,
  mode                text NOT NULL CHECK (mode IN ('generate', 'stream')),
  status              text NOT NULL CHECK (status IN ('started', 'succeeded', 'failed', 'interrupted')),
  input_tokens        int,
  output_tokens       int,
  cached_input_tokens int,
  reasoning_tokens    int,
  cost                numeric(20, 10),
  latency_ms          int,
  finish_reason       text,
  error               jsonb,
  -- a failed attempt that will be retried: when (a re-execution of its step waits until then)
  retry_at            timestamptz,
  final               boolean NOT NULL DEFAULT false,
  response            jsonb,
  created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at         timestamptz,
  PRIMARY KEY (run_id, call_site, attempt)
);
CREATE INDEX model_calls_tenant_created_idx ON waymark.model_calls (tenant_id, created_at);

COMMENT ON TABLE waymark.model_calls IS
  'One row per attempt of a durable model call: tokens, cost from the configured price table, latency, finish reason, status.';
