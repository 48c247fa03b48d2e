/**
 * @module service/timeouts
 * Housekeeping for run deadlines and idle timeouts, once per run (whichever worker claims it):
 * `fail` moves the run to `failed` with the reason, cancels it and dead-letters it — its
 * compensations then run, and its child runs from `startChildren` are cancelled by the
 * housekeeping cascade (`RunService.cancelOrphanedChildren`); `escalate` moves it to `escalated` and lets it
 * go on. Both are recorded in the audit trail. Runs from every tenant are handled.
 */
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { SYSTEM_SCOPE } from '../scope.js';
import type { Database } from '../store/gateway.js';
import { cancelParked } from '../store/parked-runs.js';
import { appendRunEvent, changePhaseIfAllowed } from '../store/runs.js';
import { claimTimeout, deadLetterTimeout, releaseTimeout, timedOutRuns, type TimedOutRun } from '../store/timeouts.js';

/**
 * One pass over the timed-out runs.
 *
 * @example
 * ```ts
 * await handleTimeouts(db, dbosClient);
 * ```
 */
export async function handleTimeouts(db: Database, dbos: DBOSClient): Promise<void> {
  for (const run of await db.read(SYSTEM_SCOPE, (q) => timedOutRuns(q))) {
    if (!(await claimAndRecord(db, run))) continue;
    if (run.on_timeout !== 'fail') continue;
    try {
      // A parked run is stopped for good here (its phase already says failed).
      await db.tx(SYSTEM_SCOPE, (q) => cancelParked(q, run.id, 'system', null));
      await dbos.cancelWorkflow(run.id, { cancelChildren: true });
      await db.tx(SYSTEM_SCOPE, (q) => deadLetterTimeout(q, run.id));
    } catch (e) {
      // Let the next pass (here or on another worker) act on it again.
      await db.tx(SYSTEM_SCOPE, (q) => releaseTimeout(q, run.id));
      throw e;
    }
  }
}

/** Claims the run, records the expiry and moves its phase, in one transaction. */
function claimAndRecord(db: Database, run: TimedOutRun): Promise<boolean> {
  return db.tx(SYSTEM_SCOPE, async (q) => {
    if (!(await claimTimeout(q, run.id))) return false;
    const reason = run.kind === 'deadline' ? `deadline of ${run.deadline_ms} ms exceeded` : `no step completed for ${run.idle_timeout_ms} ms`;
    await appendRunEvent(q, { runId: run.id, kind: run.kind === 'deadline' ? 'deadline_exceeded' : 'idle_timeout', actor: 'system', reason, data: { outcome: run.on_timeout } });
    // A phase that cannot move there (already failed, or queued for an escalation) keeps its phase.
    await changePhaseIfAllowed(q, run.id, run.on_timeout === 'fail' ? 'failed' : 'escalated', 'system', reason, { timeout: run.kind });
    return true;
  });
}
