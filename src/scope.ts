/**
 * @module scope
 * Who is asking, for which tenant, under which request: the {@link Scope} every service
 * operation requires. The edges — HTTP, the CLI, the embedding API — build it once per request
 * or command; nothing below them invents a tenant or an actor.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from './logger.js';

/**
 * The context of one operation.
 *
 * @example
 * ```ts
 * const scope = createScope({ tenantId: 'acme', actor: 'ops@acme.example' }, log);
 * await runs.cancel(scope, runId);
 * ```
 */
export interface Scope {
  /** The tenant whose rows the operation may see and change. */
  readonly tenantId: string;
  /** Who acts, as recorded in the audit trail (a user, `api`, `cli`, an application name). */
  readonly actor: string;
  /** Correlates the operation's log lines (an `x-request-id` header, or a fresh id). */
  readonly requestId: string;
  /** A logger that carries the tenant, actor and request id. */
  readonly log: Logger;
}

/** What an edge knows about the caller; {@link createScope} completes it. */
export interface ScopeInit {
  tenantId: string;
  actor: string;
  requestId?: string | undefined;
}

/**
 * Builds a scope at an edge.
 *
 * @example
 * ```ts
 * const scope = createScope({ tenantId: 'default', actor: 'cli' }, log);
 * ```
 */
export function createScope(init: ScopeInit, log: Logger): Scope {
  const requestId = init.requestId ?? randomUUID();
  return { tenantId: init.tenantId, actor: init.actor, requestId, log: log.child({ tenantId: init.tenantId, actor: init.actor, requestId }) };
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
 * The tenant every caller acts for until authentication assigns real ones; used only at the
 * edges.
 *
 * @example
 * ```ts
 * const scope = createScope({ tenantId: DEFAULT_TENANT, actor: 'cli' }, log);
 * ```
 */
export const DEFAULT_TENANT = 'default';
