/**
 * @module store/metrics
 * What the metrics gauges read from the database on a scrape: counts of current state, each
 * from a small partial index (migration 016), across every tenant.
 */
import type { BreakerState } from './breaker-rules.js';
import { breakerStates } from './breakers.js';
import type { Queryable } from './gateway.js';

/** One scrape's worth of database state. */
export interface StateSnapshot {
  /** Runs not yet finished, by workflow, phase and DBOS status. */
  activeRuns: { workflow: string; phase: string; status: string; count: number }[];
  /** Tool calls in doubt, by tool. */
  inDoubtCalls: { tool: string; count: number }[];
  openDeadLetters: { workflow: string; count: number }[];
  pendingApprovals: number;
  /** Seconds the oldest pending approval has waited (0: none). */
  oldestApprovalSeconds: number;
  /** Alerts not yet delivered on every configured channel. */
  pendingAlerts: number;
  workers: { status: string; count: number }[];
  /** Circuit breakers that have a row: state and calls waiting on them. */
  breakers: { name: string; state: BreakerState; waiting: number }[];
}

/**
 * Reads the gauges' state in one round trip per table (run it in a read-only transaction).
 *
 * @example
 * ```ts
 * const s = await db.read(SYSTEM_SCOPE, (q) => readStateSnapshot(q));
 * ```
 */
export async function readStateSnapshot(q: Queryable): Promise<StateSnapshot> {
  const runs = await q.query<{ workflow: string; phase: string; status: string; count: number }>(
    // A parked run (DBOS says CANCELLED while it waits in the database) is waiting, as clients see it.
    `SELECT r.workflow, r.phase,
            CASE WHEN ws.status = 'CANCELLED' AND waymark.is_parked(r.id) THEN 'PENDING' ELSE coalesce(ws.status, 'UNKNOWN') END AS status,
            count(*)::int AS count
     FROM waymark.runs r LEFT JOIN dbos.workflow_status ws ON ws.workflow_uuid = r.id
     WHERE r.phase NOT IN ('completed', 'failed', 'cancelled', 'rolled_back', 'compensation_failed')
     GROUP BY 1, 2, 3`,
  );
  const doubt = await q.query<{ tool: string; count: number }>(
    `SELECT tool, count(*)::int AS count FROM waymark.tool_calls WHERE status = 'in_doubt' GROUP BY tool`,
  );
  const dead = await q.query<{ workflow: string; count: number }>(
    `SELECT workflow, count(*)::int AS count FROM waymark.dead_letters WHERE status = 'open' GROUP BY workflow`,
  );
  const misc = await q.query<{ approvals: number; oldest: number; alerts: number }>(
    `SELECT (SELECT count(*)::int FROM waymark.approvals WHERE status = 'pending') AS approvals,
            coalesce((SELECT extract(epoch FROM clock_timestamp() - min(created_at))::float8 FROM waymark.approvals WHERE status = 'pending'), 0) AS oldest,
            (SELECT count(*)::int FROM waymark.alerts WHERE delivered_at IS NULL) AS alerts`,
  );
  const workers = await q.query<{ status: string; count: number }>(`SELECT status, count(*)::int AS count FROM waymark.workers GROUP BY status`);
  return {
    activeRuns: runs.rows,
    inDoubtCalls: doubt.rows,
    openDeadLetters: dead.rows,
    pendingApprovals: misc.rows[0]?.approvals ?? 0,
    oldestApprovalSeconds: misc.rows[0]?.oldest ?? 0,
    pendingAlerts: misc.rows[0]?.alerts ?? 0,
    workers: workers.rows,
    breakers: await breakerStates(q),
  };
}
