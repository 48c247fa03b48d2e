/**
 * @module service/api-keys
 * API keys: principals bound to one tenant and a set of roles. A key is `wmk_<id>_<secret>`;
 * only the SHA-256 of the secret part is stored (the secret is 256 random bits, so a fast hash
 * is as strong as a slow one), and the key is shown once, when it is created.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { SYSTEM_SCOPE, type Scope } from '../scope.js';
import { countActiveAdmins, findApiKey, insertApiKey, insertAudit, listApiKeys, listAudit, revokeApiKey, touchApiKey, type ApiKeyRow, type AuditRow } from '../store/api-keys.js';
import type { Database } from '../store/gateway.js';
import { ROLE_NAME, allows, type Permission } from '../roles.js';

const KEY_FORMAT = /^wmk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** Who an API key speaks for. */
export interface Principal {
  keyId: string;
  tenantId: string;
  /** The audit actor: a person's id or a service's name. */
  name: string;
  roles: readonly string[];
}

/** An API key as clients see it (never its secret). */
export interface ApiKeyView {
  id: string;
  tenantId: string;
  name: string;
  roles: string[];
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
}

/** Actors Waymark itself writes into audit trails. */
const RESERVED_NAMES = new Set(['system', 'dbos', 'workflow', 'fork', 'cli', 'api', 'waymark', 'waymark-start']);

/** A tenant id: lower-case letters, digits, `_` and `-`. */
export const TenantId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -, at most 63');

/** What a new key is for. */
export const NewApiKey = z.strictObject({
  /** Who the key speaks for: recorded as the actor of everything done with it. */
  name: z
    .string()
    .trim()
    .min(1)
    .max(320)
    .regex(/^[^\s\p{Cc}]+$/u, 'no spaces or control characters')
    // The audit trail names Waymark itself with these: a key may not pass for it.
    .refine((n) => !RESERVED_NAMES.has(n.toLowerCase()) && !/^webhook:/i.test(n), 'reserved for Waymark itself'),
  roles: z.array(z.string().regex(ROLE_NAME, 'lower-case letters, digits, ., _ and -')).min(1).max(32),
});

/** An audit log entry as clients see it. */
export interface AuditView {
  id: string;
  at: string;
  actor: string;
  keyId: string | null;
  action: string;
  target: string | null;
  requestId: string | null;
  data: Record<string, unknown> | null;
}

const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/**
 * Creates, lists, revokes and checks API keys.
 *
 * @example
 * ```ts
 * const { key } = await keys.create(scope, { name: 'ada@acme.example', roles: ['approver', 'adjuster'] });
 * const principal = await keys.authenticate(`Bearer ${key}`);
 * ```
 */
export class ApiKeyService {
  readonly #db: Database;

  constructor(deps: { db: Database }) {
    this.#db = deps.db;
  }

  /**
   * The principal of an `Authorization` header value (`Bearer <key>`), or undefined when the
   * key is malformed, unknown or revoked.
   */
  async authenticate(authorization: string | undefined): Promise<Principal | undefined> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const parts = m ? KEY_FORMAT.exec(m[1]!) : null;
    if (!parts) return undefined;
    const [, id, secret] = parts as unknown as [string, string, string];
    const row = await this.#db.read(SYSTEM_SCOPE, (q) => findApiKey(q, id));
    if (!row || row.revoked_at) return undefined;
    if (!timingSafeEqual(row.secret_hash, hashSecret(secret))) return undefined;
    // Last use is bookkeeping, written at most once a minute (the row just read says when it
    // was last written); a failed write must not refuse the request.
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
      void this.#db.tx(SYSTEM_SCOPE, (q) => touchApiKey(q, id)).catch(() => {});
    }
    return { keyId: row.id, tenantId: row.tenant_id, name: row.name, roles: row.roles };
  }

  /**
   * Whether a key still grants `permission` (not revoked, and its roles grant it): runs check
   * the authority of the key that started them before they write.
   */
  async stillGrants(keyId: string, permission: Permission): Promise<boolean> {
    const row = await this.#db.read(SYSTEM_SCOPE, (q) => findApiKey(q, keyId));
    return row !== undefined && row.revoked_at === null && allows(row.roles, permission);
  }

  /** Creates a key in the caller's tenant; the returned `key` is the only time the secret is shown. */
  async create(scope: Scope, req: { name: string; roles: string[] }): Promise<{ key: string; apiKey: ApiKeyView }> {
    const parsed = NewApiKey.safeParse(req);
    if (!parsed.success) throw new ValidationError(`Invalid key: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'key'}: ${i.message}`).join('; ')}`);
    const tenant = TenantId.safeParse(scope.tenantId);
    if (!tenant.success) throw new ValidationError(`Invalid tenant '${scope.tenantId}': ${tenant.error.issues[0]?.message ?? ''}`);
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const roles = [...new Set(parsed.data.roles)];
    const row = await this.#db.tx(scope, async (q) => {
      const r = await insertApiKey(q, { id, tenantId: scope.tenantId, name: parsed.data.name, roles, secretHash: hashSecret(secret), createdBy: scope.actor });
      await insertAudit(q, audit(scope, 'key.created', id, { name: r.name, roles }));
      return r;
    });
    scope.log.info({ apiKeyId: id, roles }, 'API key created');
    return { key: `wmk_${id}_${secret}`, apiKey: toView(row) };
  }

  /** The tenant's keys, newest first. */
  async list(scope: Scope): Promise<ApiKeyView[]> {
    return (await this.#db.read(scope, (q) => listApiKeys(q, scope.tenantId))).map(toView);
  }

  /**
   * Revokes a key of the tenant at once: it authenticates nobody from now on. The tenant's last
   * admin key is not revoked (409 `last_admin_key`): create another admin key first, so the
   * tenant is never left without anyone who can manage its keys.
   */
  async revoke(scope: Scope, id: string): Promise<ApiKeyView> {
    const row = await this.#db.tx(scope, async (q) => {
      const r = await revokeApiKey(q, scope.tenantId, id, scope.actor);
      if (!r) throw new NotFoundError('api_key_not_found', `No API key '${id}' in this tenant`);
      if (r.roles.includes('admin') && (await countActiveAdmins(q, scope.tenantId)) === 0) {
        throw new ConflictError('last_admin_key', `Key '${id}' is the tenant's last admin key; create another admin key before revoking it`);
      }
      await insertAudit(q, audit(scope, 'key.revoked', id, { name: r.name }));
      return r;
    });
    scope.log.info({ apiKeyId: id }, 'API key revoked');
    return toView(row);
  }

  /** Records a refused request in the tenant's audit log. */
  async recordDenied(scope: Scope, code: string, target: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.#db.tx(scope, (q) => insertAudit(q, audit(scope, 'access.denied', target, { code, ...data })));
  }

  /** The tenant's audit log (keys, refusals), newest first. */
  async auditLog(scope: Scope, f: { action?: string | undefined; limit?: number | undefined; before?: string | undefined } = {}): Promise<{ entries: AuditView[]; nextBefore: string | null }> {
    const limit = f.limit ?? 50;
    if (f.before !== undefined && !/^\d{1,18}$/.test(f.before)) throw new ValidationError('before must be an entry id', undefined, 'invalid_cursor');
    const rows = await this.#db.read(scope, (q) => listAudit(q, scope.tenantId, { action: f.action, limit: limit + 1, beforeId: f.before }));
    const page = rows.slice(0, limit);
    return { entries: page.map(toAuditView), nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
  }
}

const audit = (scope: Scope, action: string, target: string, data: Record<string, unknown>) => ({
  tenantId: scope.tenantId, actor: scope.actor, keyId: scope.keyId, action, target, requestId: scope.requestId, data,
});

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toView(r: ApiKeyRow): ApiKeyView {
  return {
    id: r.id, tenantId: r.tenant_id, name: r.name, roles: r.roles, createdAt: r.created_at.toISOString(), createdBy: r.created_by,
    revokedAt: iso(r.revoked_at), revokedBy: r.revoked_by, lastUsedAt: iso(r.last_used_at),
  };
}

function toAuditView(r: AuditRow): AuditView {
  return { id: r.id, at: r.at.toISOString(), actor: r.actor, keyId: r.key_id, action: r.action, target: r.target, requestId: r.request_id, data: r.data };
}
