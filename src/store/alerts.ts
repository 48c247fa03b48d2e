/**
 * @module store/alerts
 * The alerts outbox (migration 016): rows are written by triggers with the facts they report;
 * housekeeping claims the due ones, records each channel's delivery, and plans retries.
 */
import type { Queryable } from './gateway.js';

/** An alert as delivery reads it. */
export interface AlertRow {
  id: string;
  tenant_id: string;
  key: string;
  kind: 'dead_letter' | 'in_doubt' | 'budget_exceeded' | 'escalated' | 'breaker_open';
  /** Null for an alert of the installation (a circuit breaker open too long). */
  run_id: string | null;
  page: 'runs' | 'approvals' | 'tool-calls' | 'dead-letters' | 'breakers';
  page_id: string;
  data: Record<string, unknown>;
  created_at: Date;
  attempts: number;
  channels_done: string[];
}

/**
 * Claims up to `limit` due alerts for `leaseSeconds` (committed at once, so another worker
 * skips them while this one sends); a claim that lapses (the worker died) makes them due again.
 *
 * @example
 * ```ts
 * const due = await db.tx(SYSTEM_SCOPE, (q) => claimDueAlerts(q, 20, 60));
 * ```
 */
export async function claimDueAlerts(q: Queryable, limit: number, leaseSeconds: number): Promise<AlertRow[]> {
  const { rows } = await q.query<AlertRow>(
    `UPDATE waymark.alerts a SET claimed_until = clock_timestamp() + make_interval(secs => $2), attempts = a.attempts + 1
     WHERE a.id IN (
       SELECT id FROM waymark.alerts
       WHERE delivered_at IS NULL AND next_attempt_at <= clock_timestamp() AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
       ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING a.id::text, a.tenant_id, a.key, a.kind, a.run_id, a.page, a.page_id, a.data, a.created_at, a.attempts, a.channels_done`,
    [limit, leaseSeconds],
  );
  return rows;
}

/**
 * Records that `channel` delivered alert `id` (so a retry of its other channels skips it).
 *
 * @example
 * ```ts
 * await db.tx(SYSTEM_SCOPE, (q) => recordAlertChannel(q, alert.id, 'webhook'));
 * ```
 */
export async function recordAlertChannel(q: Queryable, id: string, channel: string): Promise<void> {
  await q.query(`UPDATE waymark.alerts SET channels_done = array_append(channels_done, $2) WHERE id = $1 AND NOT ($2 = ANY (channels_done))`, [id, channel]);
}

/**
 * Marks alert `id` delivered on every channel.
 *
 * @example
 * ```ts
 * await db.tx(SYSTEM_SCOPE, (q) => finishAlert(q, alert.id));
 * ```
 */
export async function finishAlert(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE waymark.alerts SET delivered_at = clock_timestamp(), claimed_until = NULL, last_error = NULL WHERE id = $1`, [id]);
}

/**
 * Records a failed delivery and when to try again.
 *
 * @example
 * ```ts
 * await db.tx(SYSTEM_SCOPE, (q) => recordAlertFailure(q, alert.id, 'webhook answered 503', 30_000));
 * ```
 */
export async function recordAlertFailure(q: Queryable, id: string, error: string, retryInMs: number): Promise<void> {
  await q.query(
    `UPDATE waymark.alerts SET claimed_until = NULL, last_error = left($2, 1000),
            next_attempt_at = clock_timestamp() + make_interval(secs => $3 / 1000.0)
     WHERE id = $1`,
    [id, error, retryInMs],
  );
}
