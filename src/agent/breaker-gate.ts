/**
 * @module agent/breaker-gate
 * A tool's circuit breaker as `callTool` meets it: before each attempt an admission step says
 * whether the call goes out, is the half-open probe, or waits; a waiting call waits durably on
 * the breaker's topic (parking after the hot window) until the next probe time, spending no
 * attempts; each attempt's outcome is counted; a transition out of open or half-open wakes
 * every waiting call (a DBOS message on the topic, and the parked ones resumed).
 */
import { DBOS, type DBOSClient } from '@dbos-inc/dbos-sdk';
import { SYSTEM_SCOPE } from '../scope.js';
import type { BreakerOutcome } from '../store/breaker-rules.js';
import { admitCall, beginBreakerWait, breakerWaiters, endBreakerWait, recordBreakerOutcome, type BreakerTransition } from '../store/breakers.js';
import type { Queryable } from '../store/gateway.js';
import { requestWake } from '../store/parked-runs.js';
import { appendRunEvent } from '../store/runs.js';
import { metrics } from '../telemetry/metrics.js';
import { resumeClaimed, type WakeDeps } from './park.js';
import type { BreakerPolicy, Tool } from './define-tool.js';
import type { RunContext } from './run-context.js';
import { currentRuntime } from '../runtime/process-runtime.js';

/** How long past the tool's timeout a probe holds the half-open breaker before another call may probe. */
const PROBE_GRACE_MS = 5_000;

/**
 * The DBOS message topic on which calls wait for breaker `name`.
 *
 * @example
 * ```ts
 * await waitOn(ctx, breakerTopic('vendor'), nextProbeAt);
 * ```
 */
export function breakerTopic(name: string): string {
  return `waymark.breaker:${name}`;
}

/** What the admission step of one attempt decided. */
export type Gate =
  | { verdict: 'pass' | 'probe' }
  /** Wait until `until` (clock ms; null: until woken); `now` is the step's clock time. */
  | { verdict: 'wait'; until: number | null; now: number };

/**
 * The admission step before an attempt of a tool with a breaker. A call whose outcome the
 * ledger already holds is never held back (it will not go out). When it goes on after waiting,
 * its wait row goes and the run's audit trail says how long it waited.
 *
 * @example
 * ```ts
 * const gate = await admitStep(ctx, tool, breaker, key, waiting);
 * ```
 */
export function admitStep(ctx: RunContext, tool: Tool, breaker: BreakerPolicy, key: string, waiting: boolean): Promise<Gate> {
  return DBOS.runStep(
    () =>
      ctx.db.tx(ctx.scope, async (q): Promise<Gate> => {
        const now = ctx.clock.now();
        const a = await admitCall(q, { name: breaker.name, key, now, probeMs: tool.timeoutMs + PROBE_GRACE_MS, answered: () => ledgerAnswers(q, key) });
        if (a.verdict === 'wait') return { verdict: 'wait', until: a.until, now };
        if (waiting) {
          const since = await endBreakerWait(q, ctx.runId, key);
          if (since !== undefined) {
            await appendRunEvent(q, {
              runId: ctx.runId, kind: 'tool_breaker_resumed', actor: 'waymark',
              reason: `Breaker '${breaker.name}' let the call of '${tool.name}' go on after ${Math.round((now - since) / 1000)} s`,
              data: { breaker: breaker.name, tool: tool.name, key, waitedMs: now - since, probe: a.verdict === 'probe' },
            });
          }
        }
        return { verdict: a.verdict === 'probe' ? 'probe' : 'pass' };
      }),
    { name: `breaker:${breaker.name}` },
  );
}

/** Whether the ledger already holds this call's outcome (answered without calling the tool). */
async function ledgerAnswers(q: Queryable, key: string): Promise<boolean> {
  const { rows } = await q.query<{ status: string }>(`SELECT status FROM waymark.tool_calls WHERE tenant_id = current_setting('waymark.tenant_id') AND key = $1`, [key]);
  return ['succeeded', 'reconciled', 'in_doubt'].includes(rows[0]?.status ?? '');
}

/**
 * Records (once per call) that the call waits on the open breaker, with a `tool_breaker_wait`
 * event on the run; returns since when it waits (clock ms).
 *
 * @example
 * ```ts
 * const since = await beginWaitStep(ctx, tool, breaker, key, gate.until);
 * ```
 */
export function beginWaitStep(ctx: RunContext, tool: Tool, breaker: BreakerPolicy, key: string, until: number | null): Promise<number> {
  return DBOS.runStep(
    () =>
      ctx.db.tx(ctx.scope, async (q) => {
        const now = ctx.clock.now();
        const { since, inserted } = await beginBreakerWait(q, { runId: ctx.runId, key, breaker: breaker.name, tool: tool.name, now });
        if (inserted) {
          metrics.breakerWaits.inc({ breaker: breaker.name });
          await appendRunEvent(q, {
            runId: ctx.runId, kind: 'tool_breaker_wait', actor: 'waymark',
            reason: `Breaker '${breaker.name}' is open: the call of '${tool.name}' waits instead of spending attempts`,
            data: { breaker: breaker.name, tool: tool.name, key, nextProbeAt: until === null ? null : new Date(until).toISOString() },
          });
        }
        return since;
      }),
    { name: `breaker-wait:${breaker.name}` },
  );
}

/**
 * Ends a wait that gives up (the call fails with `breaker_open`, or a fallback answers).
 *
 * @example
 * ```ts
 * await endWaitStep(ctx, key);
 * ```
 */
export async function endWaitStep(ctx: RunContext, key: string): Promise<void> {
  await DBOS.runStep(() => ctx.db.tx(ctx.scope, (q) => endBreakerWait(q, ctx.runId, key)), { name: 'breaker-wait-end' });
}

/**
 * Counts an attempt's outcome on the tool's breaker, inside the transaction that records it in
 * the ledger; returns the transition it made, for {@link wakeAfter}.
 *
 * @example
 * ```ts
 * const t = await countOutcome(q, ctx, tool, key, 'transient', error);
 * ```
 */
export async function countOutcome(q: Queryable, ctx: RunContext, tool: Tool, key: string, outcome: BreakerOutcome, error?: unknown): Promise<BreakerTransition | undefined> {
  const b = tool.breaker;
  if (!b) return undefined;
  return recordBreakerOutcome(q, { name: b.name, key, now: ctx.clock.now(), outcome, limits: b, error });
}

/**
 * After an outcome's transaction committed: logs the transition and wakes the calls waiting on
 * the breaker when it closed or opened again (they look at it afresh: go, or wait for the new
 * probe time). A failure here only delays them until their own wake-up time.
 *
 * @example
 * ```ts
 * await wakeAfter(ctx, tool, transition);
 * ```
 */
export async function wakeAfter(ctx: RunContext, tool: Tool, t: BreakerTransition | undefined): Promise<void> {
  if (!t || !tool.breaker) return;
  const name = tool.breaker.name;
  metrics.breakerTransitions.inc({ breaker: name, kind: t.kind });
  ctx.log.warn({ breaker: name, transition: t.kind, state: t.to }, `circuit breaker ${t.kind}`);
  if (t.kind !== 'closed' && t.kind !== 'reopened') return;
  const rt = currentRuntime();
  try {
    await wakeBreakerWaiters({ db: rt.db, dbos: rt.dbos, queueName: rt.queueName }, name, t.eventId);
  } catch (e) {
    ctx.log.warn({ breaker: name, err: (e as Error).message }, 'could not wake the calls waiting on a breaker; they look again at their next probe time');
  }
}

/**
 * Wakes every call waiting on breaker `name` after transition `eventId` (one message per run
 * and transition, in one transaction with the claims of parked runs, which are then resumed).
 *
 * @example
 * ```ts
 * await wakeBreakerWaiters({ db, dbos, queueName }, 'vendor', eventId);
 * ```
 */
export async function wakeBreakerWaiters(
  d: WakeDeps & { dbos: WakeDeps['dbos'] & Pick<DBOSClient, 'sendInTransaction'> },
  name: string,
  eventId: string,
): Promise<number> {
  const { woken, claimed } = await d.db.tx(SYSTEM_SCOPE, async (q) => {
    const waiters = await breakerWaiters(q, name);
    const toResume: string[] = [];
    for (const w of waiters) {
      await d.dbos.sendInTransaction(q, w.run_id, { breaker: name, eventId }, breakerTopic(name), `breaker:${name}:${eventId}:${w.run_id}`);
      if (await requestWake(q, w.run_id)) toResume.push(w.run_id);
    }
    return { woken: waiters.length, claimed: toResume };
  });
  await resumeClaimed(d, SYSTEM_SCOPE, claimed);
  return woken;
}
