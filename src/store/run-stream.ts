/**
 * @module store/run-stream
 * SQL for a run's live stream `waymark.run_stream` (migration 015): append events (numbered per
 * run, without gaps, in commit order, by `waymark.append_run_stream`), read what follows an
 * event id, and delete rows past the retention.
 */
import type { Queryable } from './gateway.js';

/** An event to append: its type and its data (JSON). */
export interface RunStreamInput {
  type: string;
  data: Record<string, unknown>;
}

/** An event as stored. */
export interface RunStreamRow {
  /** The event id: 1, 2, 3 ... per run. */
  seq: number;
  type: string;
  data: Record<string, unknown>;
  created_at: Date;
}

/** The channel `waymark.append_run_stream` notifies, with the run id as payload. */
export const RUN_STREAM_CHANNEL = 'waymark_run_stream';

/**
 * Appends events to a run's stream in the caller's transaction (one statement, whatever their
 * number) and notifies readers when it commits. Call it last in a transaction: it locks the
 * run's stream head until commit, and taking no lock after it keeps writers free of deadlocks.
 *
 * @example
 * ```ts
 * await db.tx(scope, (q) => appendRunStream(q, scope.tenantId, runId, [{ type: 'text-delta', data: { delta: 'Hel' } }]));
 * ```
 */
export async function appendRunStream(q: Queryable, tenantId: string, runId: string, events: readonly RunStreamInput[]): Promise<void> {
  if (events.length === 0) return;
  await q.query('SELECT waymark.append_run_stream($1, $2, $3::jsonb)', [tenantId, runId, JSON.stringify(events)]);
}

/**
 * Up to `limit` events of a run after event `afterSeq`, in order.
 *
 * @example
 * ```ts
 * const rows = await readRunStream(q, 'default', runId, 0, 500);
 * ```
 */
export async function readRunStream(q: Queryable, tenantId: string, runId: string, afterSeq: number, limit: number): Promise<RunStreamRow[]> {
  const { rows } = await q.query<RunStreamRow & { seq: string }>(
    `SELECT seq, type, data, created_at FROM waymark.run_stream
     WHERE run_id = $1 AND tenant_id = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
    [runId, tenantId, afterSeq, limit],
  );
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/**
 * Deletes up to `limit` stream rows (any tenant: run it with the system scope) created more
 * than `retentionMs` ago; returns how many. The runs' stream heads stay, so event ids are never
 * reused.
 *
 * @example
 * ```ts
 * await db.tx(SYSTEM_SCOPE, (q) => deleteExpiredRunStream(q, 7 * 86_400_000, 5000));
 * ```
 */
export async function deleteExpiredRunStream(q: Queryable, retentionMs: number, limit: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM waymark.run_stream WHERE ctid = ANY (ARRAY(
       SELECT ctid FROM waymark.run_stream WHERE created_at < clock_timestamp() - $1 * interval '1 millisecond' LIMIT $2))`,
    [retentionMs, limit],
  );
  return rowCount ?? 0;
}

/** Where a run is, for a stream reader: its phase and whether that phase ends it. */
export interface RunStreamState {
  phase: string;
  terminal: boolean;
}

/**
 * A run's phase and whether it is terminal; undefined when the tenant has no such run.
 *
 * @example
 * ```ts
 * const state = await runStreamState(q, 'default', runId);
 * ```
 */
export async function runStreamState(q: Queryable, tenantId: string, runId: string): Promise<RunStreamState | undefined> {
  const { rows } = await q.query<RunStreamState>(
    `SELECT r.phase, coalesce(p.terminal, false) AS terminal
     FROM waymark.runs r LEFT JOIN waymark.phases p ON p.phase = r.phase WHERE r.tenant_id = $1 AND r.id = $2`,
    [tenantId, runId],
  );
  return rows[0];
}
