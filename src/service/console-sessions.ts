/**
 * @module service/console-sessions
 * Sessions of the operator console. A person signs in with an API key and gets a session
 * token `wms_<id>_<secret>` (sent back as a cookie); only the SHA-256 of the secret is stored.
 * A session speaks for its key, with the key's tenant and roles: it ends when it expires, on
 * sign-out, or as soon as the key is revoked. Each session has a CSRF token derived from its
 * secret, which the console sends with every state-changing request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SYSTEM_SCOPE, type Scope } from '../scope.js';
import { insertAudit } from '../store/api-keys.js';
import { findLiveSession, insertSession, revokeSession } from '../store/console-sessions.js';
import type { Database } from '../store/gateway.js';
import type { ApiKeyService, Principal } from './api-keys.js';

const TOKEN_FORMAT = /^wms_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A session that has just been made: the token is shown this once (in the cookie). */
export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  principal: Principal;
}

/** The principal of a live session, and what identifies the session. */
export interface SessionPrincipal extends Principal {
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
const csrfOf = (secret: string): string => createHash('sha256').update(`waymark console csrf\0${secret}`, 'utf8').digest('base64url');

/**
 * Signs in, checks and signs out console sessions.
 *
 * @example
 * ```ts
 * const s = await sessions.signIn(`wmk_…`, 'req-1');
 * const principal = await sessions.authenticate(s.token);
 * ```
 */
export class ConsoleSessionService {
  readonly #db: Database;
  readonly #keys: ApiKeyService;
  readonly #ttlMs: number;

  constructor(deps: { db: Database; keys: ApiKeyService; ttlMs: number }) {
    this.#db = deps.db;
    this.#keys = deps.keys;
    this.#ttlMs = deps.ttlMs;
  }

  /** A session for `apiKey` (the bare key, no `Bearer`), or undefined when the key is not valid. */
  async signIn(apiKey: string, requestId: string): Promise<NewSession | undefined> {
    const principal = await this.#keys.authenticate(`Bearer ${apiKey}`);
    if (!principal) return undefined;
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.#ttlMs);
    const scope = { tenantId: principal.tenantId };
    await this.#db.tx(scope, async (q) => {
      await insertSession(q, { id, tenantId: principal.tenantId, keyId: principal.keyId, secretHash: sha256(secret), expiresAt });
      await insertAudit(q, { tenantId: principal.tenantId, actor: principal.name, keyId: principal.keyId, action: 'session.started', target: id, requestId, data: { expiresAt: expiresAt.toISOString() } });
    });
    return { token: `wms_${id}_${secret}`, csrfToken: csrfOf(secret), expiresAt, principal };
  }

  /** The principal of a session token, or undefined when it is malformed, unknown, ended or its key revoked. */
  async authenticate(token: string | undefined): Promise<SessionPrincipal | undefined> {
    const parts = TOKEN_FORMAT.exec(token ?? '');
    if (!parts) return undefined;
    const [, id, secret] = parts as unknown as [string, string, string];
    const row = await this.#db.read(SYSTEM_SCOPE, (q) => findLiveSession(q, id));
    if (!row || !timingSafeEqual(row.secret_hash, sha256(secret))) return undefined;
    return { keyId: row.key_id, tenantId: row.tenant_id, name: row.name, roles: row.roles, sessionId: row.id, csrfToken: csrfOf(secret), expiresAt: row.expires_at };
  }

  /** Ends the caller's session (sign-out); a session already ended stays ended. */
  async signOut(scope: Scope, sessionId: string): Promise<void> {
    await this.#db.tx(scope, async (q) => {
      if (await revokeSession(q, scope.tenantId, sessionId)) {
        await insertAudit(q, { tenantId: scope.tenantId, actor: scope.actor, keyId: scope.keyId, action: 'session.ended', target: sessionId, requestId: scope.requestId, data: null });
      }
    });
  }
}

/**
 * Whether `given` is the session's CSRF token (constant time).
 *
 * @example
 * ```ts
 * if (!csrfMatches(session.csrfToken, req.get('x-waymark-csrf'))) refuse();
 * ```
 */
export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
