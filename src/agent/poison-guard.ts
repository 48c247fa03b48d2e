/**
 * @module agent/poison-guard
 * Stops a poison run: one that crashes its worker again and again without getting anywhere.
 * Every execution of a run records its start and end (`waymark.run_executions`); an execution
 * that finds the previous one died with its process counts a crash, and at the workflow's
 * `maxCrashesWithoutProgress` crashes in a row without a new checkpoint in between, the run
 * fails with `poison_run` (a dead letter with that cause, an alert, a `poison_run` event naming
 * the step it died in) instead of taking down another worker. Graceful stops, and deaths while
 * the run waited durably, are not crashes (see `store/crash-rules.ts`).
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { WaymarkError, ensureError } from '../errors.js';
import { currentRuntime } from '../runtime/process-runtime.js';
import { beginExecution, markExecution } from '../store/run-executions.js';
import { findRunContext, type RunContext } from './run-context.js';
import { compensatedRunId } from './tool-keys.js';

/**
 * Crashes in a row without progress after which a run is dead-lettered as a poison run, when
 * its workflow sets no `maxCrashesWithoutProgress`.
 *
 * @example
 * ```ts
 * @Waymark.workflow({ name: 'ocr', description: 'Native OCR', input: Doc, maxCrashesWithoutProgress: 2 * DEFAULT_MAX_CRASHES })
 * ```
 */
export const DEFAULT_MAX_CRASHES = 5;

/** How long a durable wait lasts before it is marked as waiting (a replayed wait returns sooner and writes nothing). */
const WAITING_MARK_DELAY_MS = 250;

/**
 * Wraps a workflow function so that each of its executions is counted, and a poison run fails
 * before it runs its steps again.
 *
 * @example
 * ```ts
 * DBOS.registerWorkflow(withPoisonGuard('ocr', 5, fn), { name: 'ocr' });
 * ```
 */
export function withPoisonGuard<A, R>(workflow: string, maxCrashes: number, fn: (this: unknown, input: A) => Promise<R>): (this: unknown, input: A) => Promise<R> {
  return async function (this: unknown, input: A): Promise<R> {
    const ctx = await findRunContext(`workflow '${workflow}'`);
    if (!ctx || compensatedRunId(ctx.runId) !== undefined) return fn.call(this, input);
    const { processToken } = currentRuntime();
    let counted = false;
    try {
      const v = await ctx.db.tx(ctx.scope, (q) =>
        beginExecution(q, { runId: ctx.runId, tenantId: ctx.scope.tenantId, processToken, executorId: DBOS.executorID ?? null, pid: process.pid, maxCrashes }),
      );
      counted = true;
      if (v.crashed) ctx.log.warn({ workflow, crashesWithoutProgress: v.crashesWithoutProgress, maxCrashes, site: v.site }, 'run recovered after its worker crashed');
      if (v.poisoned) {
        throw new WaymarkError('poison_run', `Run ${ctx.runId} crashed its worker ${v.crashesWithoutProgress} times in a row without progress, in ${v.site}; it is not executed again (a dead letter: fix the cause, then retry it)`, {
          details: { crashesWithoutProgress: v.crashesWithoutProgress, maxCrashesWithoutProgress: maxCrashes, step: v.crashSite },
        });
      }
    } catch (e) {
      if (e instanceof WaymarkError && e.code === 'poison_run') throw e;
      // Counting must never be what fails a run: without its row the run just is not watched.
      ctx.log.warn({ workflow, err: ensureError(e).message }, 'could not record the start of a run execution; its crashes are not counted this time');
    }
    try {
      return await fn.call(this, input);
    } finally {
      if (counted) await mark(ctx, processToken, 'ended');
    }
  };
}

async function mark(ctx: RunContext, processToken: string, state: 'executing' | 'waiting' | 'ended'): Promise<void> {
  try {
    await ctx.db.tx(ctx.scope, (q) => markExecution(q, ctx.runId, processToken, state));
  } catch (e) {
    ctx.log.warn({ state, err: ensureError(e).message }, 'could not record the state of a run execution');
  }
}

/**
 * Marks the calling run's execution as waiting while a durable wait lasts more than a moment:
 * a worker that dies then did not die of the run. Returns the function that ends the mark
 * (call it when the wait returns).
 *
 * @example
 * ```ts
 * const done = markWaiting(ctx);
 * try { await DBOS.recv(topic, timeout); } finally { await done(); }
 * ```
 */
export function markWaiting(ctx: RunContext): () => Promise<void> {
  if (compensatedRunId(ctx.runId) !== undefined) return () => Promise.resolve();
  const { processToken } = currentRuntime();
  let marked: Promise<void> | undefined;
  const timer = setTimeout(() => (marked = mark(ctx, processToken, 'waiting')), WAITING_MARK_DELAY_MS);
  timer.unref();
  return async () => {
    clearTimeout(timer);
    if (!marked) return;
    await marked;
    await mark(ctx, processToken, 'executing');
  };
}
