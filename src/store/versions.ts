/**
 * @module store/versions
 * SQL for application versions in flight: runs each version still holds, and its live workers.
 */
import type { Queryable } from './gateway.js';

/** One version's runs and workers. */
export interface VersionRow {
  app_version: string;
  queued: string;
  executing: string;
  parked: string;
  workers: string[] | null;
}

/**
 * Versions of `appName` with runs queued, executing or parked, or live workers; newest run first.
 *
 * @example
 * ```ts
 * const rows = await listVersions(tx, 'waymark');
 * ```
 */
export async function listVersions(db: Queryable, appName: string): Promise<VersionRow[]> {
  const { rows } = await db.query<VersionRow>(
    `WITH runs AS (
       SELECT s.application_version AS app_version,
              count(*) FILTER (WHERE s.status IN ('ENQUEUED', 'DELAYED')) AS queued,
              count(*) FILTER (WHERE s.status = 'PENDING') AS executing,
              count(*) FILTER (WHERE s.status = 'CANCELLED') AS parked,
              max(s.created_at) AS newest
       FROM waymark.runs r JOIN dbos.workflow_status s ON s.workflow_uuid = r.id
       WHERE (s.status IN ('ENQUEUED', 'DELAYED', 'PENDING') OR (s.status = 'CANCELLED' AND waymark.is_parked(r.id))) AND s.application_name = $1
       GROUP BY 1),
     workers AS (
       SELECT app_version, array_agg(executor_id ORDER BY executor_id) AS workers
       FROM waymark.workers WHERE status = 'live' AND app_name = $1 GROUP BY 1)
     SELECT coalesce(r.app_version, w.app_version) AS app_version, coalesce(r.queued, 0) AS queued,
            coalesce(r.executing, 0) AS executing, coalesce(r.parked, 0) AS parked, w.workers
     FROM runs r FULL JOIN workers w ON w.app_version = r.app_version
     ORDER BY r.newest DESC NULLS LAST, 1`,
    [appName],
  );
  return rows;
}
