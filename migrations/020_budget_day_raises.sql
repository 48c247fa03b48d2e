-- Waymark schema, migration 020: approved raises of a day's model-call budget.
--
-- A day counter's limits (scope 'workflow_day', 'tenant_day') follow the workflow's declaration
-- and the configuration: every call stores them again. An admin's approved raise (policy
-- `ask`) of that day's budget is kept apart, in `raised_*`, and added to them at every call:
-- it lasts for that UTC day only (the next day's counter starts at nothing raised) and survives
-- a change of the declared or configured limits that day. A run's counter keeps the limits it
-- was made with; its raises are added to them and counted here too.

ALTER TABLE waymark.budget_counters
  ADD COLUMN raised_tokens bigint NOT NULL DEFAULT 0,
  ADD COLUMN raised_cost numeric(20, 10) NOT NULL DEFAULT 0,
  ADD COLUMN raised_calls int NOT NULL DEFAULT 0;

COMMENT ON COLUMN waymark.budget_counters.raised_tokens IS
  'Tokens added to the limit by approved raises (a day''s limit is the declared or configured one plus this).';
