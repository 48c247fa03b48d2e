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
import { claimTimeout, deadLetterTimeout, releaseTimeout, timedOutRuns, type TimedOutRun } from '../store/timeouts.js';

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
    if (!(await claimAndRecord(pool, run))) continue;
    if (run.on_timeout !== 'fail') continue;
    try {
      await dbos.cancelWorkflow(run.id, { cancelChildren: true });
      await deadLetterTimeout(pool, run.id);
    } catch (e) {
      // Let the next pass (here or on another worker) act on it again.
      await releaseTimeout(pool, run.id);
      throw e;
    }
  }
}

/** Claims the run, records the expiry and moves its phase, in one transaction. */
async function claimAndRecord(pool: pg.Pool, run: TimedOutRun): Promise<boolean> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    if (!(await claimTimeout(tx, run.id))) {
      await tx.query('ROLLBACK');
      return false;
    }
    const reason = run.kind === 'deadline' ? `deadline of ${run.deadline_ms} ms exceeded` : `no step completed for ${run.idle_timeout_ms} ms`;
    await appendRunEvent(tx, { runId: run.id, kind: run.kind === 'deadline' ? 'deadline_exceeded' : 'idle_timeout', actor: 'system', reason, data: { outcome: run.on_timeout } });
    await tx.query('SAVEPOINT phase');
    try {
      await changePhase(tx, run.id, run.on_timeout === 'fail' ? 'failed' : 'escalated', 'system', reason, { timeout: run.kind });
    } catch (e) {
      // A phase that cannot move there (already failed, or queued for an escalation) keeps its phase.
      if ((e as { code?: unknown }).code !== 'WM001') throw e;
      await tx.query('ROLLBACK TO SAVEPOINT phase');
    }
    await tx.query('COMMIT');
    return true;
  } catch (e) {
    await tx.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    tx.release();
  }
}
