/**
 * @module agent/observed-run
 * What every declared workflow's execution reports: the run's id, tenant and workflow on its
 * trace (DBOS's workflow span and every span under it), a log line when it starts executing
 * and when it ends (or parks), and the executions counter. Recoveries execute the function again, so a
 * recovered run logs and counts each execution.
 */
import { ensureError } from '../errors.js';
import { metrics } from '../telemetry/metrics.js';
import { ATTR, withRunAttributes } from '../telemetry/tracing.js';
import { currentRuntime } from '../runtime/process-runtime.js';
import { RunParkedSignal } from './park.js';
import { findRunContext } from './run-context.js';

/**
 * Wraps a workflow function so that its executions are traced, logged and counted.
 *
 * @example
 * ```ts
 * const registered = DBOS.registerWorkflow(observedRun('invoice-intake', fn), { name: 'invoice-intake' });
 * ```
 */
export function observedRun<A, R>(workflow: string, fn: (this: unknown, input: A) => Promise<R>): (this: unknown, input: A) => Promise<R> {
  return async function (this: unknown, input: A): Promise<R> {
    const ctx = await findRunContext(`workflow '${workflow}'`);
    // Started with plain DBOS (no Waymark run): nothing of Waymark's to report.
    if (!ctx) return fn.call(this, input);
    const log = ctx.log.child({ workflow });
    // One of the worker's run slots for the whole execution: a direct start brings its own, a
    // queue dispatch waits for one while direct starts fill them (runtime/run-slots.ts).
    const release = await currentRuntime().slots?.enter(ctx.runId);
    return withRunAttributes({ [ATTR.runId]: ctx.runId, [ATTR.tenantId]: ctx.scope.tenantId, [ATTR.workflow]: workflow }, async () => {
      log.info({ phase: 'running' }, 'run executing');
      try {
        const out = await fn.call(this, input);
        metrics.runExecutions.inc({ workflow, outcome: 'succeeded' });
        log.info({ phase: 'completed' }, 'run completed');
        return out;
      } catch (e) {
        if (e instanceof RunParkedSignal) {
          // Not an end: the run waits in the database and a later execution carries on.
          metrics.runExecutions.inc({ workflow, outcome: 'parked' });
          log.info({ phase: 'waiting' }, 'run execution parked');
          throw e;
        }
        const err = ensureError(e) as Error & { code?: unknown };
        const cancelled = /cancel/i.test(err.name);
        metrics.runExecutions.inc({ workflow, outcome: cancelled ? 'cancelled' : 'failed' });
        log.info({ phase: cancelled ? 'cancelled' : 'failed', err: { name: err.name, code: typeof err.code === 'string' ? err.code : undefined } }, cancelled ? 'run execution cancelled' : 'run failed');
        throw e;
      } finally {
        release?.();
      }
    });
  };
}
