/**
 * @module store/compensation
 * SQL for sagas: which calls of a run to undo, and which stopped runs still need undoing.
 */
import type { Queryable } from './gateway.js';

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
 * not been started (its workflow id is `<run>.compensation`); not poison runs whose dead letter
 * is still open.
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
       AND NOT EXISTS (SELECT 1 FROM waymark.dead_letters d WHERE d.run_id = r.id AND d.status = 'retried')
       -- A poison run stopped executing; it did not fail. Its calls are undone only once the
       -- operator discards its dead letter (a retry continues it instead).
       AND NOT EXISTS (SELECT 1 FROM waymark.dead_letters d WHERE d.run_id = r.id AND d.cause = 'poison_run' AND d.status = 'open')
       AND NOT EXISTS (SELECT 1 FROM waymark.runs f WHERE f.forked_from = r.id)
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

/**
 * Takes the transaction-scoped lock that serialises "compensate this run" with "retry this
 * run from its dead letter", so the two never both happen.
 *
 * @example
 * ```ts
 * await lockRunRecovery(txClient, runId);
 * ```
 */
export async function lockRunRecovery(db: Queryable, runId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('waymark.recovery:' || $1, 0))`, [runId]);
}

/**
 * Whether a run may still be compensated: no retry from its dead letter, no fork, no
 * compensation already started.
 *
 * @example
 * ```ts
 * if (await mayCompensate(txClient, runId)) enqueue();
 * ```
 */
export async function mayCompensate(db: Queryable, runId: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM dbos.workflow_status c WHERE c.workflow_uuid = $1 || '.compensation')
        AND NOT EXISTS (SELECT 1 FROM waymark.dead_letters d WHERE d.run_id = $1 AND d.status = 'retried')
        AND NOT EXISTS (SELECT 1 FROM waymark.runs f WHERE f.forked_from = $1) AS ok`,
    [runId],
  );
  return rows[0]?.ok === true;
}

/**
 * Whether the run's compensation workflow exists (it was rolled back, or is being).
 *
 * @example
 * ```ts
 * if (await compensationStarted(pool, runId)) refuse();
 * ```
 */
export async function compensationStarted(db: Queryable, runId: string): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM dbos.workflow_status WHERE workflow_uuid = $1 || '.compensation'`, [runId]);
  return Boolean(rowCount);
}

/**
 * How many of the run's calls are still executing or waiting for a planned retry.
 *
 * @example
 * ```ts
 * while (await callsInFlight(pool, runId)) await sleep(1000);
 * ```
 */
export async function callsInFlight(db: Queryable, runId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM waymark.tool_calls
     WHERE owner_run_id = $1 AND (status = 'started' OR (status = 'failed' AND next_attempt_at IS NOT NULL))`,
    [runId],
  );
  return rows[0]?.n ?? 0;
}
