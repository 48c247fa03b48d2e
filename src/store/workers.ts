/**
 * @module store/workers
 * SQL for worker leases and the adoption of a dead worker's runs.
 */
import type { Queryable } from './gateway.js';

/** The advisory lock key guarding an executor id. */
const EXECUTOR_LOCK_SQL = (param: string): string => `hashtextextended('waymark.executor:' || ${param}, 0)`;

/**
 * Takes the session-level advisory lock of an executor id on `session` (a dedicated
 * connection); false when another live session holds it.
 *
 * @example
 * ```ts
 * if (await tryLockExecutorId(client, 'host-0')) useId('host-0');
 * ```
 */
export async function tryLockExecutorId(session: Queryable, id: string): Promise<boolean> {
  const { rows } = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${EXECUTOR_LOCK_SQL('$1')}) AS ok`, [id]);
  return rows[0]?.ok === true;
}

/** A worker as stored, with the runs it holds. */
export interface WorkerRow {
  executor_id: string;
  app_name: string;
  app_version: string;
  host: string;
  pid: number;
  status: string;
  started_at: Date;
  heartbeat_at: Date;
  lease_expires_at: Date;
  adopted_by: string | null;
  adopted_at: Date | null;
  adopted_runs: number | null;
  pending_runs: string;
}

/**
 * Registers (or re-registers, after a restart under the same id) a live worker with a lease.
 *
 * @example
 * ```ts
 * await registerWorker(pool, { executorId, appName, appVersion, host, pid, ttlMs: 30_000 });
 * ```
 */
export async function registerWorker(
  db: Queryable,
  w: { executorId: string; appName: string; appVersion: string; host: string; pid: number; ttlMs: number },
): Promise<void> {
  await db.query(
    `INSERT INTO waymark.workers (executor_id, app_name, app_version, host, pid, status, lease_expires_at)
     VALUES ($1, $2, $3, $4, $5, 'live', clock_timestamp() + make_interval(secs => $6::float8 / 1000))
     ON CONFLICT (executor_id) DO UPDATE SET
       app_name = EXCLUDED.app_name, app_version = EXCLUDED.app_version, host = EXCLUDED.host, pid = EXCLUDED.pid,
       status = 'live', started_at = clock_timestamp(), heartbeat_at = clock_timestamp(),
       lease_expires_at = EXCLUDED.lease_expires_at, adopted_by = NULL, adopted_at = NULL, adopted_runs = NULL`,
    [w.executorId, w.appName, w.appVersion, w.host, w.pid, w.ttlMs],
  );
}

/**
 * Renews a worker's lease; false if the row is no longer live (it was adopted).
 *
 * @example
 * ```ts
 * await renewLease(pool, executorId, 30_000);
 * ```
 */
export async function renewLease(db: Queryable, executorId: string, ttlMs: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE waymark.workers SET heartbeat_at = clock_timestamp(), lease_expires_at = clock_timestamp() + make_interval(secs => $2::float8 / 1000)
     WHERE executor_id = $1 AND status = 'live'`,
    [executorId, ttlMs],
  );
  return rowCount === 1;
}

/**
 * Marks a worker stopped with an expired lease (graceful shutdown): its runs can be adopted at once.
 *
 * @example
 * ```ts
 * await releaseLease(pool, executorId);
 * ```
 */
export async function releaseLease(db: Queryable, executorId: string): Promise<void> {
  await db.query(`UPDATE waymark.workers SET status = 'stopped', lease_expires_at = clock_timestamp() WHERE executor_id = $1 AND status = 'live'`, [executorId]);
}

/**
 * Workers of this application version whose lease has run out (candidates for adoption).
 *
 * @example
 * ```ts
 * const ids = await expiredWorkers(pool, 'waymark', '1.2.0', myId);
 * ```
 */
export async function expiredWorkers(db: Queryable, appName: string, appVersion: string, self: string): Promise<string[]> {
  const { rows } = await db.query<{ executor_id: string }>(
    `SELECT executor_id FROM waymark.workers
     WHERE app_name = $1 AND app_version = $2 AND status <> 'dead' AND lease_expires_at < clock_timestamp() AND executor_id <> $3`,
    [appName, appVersion, self],
  );
  return rows.map((r) => r.executor_id);
}

/**
 * Adopts a dead worker in one transaction: only if its lease expired and its executor lock is
 * free; marks it dead and re-enqueues its PENDING workflows of this version (as DBOS's
 * launch-time recovery does). Returns how many runs were handed back and how long the worker had
 * been silent (since its last heartbeat), or null when the worker is not adoptable (alive,
 * already adopted, or restarted).
 *
 * @example
 * ```ts
 * const adopted = await adoptWorker(txClient, deadId, myId, 'waymark', '1.2.0'); // { runs: 3, silentSeconds: 31.2 }
 * ```
 */
export async function adoptWorker(db: Queryable, dead: string, adopter: string, appName: string, appVersion: string): Promise<{ runs: number; silentSeconds: number } | null> {
  const lock = await db.query<{ free: boolean }>(`SELECT pg_try_advisory_xact_lock(${EXECUTOR_LOCK_SQL('$1')}) AS free`, [dead]);
  if (!lock.rows[0]?.free) return null; // its session still holds the id: alive, however slow
  const claimed = await db.query<{ silent: number }>(
    `UPDATE waymark.workers SET status = 'dead', adopted_by = $2, adopted_at = clock_timestamp()
     WHERE executor_id = $1 AND status <> 'dead' AND lease_expires_at < clock_timestamp() AND app_name = $3 AND app_version = $4
     RETURNING extract(epoch FROM clock_timestamp() - heartbeat_at)::float8 AS silent`,
    [dead, adopter, appName, appVersion],
  );
  const silentSeconds = claimed.rows[0]?.silent;
  if (claimed.rowCount !== 1 || silentSeconds === undefined) return null;
  const runs = await db.query(
    `UPDATE dbos.workflow_status SET status = 'ENQUEUED', queue_name = coalesce(queue_name, '_dbos_internal_queue'), owner_xid = NULL,
            updated_at = (extract(epoch FROM now()) * 1000)::bigint
     WHERE status = 'PENDING' AND executor_id = $1 AND application_version = $2 AND application_name = $3`,
    [dead, appVersion, appName],
  );
  await db.query('UPDATE waymark.workers SET adopted_runs = $2 WHERE executor_id = $1', [dead, runs.rowCount ?? 0]);
  return { runs: runs.rowCount ?? 0, silentSeconds };
}

/**
 * All workers with the number of runs each holds (DBOS PENDING workflows under its id).
 *
 * @example
 * ```ts
 * const workers = await listWorkers(pool);
 * ```
 */
export async function listWorkers(db: Queryable): Promise<WorkerRow[]> {
  const { rows } = await db.query<WorkerRow>(
    // A live worker that missed two heartbeats (it renews every third of its lease) is
    // `suspect` until it renews again, or another worker adopts its runs once the lease is out.
    `SELECT w.executor_id, w.app_name, w.app_version, w.host, w.pid,
            CASE WHEN w.status = 'live' AND clock_timestamp() > w.heartbeat_at + (w.lease_expires_at - w.heartbeat_at) * 2 / 3
                 THEN 'suspect' ELSE w.status END AS status,
            w.started_at, w.heartbeat_at, w.lease_expires_at, w.adopted_by, w.adopted_at, w.adopted_runs,
            (SELECT count(*) FROM dbos.workflow_status s WHERE s.executor_id = w.executor_id AND s.status = 'PENDING') AS pending_runs
     FROM waymark.workers w ORDER BY w.status, w.executor_id`,
  );
  return rows;
}
