/**
 * @module service/workers
 * Workers, their leases and the runs they hold, for operators.
 */
import type pg from 'pg';
import { listWorkers } from '../store/workers.js';

/** A worker as operators see it. */
export interface WorkerView {
  executorId: string;
  appName: string;
  appVersion: string;
  host: string;
  pid: number;
  status: string;
  startedAt: string;
  heartbeatAt: string;
  leaseExpiresAt: string;
  /** Runs DBOS has executing under this worker's executor id. */
  pendingRuns: number;
  adoptedBy: string | null;
  adoptedAt: string | null;
  adoptedRuns: number | null;
}

/**
 * Lists workers.
 *
 * @example
 * ```ts
 * for (const w of await waymark.workers.list()) console.log(w.executorId, w.status, w.pendingRuns);
 * ```
 */
export class WorkerService {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async list(): Promise<WorkerView[]> {
    return (await listWorkers(this.#pool)).map((w) => ({
      executorId: w.executor_id, appName: w.app_name, appVersion: w.app_version, host: w.host, pid: w.pid, status: w.status,
      startedAt: w.started_at.toISOString(), heartbeatAt: w.heartbeat_at.toISOString(), leaseExpiresAt: w.lease_expires_at.toISOString(),
      pendingRuns: Number(w.pending_runs), adoptedBy: w.adopted_by, adoptedAt: w.adopted_at?.toISOString() ?? null, adoptedRuns: w.adopted_runs,
    }));
  }
}
