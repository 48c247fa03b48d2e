/**
 * @module service/versions
 * Application versions in flight: how many runs each version still holds and which workers
 * run it, so an operator can tell when an old version has drained. Versions are shared by all
 * tenants of a deployment.
 */
import { SYSTEM_SCOPE, type Scope } from '../scope.js';
import type { Database } from '../store/gateway.js';
import { listVersions } from '../store/versions.js';

/** One application version. */
export interface VersionView {
  appVersion: string;
  /** Runs queued, executing or parked under this version (only its workers take them). */
  inFlight: number;
  queued: number;
  executing: number;
  /** Waiting runs whose execution ended (a message or their timer resumes them on a worker of this version). */
  parked: number;
  liveWorkers: string[];
}

/**
 * Lists versions with runs in flight or live workers, newest run first.
 *
 * @example
 * ```ts
 * for (const v of await versions.list(scope)) console.log(v.appVersion, v.inFlight, v.liveWorkers);
 * ```
 */
export class VersionService {
  readonly #db: Database;
  readonly #appName: string;

  constructor(deps: { db: Database; appName: string }) {
    this.#db = deps.db;
    this.#appName = deps.appName;
  }

  async list(_scope: Scope): Promise<VersionView[]> {
    const rows = await this.#db.read(SYSTEM_SCOPE, (q) => listVersions(q, this.#appName));
    return rows.map((r) => ({
      appVersion: r.app_version, queued: Number(r.queued), executing: Number(r.executing), parked: Number(r.parked),
      inFlight: Number(r.queued) + Number(r.executing) + Number(r.parked), liveWorkers: r.workers ?? [],
    }));
  }
}
