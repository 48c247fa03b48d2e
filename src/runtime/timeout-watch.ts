/**
 * @module timeout-watch
 * Acts on runs past their deadline or idle timeout, once each (whichever worker claims it):
 * `fail` moves the run to `failed` with the reason, cancels it (and its child runs) and
 * dead-letters it — its compensations then run; `escalate` moves it to `escalated` and lets it
 * go on. Both are recorded in the audit trail.
 */
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import { appendRunEvent, changePhase } from '../store/runs.js';
import { claimTimeout, deadLetterTimeout, timedOutRuns } from '../store/timeouts.js';

/**
 * One pass over the timed-out runs.
 *
 * @example
 * ```ts
 * await handleTimeouts(pool, dbosClient);
 * ```
 */
export async function handleTimeouts(pool: pg.Pool, dbos: DBOSClient): Promise<void> {
  for (const run of await timedOutRuns(pool)) {
    if (!(await claimTimeout(pool, run.id))) continue;
    const reason = run.kind === 'deadline' ? `deadline of ${run.deadline_ms} ms exceeded` : `no step completed for ${run.idle_timeout_ms} ms`;
    await appendRunEvent(pool, { runId: run.id, kind: run.kind === 'deadline' ? 'deadline_exceeded' : 'idle_timeout', actor: 'system', reason, data: { outcome: run.on_timeout } });
    const to = run.on_timeout === 'fail' ? 'failed' : 'escalated';
    try {
      await changePhase(pool, run.id, to, 'system', reason, { timeout: run.kind });
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'WM001') throw e;
    }
    if (run.on_timeout === 'fail') {
      await dbos.cancelWorkflow(run.id, { cancelChildren: true });
      await deadLetterTimeout(pool, run.id);
    }
  }
}
