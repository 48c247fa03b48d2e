/**
 * @module store/api-keys
 * SQL for API keys (stored as the SHA-256 of their secret part) and the tenant audit log.
 */
import type { Queryable } from './gateway.js';

/** An API key as stored. */
export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  roles: string[];
  secret_hash: Buffer;
  created_at: Date;
  created_by: string;
  revoked_at: Date | null;
  revoked_by: string | null;
  last_used_at: Date | null;
}

const COLUMNS = 'id, tenant_id, name, roles, secret_hash, created_at, created_by, revoked_at, revoked_by, last_used_at';

/**
 * Stores a new key.
 *
 * @example
 * ```ts
 * await insertApiKey(tx, { id, tenantId: 'acme', name: 'ada@acme.example', roles: ['operator'], secretHash, createdBy: 'cli' });
 * ```
 */
export async function insertApiKey(
  db: Queryable,
  k: { id: string; tenantId: string; name: string; roles: string[]; secretHash: Buffer; createdBy: string },
): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow>(
    `INSERT INTO waymark.api_keys (id, tenant_id, name, roles, secret_hash, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [k.id, k.tenantId, k.name, k.roles, k.secretHash, k.createdBy],
  );
  return rows[0]!;
}

/**
 * One key by its public id, in any tenant (authentication happens before the tenant is known).
 *
 * @example
 * ```ts
 * const row = await findApiKey(pool, 'k3f9a1c2b7d0e');
 * ```
 */
export async function findApiKey(db: Queryable, id: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM waymark.api_keys WHERE id = $1`, [id]);
  return rows[0];
}

/**
 * Keys of a tenant, newest first (every tenant's with `tenantId` undefined).
 *
 * @example
 * ```ts
 * const keys = await listApiKeys(pool, 'acme');
 * ```
 */
export async function listApiKeys(db: Queryable, tenantId: string | undefined): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM waymark.api_keys WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY created_at DESC, id`,
    [tenantId ?? null],
  );
  return rows;
}

/**
 * Revokes a key of the tenant (any tenant's with `tenantId` undefined); undefined when there is
 * no such key. Revoking twice keeps the first revocation.
 *
 * @example
 * ```ts
 * await revokeApiKey(tx, 'acme', id, 'ada@acme.example');
 * ```
 */
export async function revokeApiKey(db: Queryable, tenantId: string | undefined, id: string, by: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    `UPDATE waymark.api_keys SET revoked_at = coalesce(revoked_at, clock_timestamp()), revoked_by = coalesce(revoked_by, $3)
     WHERE id = $2 AND ($1::text IS NULL OR tenant_id = $1) RETURNING ${COLUMNS}`,
    [tenantId ?? null, id, by],
  );
  return rows[0];
}

/**
 * How many keys of the tenant are not revoked and hold role `admin`.
 *
 * @example
 * ```ts
 * if ((await countActiveAdmins(tx, 'acme')) === 0) refuse();
 * ```
 */
export async function countActiveAdmins(db: Queryable, tenantId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM waymark.api_keys WHERE tenant_id = $1 AND revoked_at IS NULL AND 'admin' = ANY (roles)`,
    [tenantId],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Records that a key was used, at most once a minute per key (a write per request would cost
 * more than the request).
 *
 * @example
 * ```ts
 * await touchApiKey(pool, id);
 * ```
 */
export async function touchApiKey(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE waymark.api_keys SET last_used_at = clock_timestamp()
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < clock_timestamp() - interval '1 minute')`,
    [id],
  );
}

/** An entry of the tenant audit log. */
export interface AuditEntry {
  tenantId: string;
  actor: string;
  keyId: string | null;
  action: string;
  target: string | null;
  requestId: string | null;
  data: Record<string, unknown> | null;
}

/**
 * Appends to the tenant audit log.
 *
 * @example
 * ```ts
 * await insertAudit(tx, { tenantId, actor, keyId, action: 'key.revoked', target: id, requestId, data: null });
 * ```
 */
export async function insertAudit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO waymark.audit_log (tenant_id, actor, key_id, action, target, request_id, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [e.tenantId, e.actor, e.keyId, e.action, e.target, e.requestId, e.data === null ? null : JSON.stringify(e.data)],
  );
}

/** An audit log row as stored. */
export interface AuditRow {
  id: string;
  tenant_id: string;
  at: Date;
  actor: string;
  key_id: string | null;
  action: string;
  target: string | null;
  request_id: string | null;
  data: Record<string, unknown> | null;
}

/**
 * The tenant's audit log, newest first.
 *
 * @example
 * ```ts
 * const rows = await listAudit(pool, 'acme', { action: 'access.denied', limit: 50 });
 * ```
 */
export async function listAudit(db: Queryable, tenantId: string, f: { action?: string | undefined; limit: number; beforeId?: string | undefined }): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    // Ordered by the bigint column (a bare `id` would name the text output column).
    `SELECT a.id::text AS id, a.tenant_id, a.at, a.actor, a.key_id, a.action, a.target, a.request_id, a.data FROM waymark.audit_log a
     WHERE a.tenant_id = $1 AND ($2::text IS NULL OR a.action = $2) AND ($3::bigint IS NULL OR a.id < $3)
     ORDER BY a.id DESC LIMIT $4`,
    [tenantId, f.action ?? null, f.beforeId ?? null, f.limit],
  );
  return rows;
}
