/**
 * @module app/housekeeping
 * What every worker does on each lease tick besides renewing its lease: act on runs past their
 * deadline or idle timeout, and start the compensation of stopped runs that have calls to undo.
 */
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { SYSTEM_SCOPE } from '../scope.js';
import { startCompensation } from '../service/compensation.js';
import { handleTimeouts } from '../service/timeouts.js';
import { runsAwaitingCompensation } from '../store/compensation.js';
import type { Database } from '../store/gateway.js';

/** What housekeeping works with. */
export interface HousekeepingDeps {
  db: Database;
  dbos: DBOSClient;
  queueName: string;
  appVersion: string;
}

/**
 * One housekeeping pass (every worker runs it; each action is claimed once).
 *
 * @example
 * ```ts
 * await runHousekeeping({ db, dbos, queueName: RUN_QUEUE, appVersion: '1.0.0' });
 * ```
 */
export async function runHousekeeping(d: HousekeepingDeps): Promise<void> {
  await handleTimeouts(d.db, d.dbos);
  // Runs that failed for good or were cancelled with calls to undo get their compensation.
  for (const runId of await d.db.read(SYSTEM_SCOPE, (q) => runsAwaitingCompensation(q))) {
    await startCompensation(d, SYSTEM_SCOPE, runId, 'the run stopped');
  }
}
