/**
 * @module service/workers
 * Workers, their leases and the runs they hold, for operators (workers serve every tenant).
 */
import { SYSTEM_SCOPE, type Scope } from '../scope.js';
import type { Database } from '../store/gateway.js';
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
 * for (const w of await workers.list(scope)) console.log(w.executorId, w.status, w.pendingRuns);
 * ```
 */
export class WorkerService {
  readonly #db: Database;

  constructor(deps: { db: Database }) {
    this.#db = deps.db;
  }

  async list(_scope: Scope): Promise<WorkerView[]> {
    return (await this.#db.read(SYSTEM_SCOPE, (q) => listWorkers(q))).map((w) => ({
      executorId: w.executor_id, appName: w.app_name, appVersion: w.app_version, host: w.host, pid: w.pid, status: w.status,
      startedAt: w.started_at.toISOString(), heartbeatAt: w.heartbeat_at.toISOString(), leaseExpiresAt: w.lease_expires_at.toISOString(),
      pendingRuns: Number(w.pending_runs), adoptedBy: w.adopted_by, adoptedAt: w.adopted_at?.toISOString() ?? null, adoptedRuns: w.adopted_runs,
    }));
  }
}
