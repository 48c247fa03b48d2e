-- Waymark schema, migration 017: sessions of the operator console.
--
-- A person signs in to the console with an API key; the server answers with a session cookie
-- and keeps here only the SHA-256 of the session's secret (like `api_keys`), the key it speaks
-- for and when it ends. A session acts as its key: it is refused as soon as the key is revoked
-- (authentication reads the key with the session), when it expires, or once it is signed out.
-- Rows of ended sessions are deleted when their key signs in again; they hold nothing secret.

CREATE TABLE waymark.console_sessions (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL,
  key_id      text NOT NULL REFERENCES waymark.api_keys (id),
  secret_hash bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX console_sessions_key ON waymark.console_sessions (key_id);

ALTER TABLE waymark.console_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON waymark.console_sessions USING (waymark.tenant_visible(tenant_id)) WITH CHECK (waymark.tenant_visible(tenant_id));

-- The console lists a tenant's in-doubt tool calls (GET /v1/tool-calls): few rows, found at once.
CREATE INDEX tool_calls_in_doubt ON waymark.tool_calls (tenant_id, created_at) WHERE status = 'in_doubt';
