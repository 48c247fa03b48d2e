/**
 * @module store/run-dispatch
 * SQL for instant dispatch (migration 026): the row a worker writes in a run's start
 * transaction when it will start the run's workflow itself right after the commit. The DBOS
 * status row's insert removes it (trigger); rows left by a process that died in between are
 * claimed by the sweep, which enqueues their runs.
 */
import type { Queryable } from './gateway.js';

/**
 * Records, in the start transaction, that `executorId` starts run `runId` directly.
 *
 * @example
 * ```ts
 * await insertRunDispatch(q, { runId, tenantId, queueName: 'waymark_runs', executorId });
 * ```
 */
export async function insertRunDispatch(db: Queryable, d: { runId: string; tenantId: string; queueName: string; executorId: string }): Promise<void> {
  await db.query('INSERT INTO waymark.run_dispatch (run_id, tenant_id, queue_name, executor_id) VALUES ($1, $2, $3, $4)', [d.runId, d.tenantId, d.queueName, d.executorId]);
}

/** A direct start that did not happen (its process died after the start committed). */
export interface StaleDispatch {
  run_id: string;
  queue_name: string;
  workflow: string;
  app_version: string;
  input: unknown;
}

/**
 * Claims up to `limit` dispatch rows older than `staleMs` (skipping rows another sweeper holds)
 * with what enqueueing their runs needs: their age starts again, so another sweeper leaves them
 * alone while this one enqueues them, and takes them again if this one dies first. Commit
 * before enqueueing: the enqueue's status insert deletes the row (trigger), which would wait
 * for a lock held here.
 *
 * @example
 * ```ts
 * const stale = await claimStaleDispatches(q, 30_000, 100);
 * ```
 */
export async function claimStaleDispatches(db: Queryable, staleMs: number, limit: number): Promise<StaleDispatch[]> {
  const { rows } = await db.query<StaleDispatch>(
    `WITH due AS (
       SELECT run_id FROM waymark.run_dispatch
       WHERE created_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000)
       ORDER BY created_at LIMIT $2
       FOR UPDATE SKIP LOCKED),
     upd AS (
       UPDATE waymark.run_dispatch d SET created_at = clock_timestamp() FROM due WHERE d.run_id = due.run_id
       RETURNING d.run_id, d.queue_name)
     SELECT upd.run_id, upd.queue_name, r.workflow, r.app_version, r.input
     FROM upd JOIN waymark.runs r ON r.id = upd.run_id`,
    [staleMs, limit],
  );
  return rows;
}

/**
 * Removes a run's dispatch row (its workflow exists now).
 *
 * @example
 * ```ts
 * await deleteRunDispatch(q, runId);
 * ```
 */
export async function deleteRunDispatch(db: Queryable, runId: string): Promise<void> {
  await db.query('DELETE FROM waymark.run_dispatch WHERE run_id = $1', [runId]);
}
