/**
 * @module scope
 * Who is asking, for which tenant, under which request: the {@link Scope} every service
 * operation requires. The edges — HTTP, the CLI, the embedding API — build it once per request
 * or command; nothing below them invents a tenant or an actor.
 */
import { randomUUID } from 'node:crypto';
import { ValidationError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * The context of one operation.
 *
 * @example
 * ```ts
 * const scope = createScope({ tenantId: 'acme', actor: 'ops@acme.example', roles: ['operator'] }, log);
 * await runs.cancel(scope, runId);
 * ```
 */
export interface Scope {
  /** The tenant whose rows the operation may see and change. */
  readonly tenantId: string;
  /** Who acts, as recorded in the audit trail (an API key's name, `cli`, an application name). */
  readonly actor: string;
  /**
   * What the caller may do: Waymark's roles (`viewer`, `operator`, `approver`, `admin`) and any
   * business roles an approval can be assigned to (`adjuster`).
   */
  readonly roles: readonly string[];
  /** The API key the caller authenticated with (null for the CLI and the embedding API). */
  readonly keyId: string | null;
  /** Correlates the operation's log lines (an `x-request-id` header, or a fresh id). */
  readonly requestId: string;
  /** A logger that carries the tenant, actor and request id. */
  readonly log: Logger;
}

/** What an edge knows about the caller; {@link createScope} completes it. */
export interface ScopeInit {
  tenantId: string;
  actor: string;
  roles: readonly string[];
  keyId?: string | null | undefined;
  requestId?: string | undefined;
}

/**
 * Builds a scope at an edge.
 *
 * @example
 * ```ts
 * const scope = createScope({ tenantId: 'default', actor: 'cli', roles: ['admin'] }, log);
 * ```
 */
export function createScope(init: ScopeInit, log: Logger): Scope {
  // The housekeeping tenant sees every tenant's rows; no caller may act as it.
  if (init.tenantId === SYSTEM_TENANT || init.tenantId.trim() === '') {
    throw new ValidationError(`'${init.tenantId}' is not a tenant a caller can act for`);
  }
  const requestId = init.requestId ?? randomUUID();
  const keyId = init.keyId ?? null;
  return {
    tenantId: init.tenantId, actor: init.actor, roles: Object.freeze([...init.roles]), keyId, requestId,
    log: log.child({ tenantId: init.tenantId, actor: init.actor, requestId, ...(keyId ? { keyId } : {}) }),
  };
}

/**
 * What the database gateway needs to know: the tenant of the transaction, or
 * `SYSTEM_TENANT` for housekeeping that works across tenants (leases, timeouts, sweeps).
 */
export interface TenantScope {
  readonly tenantId: string;
}

/** The tenant of cross-tenant housekeeping transactions (never a real tenant's id). */
export const SYSTEM_TENANT = '*system*';

/** The scope of cross-tenant housekeeping. */
export const SYSTEM_SCOPE: TenantScope = Object.freeze({ tenantId: SYSTEM_TENANT });

/**
 * The tenant of the local admin key, of webhook sources named without a tenant and of CLI
 * commands without `--tenant`; used only at the edges.
 *
 * @example
 * ```ts
 * const scope = createScope({ tenantId: DEFAULT_TENANT, actor: 'cli', roles: ['admin'] }, log);
 * ```
 */
export const DEFAULT_TENANT = 'default';
