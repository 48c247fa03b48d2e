-- Waymark schema, migration 008: who is speaking.
--
-- An API key is a principal: a name (the audit actor), one tenant and a set of roles. Only the
-- SHA-256 of its secret part is stored; the key is shown once, when it is created. A revoked
-- key authenticates nobody, and runs started with it lose the authority to write (they ask a
-- person instead).
--
-- `waymark.audit_log` records what is not about one run: keys created and revoked, and every
-- request refused for want of a permission.
--
-- A run remembers the key that started it (`started_by_key`), and an event wait the webhook
-- source it accepts events from.

CREATE TABLE waymark.api_keys (
  -- The public part of the key (`wmk_<id>_<secret>`): safe to show and to log.
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL,
  name         text NOT NULL,
  roles        text[] NOT NULL,
  secret_hash  bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  created_by   text NOT NULL,
  revoked_at   timestamptz,
  revoked_by   text,
  last_used_at timestamptz
);
CREATE INDEX api_keys_tenant_idx ON waymark.api_keys (tenant_id, created_at);

CREATE TABLE waymark.audit_log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id  text NOT NULL,
  at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor      text NOT NULL,
  key_id     text,
  action     text NOT NULL,
  target     text,
  request_id text,
  data       jsonb
);
CREATE INDEX audit_log_tenant_idx ON waymark.audit_log (tenant_id, at);

ALTER TABLE waymark.runs ADD COLUMN started_by_key text;

-- NULL for waits opened before sources were checked: any source of the run's tenant.
ALTER TABLE waymark.event_waits ADD COLUMN source text;
