/**
 * @module store/dead-letters
 * SQL for dead letters, with what an operator needs to act: the error, the failing step, the
 * failed tool call, the attempts made.
 */
import type { Queryable } from './gateway.js';

/** A dead letter with its details. */
export interface DeadLetterRow {
  run_id: string;
  tenant_id: string;
  workflow: string;
  cause: string;
  status: string;
  created_at: Date;
  created_key: string;
  resolved_by: string | null;
  resolved_at: Date | null;
  resolution: string | null;
  retry_run_id: string | null;
  run_status: string | null;
  recovery_attempts: string | null;
  error: unknown;
  /** The last step that recorded an error (a tool call's step: its failed outcome), else the last step. */
  failing_step: { function_id: number; function_name: string; error: unknown } | null;
  /** The tool call that failed the run (from its `failed` phase event), if any. */
  tool_failure: { tool?: string; key?: string; attempts?: number; lastError?: unknown; cause?: string; reason?: string } | null;
  /** The first attempt step of that tool call: where a retry starts it again. */
  tool_call_site: number | null;
  tool_attempts: string;
}

const SELECT = `
  SELECT d.*, d.created_at::text AS created_key, s.status AS run_status, s.recovery_attempts,
         waymark.decode_dbos_value(o.error) AS error,
         -- A tool call's step records a permanent failure as its outcome, not as a thrown
         -- error: that outcome's error is the step's error.
         (SELECT row_to_json(x) FROM (
            SELECT op.function_id, op.function_name, coalesce(waymark.decode_dbos_value(op.error), tf.error) AS error
            FROM dbos.operation_outputs op
            LEFT JOIN LATERAL (SELECT CASE WHEN v#>>'{outcome,kind}' = 'failed' THEN v#>'{outcome,error}' END AS error
                               FROM (SELECT waymark.decode_dbos_value(op.output) AS v
                                     WHERE op.error IS NULL AND op.function_name LIKE 'tool:%') o) tf ON true
            WHERE op.workflow_uuid = d.run_id
            ORDER BY (op.error IS NOT NULL OR tf.error IS NOT NULL) DESC, op.function_id DESC LIMIT 1) x) AS failing_step,
         -- The tool call that failed the run: from its 'failed' phase event (attempts or budget
         -- spent), else from the ToolCallFailedError the workflow ended with (a permanent error,
         -- invalid arguments or output), with the ledger's last error.
         coalesce(f.data || jsonb_build_object('reason', f.reason),
                  CASE WHEN we.err->>'name' = 'ToolCallFailedError' THEN jsonb_strip_nulls(jsonb_build_object(
                    'tool', we.err->>'tool', 'key', we.err->>'key', 'attempts', we.err->'attempts', 'cause', we.err->>'code',
                    'reason', we.err->>'message',
                    'lastError', (SELECT t.last_error FROM waymark.tool_calls t WHERE t.tenant_id = d.tenant_id AND t.key = we.err->>'key'))) END)
           AS tool_failure,
         (SELECT t.owner_call_site FROM waymark.tool_calls t
          WHERE t.tenant_id = d.tenant_id AND t.key = coalesce(f.data->>'key', we.err->>'key') AND t.owner_run_id = d.run_id) AS tool_call_site,
         (SELECT coalesce(sum(attempts), 0) FROM waymark.tool_calls t WHERE t.run_id = d.run_id) AS tool_attempts
  FROM waymark.dead_letters d
  LEFT JOIN dbos.workflow_status s ON s.workflow_uuid = d.run_id
  LEFT JOIN dbos.workflow_output o ON o.workflow_uuid = d.run_id
  LEFT JOIN LATERAL (SELECT waymark.decode_dbos_value(o.error) AS err) we ON true
  LEFT JOIN LATERAL (
    SELECT e.data, e.reason FROM waymark.run_events e
    WHERE e.run_id = d.run_id AND e.to_phase = 'failed' AND e.actor = 'workflow' AND e.data ? 'tool'
    ORDER BY e.id DESC LIMIT 1) f ON true`;

/**
 * A page of dead letters, newest first (fetches `limit + 1`).
 *
 * @example
 * ```ts
 * const rows = await listDeadLetters(pool, 'default', { status: 'open', limit: 20 });
 * ```
 */
export async function listDeadLetters(
  db: Queryable,
  tenantId: string,
  f: { status?: string | undefined; workflow?: string | undefined; limit: number; after?: { createdKey: string; id: string } | undefined },
): Promise<DeadLetterRow[]> {
  const where = ['d.tenant_id = $1'];
  const params: unknown[] = [tenantId];
  if (f.status) where.push(`d.status = $${params.push(f.status)}`);
  if (f.workflow) where.push(`d.workflow = $${params.push(f.workflow)}`);
  if (f.after) {
    params.push(f.after.createdKey, f.after.id);
    where.push(`(d.created_at, d.run_id) < ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  params.push(f.limit + 1);
  const { rows } = await db.query<DeadLetterRow>(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY d.created_at DESC, d.run_id DESC LIMIT $${params.length}`, params);
  return rows;
}

/**
 * One dead letter.
 *
 * @example
 * ```ts
 * const d = await getDeadLetter(pool, 'default', runId);
 * ```
 */
export async function getDeadLetter(db: Queryable, tenantId: string, runId: string): Promise<DeadLetterRow | undefined> {
  const { rows } = await db.query<DeadLetterRow>(`${SELECT} WHERE d.tenant_id = $1 AND d.run_id = $2`, [tenantId, runId]);
  return rows[0];
}

/**
 * Moves an open dead letter to `retried` or `discarded`, with an audit event on its run;
 * false when it was not open.
 *
 * @example
 * ```ts
 * await resolveDeadLetter(pool, 'default', runId, { status: 'discarded', by: 'ops@example.com', reason: 'customer withdrew' });
 * ```
 */
export async function resolveDeadLetter(
  db: Queryable,
  tenantId: string,
  runId: string,
  r: { status: 'retried' | 'discarded'; by: string; reason: string | null; retryRunId?: string; fromStep?: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `WITH upd AS (
       UPDATE waymark.dead_letters SET status = $3, resolved_by = $4, resolved_at = clock_timestamp(), resolution = $5, retry_run_id = $6
       WHERE tenant_id = $1 AND run_id = $2 AND status = 'open' RETURNING run_id, tenant_id)
     INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data)
     SELECT run_id, tenant_id, $7, $4, $5, jsonb_strip_nulls(jsonb_build_object('retryRunId', $6::text, 'fromStep', $8::int)) FROM upd`,
    [tenantId, runId, r.status, r.by, r.reason, r.retryRunId ?? null, r.status === 'retried' ? 'dead_letter_retried' : 'dead_letter_discarded', r.fromStep ?? null],
  );
  return rowCount === 1;
}

/**
 * Reopens a dead letter whose retry could not be started.
 *
 * @example
 * ```ts
 * await reopenDeadLetter(pool, runId);
 * ```
 */
export async function reopenDeadLetter(db: Queryable, runId: string): Promise<void> {
  await db.query(`UPDATE waymark.dead_letters SET status = 'open', resolved_by = NULL, resolved_at = NULL, resolution = NULL, retry_run_id = NULL WHERE run_id = $1`, [runId]);
}
