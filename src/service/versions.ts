/**
 * @module service/versions
 * Application versions in flight: how many runs each version still holds and which workers
 * run it, so an operator can tell when an old version has drained.
 */
import type pg from 'pg';

/** One application version. */
export interface VersionView {
  appVersion: string;
  /** Runs queued or executing under this version (only its workers take them). */
  inFlight: number;
  queued: number;
  executing: number;
  liveWorkers: string[];
}

/**
 * Lists versions with runs in flight or live workers, newest run first.
 *
 * @example
 * ```ts
 * for (const v of await waymark.versions.list()) console.log(v.appVersion, v.inFlight, v.liveWorkers);
 * ```
 */
export class VersionService {
  readonly #pool: pg.Pool;
  readonly #appName: string;

  constructor(pool: pg.Pool, appName: string) {
    this.#pool = pool;
    this.#appName = appName;
  }

  async list(): Promise<VersionView[]> {
    const { rows } = await this.#pool.query<{ app_version: string; queued: string; executing: string; workers: string[] | null }>(
      `WITH runs AS (
         SELECT s.application_version AS app_version,
                count(*) FILTER (WHERE s.status IN ('ENQUEUED', 'DELAYED')) AS queued,
                count(*) FILTER (WHERE s.status = 'PENDING') AS executing,
                max(s.created_at) AS newest
         FROM waymark.runs r JOIN dbos.workflow_status s ON s.workflow_uuid = r.id
         WHERE s.status IN ('ENQUEUED', 'DELAYED', 'PENDING') AND s.application_name = $1
         GROUP BY 1),
       workers AS (
         SELECT app_version, array_agg(executor_id ORDER BY executor_id) AS workers
         FROM waymark.workers WHERE status = 'live' AND app_name = $1 GROUP BY 1)
       SELECT coalesce(r.app_version, w.app_version) AS app_version, coalesce(r.queued, 0) AS queued,
              coalesce(r.executing, 0) AS executing, w.workers
       FROM runs r FULL JOIN workers w ON w.app_version = r.app_version
       ORDER BY r.newest DESC NULLS LAST, 1`,
      [this.#appName],
    );
    return rows.map((r) => ({
      appVersion: r.app_version, queued: Number(r.queued), executing: Number(r.executing),
      inFlight: Number(r.queued) + Number(r.executing), liveWorkers: r.workers ?? [],
    }));
  }
}
