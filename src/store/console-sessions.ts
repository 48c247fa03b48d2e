/**
 * @module store/console-sessions
 * SQL for console sessions (stored as the SHA-256 of their secret part, like API keys).
 */
import type { Queryable } from './gateway.js';

/** A live session together with the key it speaks for. */
export interface SessionWithKeyRow {
  id: string;
  secret_hash: Buffer;
  expires_at: Date;
  key_id: string;
  tenant_id: string;
  name: string;
  roles: string[];
}

/**
 * Stores a new session of key `keyId`, ending at `expiresAt`; deletes the key's sessions that
 * have ended (expired or signed out) on the way, so the table stays small without a sweeper.
 *
 * @example
 * ```ts
 * await insertSession(tx, { id, tenantId: 'acme', keyId, secretHash, expiresAt });
 * ```
 */
export async function insertSession(
  db: Queryable,
  s: { id: string; tenantId: string; keyId: string; secretHash: Buffer; expiresAt: Date },
): Promise<void> {
  await db.query(
    `DELETE FROM waymark.console_sessions WHERE key_id = $1 AND (revoked_at IS NOT NULL OR expires_at <= clock_timestamp())`,
    [s.keyId],
  );
  await db.query(
    `INSERT INTO waymark.console_sessions (id, tenant_id, key_id, secret_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`,
    [s.id, s.tenantId, s.keyId, s.secretHash, s.expiresAt],
  );
}

/**
 * A session that is neither expired nor signed out, with its key, if the key is not revoked
 * (any tenant: the session is looked up before its tenant is known).
 *
 * @example
 * ```ts
 * const row = await findLiveSession(pool, '3f9a1c2b7d0e4a5b');
 * ```
 */
export async function findLiveSession(db: Queryable, id: string): Promise<SessionWithKeyRow | undefined> {
  const { rows } = await db.query<SessionWithKeyRow>(
    `SELECT s.id, s.secret_hash, s.expires_at, k.id AS key_id, k.tenant_id, k.name, k.roles
     FROM waymark.console_sessions s JOIN waymark.api_keys k ON k.id = s.key_id AND k.tenant_id = s.tenant_id
     WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > clock_timestamp() AND k.revoked_at IS NULL`,
    [id],
  );
  return rows[0];
}

/**
 * Ends a session (sign-out); true when it was live.
 *
 * @example
 * ```ts
 * await revokeSession(tx, 'acme', id);
 * ```
 */
export async function revokeSession(db: Queryable, tenantId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE waymark.console_sessions SET revoked_at = clock_timestamp() WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL`,
    [id, tenantId],
  );
  return (rowCount ?? 0) > 0;
}
