/**
 * @module service/breakers
 * Circuit breakers for operators: the list (state, failures, times, the caller's tenant's
 * waiting calls), an operator's reset or forced opening, and the escalation sweep of breakers
 * open too long. Breakers are deployment-wide (a dependency is down for every tenant), so
 * changing one is an installation-wide act: only operators of tenant `default` may.
 */
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { wakeBreakerWaiters } from '../agent/breaker-gate.js';
import type { ToolCatalog } from '../agent/define-tool.js';
import { NotFoundError, WaymarkError } from '../errors.js';
import { publicError } from '../public-error.js';
import type { Clock } from '../runtime/clock.js';
import { DEFAULT_TENANT, SYSTEM_SCOPE, type Scope } from '../scope.js';
import type { BreakerState } from '../store/breaker-rules.js';
import { escalateOpenBreakers, forceBreaker, listBreakers, type BreakerRow } from '../store/breakers.js';
import type { Database } from '../store/gateway.js';
import { metrics } from '../telemetry/metrics.js';
import { requirePermission } from './permissions.js';

/** A circuit breaker as the API shows it. */
export interface BreakerView {
  name: string;
  state: BreakerState;
  /** Transient failures in a row counted so far (in the window, or since it opened). */
  failures: number;
  /** When this opening began (null: closed). */
  openedAt: string | null;
  /** When the next call may probe (null: closed, half-open, or forced open until a reset). */
  nextProbeAt: string | null;
  /** Until when the half-open probe holds it. */
  probeUntil: string | null;
  /** Forced open by an operator: no probe until a reset. */
  forced: boolean;
  lastFailureAt: string | null;
  lastError: ReturnType<typeof publicError>;
  /** When operators were alerted that it stays open (null: not yet in this opening). */
  escalatedAt: string | null;
  /** Calls of the caller's tenant waiting on it. */
  waitingCalls: number;
  /** The tools of this process that declare it. */
  tools: string[];
}

/** What the breaker service works with. */
export interface BreakerDeps {
  db: Database;
  dbos: Pick<DBOSClient, 'resumeWorkflow' | 'cancelWorkflow' | 'sendInTransaction'>;
  queueName: string;
  clock: Clock;
  tools: ToolCatalog;
}

/** An operator's action on a breaker. */
export interface ResetBreakerRequest {
  /** `closed` (default): calls go through again; `open`: calls wait, no probe, until a reset. */
  state?: 'closed' | 'open';
  reason?: string | undefined;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * Lists circuit breakers and lets operators reset or force them.
 *
 * @example
 * ```ts
 * const { breakers } = await waymark.breakers.list(scope);
 * await waymark.breakers.reset(scope, 'vendor', { reason: 'vendor confirmed recovery' });
 * ```
 */
export class BreakerService {
  readonly #d: BreakerDeps;

  constructor(deps: BreakerDeps) {
    this.#d = deps;
  }

  /** Every breaker declared by a tool of this process or with a row, by name. */
  async list(scope: Scope): Promise<{ breakers: BreakerView[] }> {
    requirePermission(scope, 'read');
    const rows = await this.#d.db.read(scope, (q) => listBreakers(q));
    const declared = this.#declared();
    const byName = new Map(rows.map((r) => [r.name, r]));
    const names = [...new Set([...byName.keys(), ...declared.keys()])].sort();
    return { breakers: names.map((n) => toView(n, byName.get(n), declared.get(n) ?? [])) };
  }

  /**
   * Closes breaker `name` (counts cleared) or forces it open, recorded as a breaker event with
   * the caller as actor; the waiting calls are woken to look again.
   */
  async reset(scope: Scope, name: string, req: ResetBreakerRequest = {}): Promise<BreakerView> {
    requirePermission(scope, 'operate');
    if (scope.tenantId !== DEFAULT_TENANT) {
      throw new WaymarkError('forbidden', `Breakers are shared by every tenant: only operators of tenant '${DEFAULT_TENANT}' may reset them`, { details: { permission: 'operate' } });
    }
    const declared = this.#declared();
    const to = req.state ?? 'closed';
    const eventId = await this.#d.db.tx(SYSTEM_SCOPE, async (q) => {
      const exists = (await listBreakers(q)).some((r) => r.name === name);
      if (!exists && !declared.has(name)) throw new NotFoundError('breaker_not_found', `No circuit breaker named '${name}': no tool declares it and it never failed`);
      return (await forceBreaker(q, { name, to, actor: scope.actor, reason: req.reason, now: this.#d.clock.now() })).eventId;
    });
    metrics.interventions.inc({ action: to === 'closed' ? 'breaker_reset' : 'breaker_forced_open' });
    scope.log.info({ breaker: name, state: to }, `circuit breaker ${to === 'closed' ? 'reset' : 'forced open'} by an operator`);
    await wakeBreakerWaiters(this.#d, name, eventId);
    const view = (await this.list(scope)).breakers.find((b) => b.name === name);
    return view!;
  }

  /** Breaker names declared by this process's tools, with the tools. */
  #declared(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const t of this.#d.tools.list()) {
      if (t.breaker) out.set(t.breaker.name, [...(out.get(t.breaker.name) ?? []), t.name]);
    }
    return out;
  }
}

function toView(name: string, r: BreakerRow | undefined, tools: string[]): BreakerView {
  return {
    name, state: r?.state ?? 'closed', failures: r?.failures ?? 0, openedAt: iso(r?.opened_at ?? null), nextProbeAt: r?.state === 'open' && !r.forced ? iso(r.next_probe_at) : null,
    probeUntil: r?.state === 'half_open' ? iso(r.probe_until) : null, forced: r?.forced ?? false, lastFailureAt: iso(r?.last_failure_at ?? null),
    lastError: publicError(r?.last_error ?? null), escalatedAt: iso(r?.escalated_at ?? null), waitingCalls: r?.waiting_calls ?? 0, tools,
  };
}

/**
 * One pass of the escalation sweep at clock time `now`: each breaker open past its escalation
 * time alerts the operators once per opening (see `escalateOpenBreakers`). Returns their names.
 *
 * @example
 * ```ts
 * await escalateBreakers(db, clock.now());
 * ```
 */
export async function escalateBreakers(db: Database, now: number): Promise<string[]> {
  return db.tx(SYSTEM_SCOPE, (q) => escalateOpenBreakers(q, now));
}
