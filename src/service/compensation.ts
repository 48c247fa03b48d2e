/**
 * @module service/compensation
 * Starting a run's compensation (its saga's undo): once per run, and never together with a
 * retry of the same run from its dead letter.
 */
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { COMPENSATION_WORKFLOW } from '../agent/compensate-run.js';
import { compensationId } from '../agent/tool-keys.js';
import type { TenantScope } from '../scope.js';
import { lockRunRecovery, mayCompensate } from '../store/compensation.js';
import type { Database } from '../store/gateway.js';

/** Where compensation workflows are enqueued. */
export interface CompensationDeps {
  db: Database;
  dbos: DBOSClient;
  queueName: string;
  appVersion: string;
}

/**
 * Enqueues the compensation of a run (idempotent: one compensation workflow per run); false
 * when the run may not be compensated (retried, forked, or already compensating).
 *
 * @example
 * ```ts
 * await startCompensation(deps, scope, runId, 'cancelled by ops');
 * ```
 */
export function startCompensation(d: CompensationDeps, scope: TenantScope, runId: string, why: string): Promise<boolean> {
  return d.db.tx(scope, async (q) => {
    // Serialised with a dead-letter retry of the same run: never both.
    await lockRunRecovery(q, runId);
    const ok = await mayCompensate(q, runId);
    if (ok) {
      await d.dbos.enqueueInTransaction(q, { queueName: d.queueName, workflowName: COMPENSATION_WORKFLOW, workflowID: compensationId(runId), appVersion: d.appVersion }, runId, why);
    }
    return ok;
  });
}
