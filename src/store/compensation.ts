/**
 * @module store/compensation
 * SQL for sagas: which calls of a run to undo, and which stopped runs still need undoing.
 */
import type { Queryable } from './runs.js';

/** A call to undo. */
export interface CompensableCall {
  key: string;
  tool: string;
  args: unknown;
  result: unknown;
}

/**
 * The run's successful calls of tools that declare a compensation, latest first.
 *
 * @example
 * ```ts
 * for (const c of await compensableCalls(pool, runId)) console.log(c.tool, c.key);
 * ```
 */
export async function compensableCalls(db: Queryable, runId: string): Promise<CompensableCall[]> {
  const { rows } = await db.query<CompensableCall>(
    `SELECT key, tool, args, result FROM waymark.tool_calls
     WHERE owner_run_id = $1 AND compensable AND status IN ('succeeded', 'reconciled')
     ORDER BY finished_at DESC, created_at DESC`,
    [runId],
  );
  return rows;
}

/**
 * Runs that failed for good or were cancelled, have calls to undo, and whose compensation has
 * not been started (its workflow id is `<run>.compensation`).
 *
 * @example
 * ```ts
 * const ids = await runsAwaitingCompensation(pool, 'waymark', '1.0.0');
 * ```
 */
export async function runsAwaitingCompensation(db: Queryable, limit = 100): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT r.id FROM waymark.runs r
     JOIN dbos.workflow_status s ON s.workflow_uuid = r.id
     WHERE r.phase IN ('failed', 'cancelled')
       AND s.status IN ('ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED')
       AND EXISTS (SELECT 1 FROM waymark.tool_calls t WHERE t.owner_run_id = r.id AND t.compensable AND t.status IN ('succeeded', 'reconciled'))
       AND NOT EXISTS (SELECT 1 FROM dbos.workflow_status c WHERE c.workflow_uuid = r.id || '.compensation')
     LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.id);
}

/**
 * Records that compensation could not finish: the run gets (or keeps) an open dead letter.
 *
 * @example
 * ```ts
 * await deadLetterCompensation(pool, runId);
 * ```
 */
export async function deadLetterCompensation(db: Queryable, runId: string): Promise<void> {
  await db.query(
    `INSERT INTO waymark.dead_letters (run_id, tenant_id, workflow, cause, status)
     SELECT id, tenant_id, workflow, 'compensation_failed', 'open' FROM waymark.runs WHERE id = $1
     ON CONFLICT (run_id) DO UPDATE SET cause = 'compensation_failed', status = 'open', created_at = clock_timestamp(),
       resolved_by = NULL, resolved_at = NULL, resolution = NULL, retry_run_id = NULL`,
    [runId],
  );
}
