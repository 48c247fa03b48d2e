/**
 * @module store/parked-runs
 * SQL for parked runs (migration 018): a waiting run whose execution ended, kept in
 * `waymark.parked_runs` until a message or its next timer resumes it. The park and every
 * sender serialise on a transaction-scoped advisory lock per run, so a message that commits
 * while a run parks is never missed.
 */
import type { Queryable } from './gateway.js';

/** What the park step decided. */
export type ParkVerdict = 'parked' | 'message_waiting' | 'cancelled';

/** A parked run as the waits and the sweep see it. */
export interface ParkedRow {
  state: 'parking' | 'parked' | 'resuming' | 'cancelled';
  park_step: number;
  wake_requested: boolean;
}

/** Takes the run's park lock for the rest of the transaction. */
async function lockRun(db: Queryable, runId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('waymark.park:' || $1, 0))`, [runId]);
}

/**
 * Parks the run (state `parking`) unless a message already waits on its topic or it was
 * cancelled for good. Called by the park step, in the run's tenant.
 *
 * @example
 * ```ts
 * const verdict = await beginPark(q, { runId, tenantId, topic, step, wakeAt, executorId });
 * ```
 */
export async function beginPark(
  db: Queryable,
  p: { runId: string; tenantId: string; topic: string; step: number; wakeAt: Date | null; executorId: string | null },
): Promise<ParkVerdict> {
  await lockRun(db, p.runId);
  const { rows } = await db.query<{ state: string; wake_requested: boolean }>('SELECT state, wake_requested FROM waymark.parked_runs WHERE run_id = $1', [p.runId]);
  if (rows[0]?.state === 'cancelled') return 'cancelled';
  const waiting = await db.query(
    'SELECT 1 FROM dbos.notifications WHERE destination_uuid = $1 AND topic = $2 AND NOT consumed LIMIT 1',
    [p.runId, p.topic],
  );
  // A message that arrived while an earlier attempt of this park was under way is waiting too.
  if (waiting.rowCount || rows[0]?.wake_requested) {
    await db.query('DELETE FROM waymark.parked_runs WHERE run_id = $1', [p.runId]);
    return 'message_waiting';
  }
  await db.query(
    `INSERT INTO waymark.parked_runs (run_id, tenant_id, state, topic, park_step, wake_at, wake_requested, executor_id)
     VALUES ($1, $2, 'parking', $3, $4, $5, false, $6)
     ON CONFLICT (run_id) DO UPDATE SET state = 'parking', topic = $3, park_step = $4, wake_at = $5, wake_requested = false,
       executor_id = $6, parked_at = clock_timestamp(), updated_at = clock_timestamp()`,
    [p.runId, p.tenantId, p.topic, p.step, p.wakeAt, p.executorId],
  );
  return 'parked';
}

/**
 * The run's park row, if any.
 *
 * @example
 * ```ts
 * const row = await getParked(q, runId);
 * ```
 */
export async function getParked(db: Queryable, runId: string): Promise<ParkedRow | undefined> {
  const { rows } = await db.query<ParkedRow>('SELECT state, park_step, wake_requested FROM waymark.parked_runs WHERE run_id = $1', [runId]);
  return rows[0];
}

/**
 * Before the execution of a parking run stops itself: `stop` unless a message came meanwhile
 * (then the row goes and the run reads it) or the park is no longer this step's.
 *
 * @example
 * ```ts
 * if ((await confirmPark(q, runId, step)) === 'stop') await dbos.cancelWorkflow(runId);
 * ```
 */
export async function confirmPark(db: Queryable, runId: string, step: number): Promise<'stop' | 'continue' | 'cancelled'> {
  await lockRun(db, runId);
  const row = await getParked(db, runId);
  if (row?.state === 'cancelled') return 'cancelled';
  if (!row || row.state !== 'parking' || row.park_step !== step) return 'continue';
  if (!row.wake_requested) return 'stop';
  await db.query('DELETE FROM waymark.parked_runs WHERE run_id = $1', [runId]);
  return 'continue';
}

/**
 * After the execution stopped itself: `parked`, or `resume` when a message came while it
 * stopped (the row is then claimed, `resuming`, for the caller to resume once it has ended).
 *
 * @example
 * ```ts
 * const next = await finishPark(q, runId, step);
 * ```
 */
export async function finishPark(db: Queryable, runId: string, step: number): Promise<'parked' | 'resume' | 'gone'> {
  await lockRun(db, runId);
  const { rows } = await db.query<{ wake_requested: boolean }>(
    `UPDATE waymark.parked_runs SET state = CASE WHEN wake_requested THEN 'resuming' ELSE 'parked' END, updated_at = clock_timestamp()
     WHERE run_id = $1 AND state = 'parking' AND park_step = $2 RETURNING wake_requested`,
    [runId, step],
  );
  if (!rows[0]) return 'gone';
  return rows[0].wake_requested ? 'resume' : 'parked';
}

/**
 * Called by a sender in the transaction of its message: a parked run is claimed for resuming
 * (true: resume it after the commit); a run still parking is told a message came.
 *
 * @example
 * ```ts
 * await dbos.sendInTransaction(q, runId, message, topic, key);
 * if (await requestWake(q, runId)) toResume.push(runId);
 * ```
 */
export async function requestWake(db: Queryable, runId: string): Promise<boolean> {
  await lockRun(db, runId);
  const { rows } = await db.query<{ claimed: boolean }>(
    `WITH old AS (SELECT run_id, state FROM waymark.parked_runs WHERE run_id = $1 AND state IN ('parking', 'parked') FOR UPDATE)
     UPDATE waymark.parked_runs p
     SET state = CASE WHEN old.state = 'parked' THEN 'resuming' ELSE p.state END, wake_requested = true, updated_at = clock_timestamp()
     FROM old WHERE p.run_id = old.run_id
     RETURNING old.state = 'parked' AS claimed`,
    [runId],
  );
  return rows[0]?.claimed ?? false;
}

/**
 * Claims, for resuming, parked runs whose timer is due at clock time `now`, claims left by a
 * waker that died, and parks left half-way by a process that died after stopping the run (a
 * claim or park older than `staleMs`).
 * One indexed query for all of them; each row is claimed by one sweeper (SKIP LOCKED).
 *
 * @example
 * ```ts
 * for (const runId of await claimDueParked(q, new Date(clock.now()), 30_000)) await resume(runId);
 * ```
 */
export async function claimDueParked(db: Queryable, now: Date, staleMs: number, limit = 100): Promise<string[]> {
  const { rows } = await db.query<{ run_id: string }>(
    `WITH due AS (
       (SELECT run_id FROM waymark.parked_runs WHERE state = 'parked' AND wake_at <= $1 ORDER BY wake_at LIMIT $2)
       UNION ALL
       (SELECT p.run_id FROM waymark.parked_runs p JOIN dbos.workflow_status s ON s.workflow_uuid = p.run_id AND s.status = 'CANCELLED'
        WHERE p.state IN ('parking', 'resuming') AND p.updated_at < clock_timestamp() - $3 * interval '1 millisecond'
          AND (p.state = 'resuming' OR p.wake_requested OR p.wake_at <= $1)
        LIMIT $2)),
     locked AS (
       SELECT p.run_id FROM waymark.parked_runs p JOIN due ON due.run_id = p.run_id
       WHERE p.state IN ('parking', 'parked', 'resuming') FOR UPDATE OF p SKIP LOCKED)
     UPDATE waymark.parked_runs p SET state = 'resuming', updated_at = clock_timestamp()
     FROM locked WHERE p.run_id = locked.run_id
     RETURNING p.run_id`,
    [now, limit, staleMs],
  );
  return rows.map((r) => r.run_id);
}

/**
 * Whether the run was cancelled for good while parked (a resume that raced the cancel must be
 * undone).
 *
 * @example
 * ```ts
 * if (await parkCancelled(q, runId)) await dbos.cancelWorkflow(runId);
 * ```
 */
export async function parkCancelled(db: Queryable, runId: string): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM waymark.parked_runs WHERE run_id = $1 AND state = 'cancelled'`, [runId]);
  return (rowCount ?? 0) > 0;
}

/**
 * Marks a run cancelled for good before DBOS cancels it (a tombstone: a park under way then
 * stops instead of parking). A parked run is cancelled here: its approvals and event waits
 * cancelled (reopened by a resume, as for any cancelled run), its phase moved to `phase` (null:
 * kept). Returns the state it was parked in, or null when it was not parked.
 *
 * @example
 * ```ts
 * const was = await cancelParked(q, runId, scope.actor, 'cancelled');
 * ```
 */
export async function cancelParked(db: Queryable, runId: string, actor: string, phase: string | null): Promise<string | null> {
  await lockRun(db, runId);
  const { rows } = await db.query<{ was: string | null }>('SELECT waymark.cancel_parked_run($1, $2, $3) AS was', [runId, actor, phase]);
  return rows[0]?.was ?? null;
}

/**
 * Removes a cancelled run's tombstone before it is resumed, so that it can park again.
 *
 * @example
 * ```ts
 * await clearParkTombstone(q, runId);
 * ```
 */
export async function clearParkTombstone(db: Queryable, runId: string): Promise<void> {
  await lockRun(db, runId);
  await db.query(`DELETE FROM waymark.parked_runs WHERE run_id = $1 AND state = 'cancelled'`, [runId]);
}
