/**
 * @module store/timeouts
 * SQL for run deadlines and idle timeouts: finding runs past them and claiming each once.
 */
import type { Queryable } from './gateway.js';

/** A run past one of its time limits. */
export interface TimedOutRun {
  id: string;
  kind: 'deadline' | 'idle';
  on_timeout: 'fail' | 'escalate';
  deadline_ms: number | null;
  idle_timeout_ms: number | null;
}

/**
 * Runs still queued, executing or parked that are past their deadline, or running with no step
 * completed within their idle timeout (runs waiting for a person or an event are not idle).
 *
 * @example
 * ```ts
 * const late = await timedOutRuns(pool);
 * ```
 */
export async function timedOutRuns(db: Queryable, limit = 100): Promise<TimedOutRun[]> {
  const { rows } = await db.query<TimedOutRun>(
    `SELECT r.id, r.on_timeout, r.deadline_ms, r.idle_timeout_ms,
            CASE WHEN r.deadline_ms IS NOT NULL AND r.created_at + r.deadline_ms * interval '1 millisecond' < clock_timestamp()
                 THEN 'deadline' ELSE 'idle' END AS kind
     FROM waymark.runs r
     JOIN dbos.workflow_status s ON s.workflow_uuid = r.id
     WHERE r.timeout_handled_at IS NULL AND (r.deadline_ms IS NOT NULL OR r.idle_timeout_ms IS NOT NULL)
       AND (s.status IN ('ENQUEUED', 'PENDING') OR (s.status = 'CANCELLED' AND waymark.is_parked(r.id)))
       AND ((r.deadline_ms IS NOT NULL AND r.created_at + r.deadline_ms * interval '1 millisecond' < clock_timestamp())
         OR (r.idle_timeout_ms IS NOT NULL AND r.phase = 'running' AND s.status = 'PENDING'
             -- a directly started run has no claim time: its start is its creation
             AND greatest(coalesce(s.started_at_epoch_ms, s.created_at),
                          (SELECT max(o.completed_at_epoch_ms) FROM dbos.operation_outputs o WHERE o.workflow_uuid = r.id))
                 < extract(epoch FROM clock_timestamp()) * 1000 - r.idle_timeout_ms))
     LIMIT $1`,
    [limit],
  );
  return rows;
}

/**
 * Claims a timed-out run for handling; false when another worker already did.
 *
 * @example
 * ```ts
 * if (await claimTimeout(pool, runId)) await cancel(runId);
 * ```
 */
export async function claimTimeout(db: Queryable, runId: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE waymark.runs SET timeout_handled_at = clock_timestamp() WHERE id = $1 AND timeout_handled_at IS NULL', [runId]);
  return rowCount === 1;
}

/**
 * A dead letter for a run stopped by its deadline or idle timeout.
 *
 * @example
 * ```ts
 * await deadLetterTimeout(pool, runId);
 * ```
 */
export async function deadLetterTimeout(db: Queryable, runId: string): Promise<void> {
  await db.query(
    `INSERT INTO waymark.dead_letters (run_id, tenant_id, workflow, cause, status)
     SELECT id, tenant_id, workflow, 'timeout', 'open' FROM waymark.runs WHERE id = $1
     ON CONFLICT (run_id) DO NOTHING`,
    [runId],
  );
}

/**
 * Gives a claimed timeout back, so that a later pass acts on it again.
 *
 * @example
 * ```ts
 * await releaseTimeout(pool, runId);
 * ```
 */
export async function releaseTimeout(db: Queryable, runId: string): Promise<void> {
  await db.query('UPDATE waymark.runs SET timeout_handled_at = NULL WHERE id = $1', [runId]);
}
