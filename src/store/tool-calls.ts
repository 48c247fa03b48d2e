/**
 * @module store/tool-calls
 * SQL for the tool-call ledger (`waymark.tool_calls`, `waymark.tool_call_attempts`).
 * The tenant of a call is its run's tenant, looked up inside each statement.
 */
import type pg from 'pg';
import type { Queryable } from './runs.js';
import { inTransaction } from './transaction.js';

/** The tenant of run $1, or the default tenant for a workflow started outside Waymark. */
const TENANT = `coalesce((SELECT tenant_id FROM waymark.runs WHERE id = $1), 'default')`;

/** Which call site executes a call: the run and the DBOS step id of its first attempt. */
export interface CallSite {
  runId: string;
  callSite: number;
}

/** The fixed facts of a call. */
export interface CallFacts extends CallSite {
  key: string;
  tool: string;
  effect: 'read' | 'write';
  idempotent: boolean;
  /** The tool declares a compensation. */
  compensable: boolean;
  /** Arguments with secret fields redacted. */
  args: unknown;
}

/** What the intent transaction of a write attempt decided. */
export type WriteDecision =
  | { decision: 'run'; attempt: number; total: number }
  | { decision: 'reconcile'; attempt: number; total: number }
  | { decision: 'done'; output: unknown }
  | { decision: 'busy' }
  | { decision: 'wait'; delayMs: number }
  | { decision: 'in_doubt' }
  | { decision: 'failed'; error: unknown; attempts: number };

interface LedgerRow {
  status: string;
  result: unknown;
  attempts: number;
  attempt_base: number;
  owner_run_id: string;
  owner_call_site: number;
  next_attempt_at: Date | null;
  last_error: unknown;
  owner_status: string | null;
}

const ACTIVE = new Set(['PENDING', 'ENQUEUED', 'DELAYED']);

/**
 * The intent transaction of a write attempt: reads the call's ledger row under a lock and
 * decides — run (recording `started` first), answer from the ledger, wait for another live
 * run that owns the call, or treat a `started` row without outcome as in doubt.
 *
 * @example
 * ```ts
 * const d = await beginWriteAttempt(pool, facts, { hasReconcile: false });
 * if (d.decision === 'run') await tool.run(input, ctx);
 * ```
 */
export async function beginWriteAttempt(pool: pg.Pool, f: CallFacts, opts: { hasReconcile: boolean }): Promise<WriteDecision> {
  for (;;) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const decision = await decideWrite(client, f, opts);
      await client.query('COMMIT');
      if (decision) return decision;
      // Another run inserted the row between our read and insert: decide again on its row.
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }
}

async function decideWrite(client: pg.PoolClient, f: CallFacts, opts: { hasReconcile: boolean }): Promise<WriteDecision | undefined> {
  const { rows } = await client.query<LedgerRow>(
    `SELECT t.status, t.result, t.attempts, t.attempt_base, t.owner_run_id, t.owner_call_site, t.next_attempt_at,
            t.last_error, ws.status AS owner_status
     FROM waymark.tool_calls t LEFT JOIN dbos.workflow_status ws ON ws.workflow_uuid = t.owner_run_id
     WHERE t.tenant_id = ${TENANT} AND t.key = $2
     FOR UPDATE OF t`,
    [f.runId, f.key],
  );
  const row = rows[0];
  if (!row) {
    const inserted = await client.query(
      `WITH ins AS (
         INSERT INTO waymark.tool_calls (tenant_id, key, run_id, step_id, owner_run_id, owner_call_site, tool, effect, idempotent,
                                         args, status, attempts, started_at, compensable)
         VALUES (${TENANT}, $2, $1, $3, $1, $3, $4, $5, $6, $7, 'started', 1, clock_timestamp(), $8)
         ON CONFLICT DO NOTHING RETURNING tenant_id, key)
       INSERT INTO waymark.tool_call_attempts (tenant_id, key, attempt, run_id, started_at, outcome, is_retry)
       SELECT tenant_id, key, 1, $1, clock_timestamp(), 'started', false FROM ins`,
      [f.runId, f.key, f.callSite, f.tool, f.effect, f.idempotent, JSON.stringify(f.args), f.compensable],
    );
    return inserted.rowCount === 1 ? { decision: 'run', attempt: 1, total: 1 } : undefined;
  }
  if (row.status === 'succeeded' || row.status === 'reconciled') return { decision: 'done', output: row.result };
  const mine = row.owner_run_id === f.runId && row.owner_call_site === f.callSite;
  const ownerLive = !mine && ACTIVE.has(row.owner_status ?? '');
  if (row.status === 'in_doubt') {
    if (ownerLive) return { decision: 'busy' };
    // Its owner is this call site, or a dead run: this call site waits for the resolution.
    if (!mine) await takeOwnership(client, f);
    return { decision: 'in_doubt' };
  }
  if (row.status === 'started') {
    if (ownerLive) return { decision: 'busy' };
    // Started, never finished, and its owner is this call site re-executing or a dead run: in doubt.
    await client.query(
      `UPDATE waymark.tool_call_attempts SET outcome = 'in_doubt', finished_at = clock_timestamp()
       WHERE tenant_id = ${TENANT} AND key = $2 AND attempt = $3 AND outcome = 'started'`,
      [f.runId, f.key, row.attempts],
    );
    if (f.effect === 'write' && !f.idempotent) {
      await takeOwnership(client, f, opts.hasReconcile ? undefined : 'in_doubt');
      return opts.hasReconcile ? { decision: 'reconcile', attempt: row.attempts - row.attempt_base, total: row.attempts } : { decision: 'in_doubt' };
    }
    return startAgain(client, f, !mine);
  }
  // status failed: a retry is planned (next_attempt_at), or the call failed for good.
  if (row.next_attempt_at !== null && ownerLive) return { decision: 'busy' };
  if (mine && row.next_attempt_at === null) {
    // A re-execution after a crash that followed the final failure: the same failure again.
    return { decision: 'failed', error: row.last_error, attempts: row.attempts - row.attempt_base };
  }
  if (mine && row.next_attempt_at !== null) {
    // After a crash that followed a planned retry, keep the plan rather than retrying at once.
    const waitMs = row.next_attempt_at.getTime() - Date.now();
    if (waitMs > CLOCK_TOLERANCE_MS) return { decision: 'wait', delayMs: waitMs };
  }
  return startAgain(client, f, !mine);
}

/** Skew between this process's clock and the database's that we accept before waiting again. */
const CLOCK_TOLERANCE_MS = 1_000;

/**
 * Marks a call in doubt (and owned by the caller's call site): a person must decide.
 *
 * @example
 * ```ts
 * await markInDoubt(pool, facts);
 * ```
 */
export function markInDoubt(db: Queryable, f: CallFacts): Promise<void> {
  return takeOwnership(db, f, 'in_doubt');
}

async function takeOwnership(client: Queryable, f: CallFacts, status?: 'in_doubt'): Promise<void> {
  await client.query(
    `UPDATE waymark.tool_calls SET owner_run_id = $1, owner_call_site = $3, status = coalesce($4, status), updated_at = clock_timestamp()
     WHERE tenant_id = ${TENANT} AND key = $2`,
    [f.runId, f.key, f.callSite, status ?? null],
  );
}

/**
 * Records a new attempt after a call's `reconcile` said the in-doubt call did not happen.
 *
 * @example
 * ```ts
 * const d = await startAttemptAfterReconcile(pool, facts);
 * ```
 */
export function startAttemptAfterReconcile(db: Queryable, f: CallFacts): Promise<WriteDecision> {
  return startAgain(db, f, false);
}

/** Records a new attempt of a call (a retry, an in-doubt re-run, or a takeover by another call site). */
async function startAgain(client: Queryable, f: CallFacts, takeover: boolean): Promise<WriteDecision> {
  const { rows } = await client.query<{ attempts: number; attempt_base: number }>(
    `WITH upd AS (
       UPDATE waymark.tool_calls
       SET status = 'started', attempts = attempts + 1,
           attempt_base = CASE WHEN $4 THEN attempts ELSE attempt_base END,
           owner_run_id = $1, owner_call_site = $3, started_at = clock_timestamp(),
           next_attempt_at = NULL, finished_at = NULL, updated_at = clock_timestamp()
       WHERE tenant_id = ${TENANT} AND key = $2
       RETURNING tenant_id, key, attempts, attempt_base),
     att AS (
       INSERT INTO waymark.tool_call_attempts (tenant_id, key, attempt, run_id, started_at, outcome, is_retry)
       SELECT tenant_id, key, attempts, $1, clock_timestamp(), 'started', attempts - attempt_base > 1 FROM upd)
     SELECT attempts, attempt_base FROM upd`,
    [f.runId, f.key, f.callSite, takeover],
  );
  const r = rows[0]!;
  return { decision: 'run', attempt: r.attempts - r.attempt_base, total: r.attempts };
}

/**
 * Records a write attempt's success (one statement: one transaction).
 *
 * @example
 * ```ts
 * await recordWriteSuccess(pool, runId, key, 2, { messageId: 'm-1' }, 'succeeded');
 * ```
 */
export async function recordWriteSuccess(
  db: Queryable,
  runId: string,
  key: string,
  total: number,
  result: unknown,
  status: 'succeeded' | 'reconciled',
): Promise<void> {
  await db.query(
    `WITH upd AS (
       UPDATE waymark.tool_calls
       SET status = $5, result = $4, last_error = NULL, next_attempt_at = NULL,
           finished_at = clock_timestamp(), updated_at = clock_timestamp()
       WHERE tenant_id = ${TENANT} AND key = $2 RETURNING tenant_id, key)
     UPDATE waymark.tool_call_attempts a SET outcome = $5, finished_at = clock_timestamp()
     FROM upd WHERE a.tenant_id = upd.tenant_id AND a.key = upd.key AND a.attempt = $3`,
    [runId, key, total, JSON.stringify(result ?? null), status],
  );
}

/**
 * Records a read call's successful attempt, creating the ledger row on its first call
 * (one statement: one transaction; reads write no intent).
 *
 * @example
 * ```ts
 * await recordReadSuccess(pool, facts, 1, { name: 'Ada' });
 * ```
 */
export async function recordReadSuccess(db: Queryable, f: CallFacts, attempt: number, result: unknown): Promise<void> {
  await db.query(
    `WITH up AS (
       INSERT INTO waymark.tool_calls (tenant_id, key, run_id, step_id, owner_run_id, owner_call_site, tool, effect, idempotent,
                                       args, result, status, attempts, started_at, finished_at)
       VALUES (${TENANT}, $2, $1, $3, $1, $3, $4, 'read', $5, $6, $7, 'succeeded', 1, clock_timestamp(), clock_timestamp())
       ON CONFLICT (tenant_id, key) DO UPDATE
         SET status = 'succeeded', result = EXCLUDED.result, attempts = waymark.tool_calls.attempts + 1, last_error = NULL,
             next_attempt_at = NULL, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, updated_at = clock_timestamp()
       RETURNING tenant_id, key, attempts)
     INSERT INTO waymark.tool_call_attempts (tenant_id, key, attempt, run_id, started_at, finished_at, outcome, is_retry)
     SELECT tenant_id, key, attempts, $1, clock_timestamp(), clock_timestamp(), 'succeeded', $8 FROM up`,
    [f.runId, f.key, f.callSite, f.tool, f.idempotent, JSON.stringify(f.args), JSON.stringify(result ?? null), attempt > 1],
  );
}

/** A failed attempt, to record. */
export interface FailedAttempt {
  /** The owner's attempt number (held against maxAttempts). */
  attempt: number;
  /** The ledger's attempt number of a write (reads create theirs here). */
  total: number | undefined;
  error: { retryable: boolean };
  outcome: 'failed' | 'timed_out';
  maxAttempts: number;
  /** Planned wait before the next attempt, if one is allowed. */
  delayMs: number;
  defaultBudget: number;
}

/** Whether and when a failed call is tried again. */
export interface RetryPlan {
  retry: boolean;
  /** Why not, when not. */
  reason: 'permanent' | 'attempts_exhausted' | 'retry_budget_exhausted' | null;
  retriesUsed: number;
  budget: number;
}

/**
 * Records a failed attempt in one transaction and plans the retry: none for a permanent error,
 * after the tool's last attempt, or once the run has spent its retry budget.
 *
 * @example
 * ```ts
 * const plan = await recordFailure(pool, facts, { attempt: 2, total: 2, error, outcome: 'failed', maxAttempts: 5, delayMs: 800, defaultBudget: 100 });
 * ```
 */
export async function recordFailure(pool: pg.Pool, f: CallFacts, a: FailedAttempt): Promise<RetryPlan> {
  return inTransaction(pool, async (client) => {
    let total = a.total;
    if (total === undefined) {
      const { rows } = await client.query<{ attempts: number }>(
        `INSERT INTO waymark.tool_calls (tenant_id, key, run_id, step_id, owner_run_id, owner_call_site, tool, effect, idempotent,
                                         args, status, attempts, started_at, compensable)
         VALUES (${TENANT}, $2, $1, $3, $1, $3, $4, $5, $6, $7, 'failed', 1, clock_timestamp(), $8)
         ON CONFLICT (tenant_id, key) DO UPDATE SET attempts = waymark.tool_calls.attempts + 1, started_at = clock_timestamp()
         RETURNING attempts`,
        [f.runId, f.key, f.callSite, f.tool, f.effect, f.idempotent, JSON.stringify(f.args), f.compensable],
      );
      total = rows[0]!.attempts;
      await client.query(
        `INSERT INTO waymark.tool_call_attempts (tenant_id, key, attempt, run_id, started_at, outcome, is_retry)
         VALUES (${TENANT}, $2, $3, $1, clock_timestamp(), 'started', $4)`,
        [f.runId, f.key, total, a.attempt > 1],
      );
    }
    const { rows } = await client.query<{ budget: number; used: string }>(
      `SELECT coalesce((SELECT retry_budget FROM waymark.runs WHERE id = $1), $2)::int AS budget,
              (SELECT count(*) FROM waymark.tool_call_attempts WHERE run_id = $1 AND is_retry) AS used`,
      [f.runId, a.defaultBudget],
    );
    const budget = rows[0]!.budget;
    const used = Number(rows[0]!.used);
    const reason: RetryPlan['reason'] = !a.error.retryable
      ? 'permanent'
      : a.attempt >= a.maxAttempts
        ? 'attempts_exhausted'
        : used >= budget
          ? 'retry_budget_exhausted'
          : null;
    const retry = reason === null;
    await client.query(
      `WITH upd AS (
         UPDATE waymark.tool_calls
         SET status = 'failed', last_error = $4,
             next_attempt_at = CASE WHEN $5 THEN clock_timestamp() + make_interval(secs => $6::float8 / 1000) END,
             finished_at = CASE WHEN $5 THEN NULL ELSE clock_timestamp() END, updated_at = clock_timestamp()
         WHERE tenant_id = ${TENANT} AND key = $2 RETURNING tenant_id, key)
       UPDATE waymark.tool_call_attempts t SET outcome = $7, error = $4, finished_at = clock_timestamp()
       FROM upd WHERE t.tenant_id = upd.tenant_id AND t.key = upd.key AND t.attempt = $3`,
      [f.runId, f.key, total, JSON.stringify({ ...a.error, ...(reason ? { finalReason: reason } : {}) }), retry, a.delayMs, a.outcome],
    );
    return { retry, reason, retriesUsed: used, budget };
  });
}

/**
 * Records a call whose arguments failed validation: it never ran, and the ledger shows why.
 *
 * @example
 * ```ts
 * await recordInvalidCall(pool, facts, { name: 'ToolInputError', message: 'to: Invalid email' });
 * ```
 */
export async function recordInvalidCall(db: Queryable, f: CallFacts, error: unknown): Promise<void> {
  await db.query(
    `INSERT INTO waymark.tool_calls (tenant_id, key, run_id, step_id, owner_run_id, owner_call_site, tool, effect, idempotent,
                                     args, status, attempts, last_error, finished_at)
     VALUES (${TENANT}, $2, $1, $3, $1, $3, $4, $5, $6, $7, 'failed', 0, $8, clock_timestamp())
     ON CONFLICT (tenant_id, key) DO UPDATE SET last_error = EXCLUDED.last_error, updated_at = clock_timestamp()`,
    [f.runId, f.key, f.callSite, f.tool, f.effect, f.idempotent, JSON.stringify(f.args), JSON.stringify(error)],
  );
}

/** A ledger row as the API shows it. */
export interface ToolCallRow {
  key: string;
  run_id: string;
  step_id: number;
  owner_run_id: string;
  tool: string;
  effect: string;
  idempotent: boolean;
  args: unknown;
  result: unknown;
  status: string;
  attempts: number;
  last_error: unknown;
  next_attempt_at: Date | null;
  resolution: unknown;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const SELECT_CALL = `SELECT key, run_id, step_id, owner_run_id, tool, effect, idempotent, args, result, status, attempts, last_error,
                            next_attempt_at, resolution, created_at, started_at, finished_at
                     FROM waymark.tool_calls`;

/**
 * The calls a run made or executes (as owner), oldest first.
 *
 * @example
 * ```ts
 * const calls = await listToolCalls(pool, 'default', runId);
 * ```
 */
export async function listToolCalls(db: Queryable, tenantId: string, runId: string): Promise<ToolCallRow[]> {
  const { rows } = await db.query<ToolCallRow>(
    `${SELECT_CALL} WHERE tenant_id = $1 AND (run_id = $2 OR (owner_run_id = $2 AND owner_run_id <> run_id)) ORDER BY created_at, key`,
    [tenantId, runId],
  );
  return rows;
}

/**
 * Locks a call's ledger row for a resolution.
 *
 * @example
 * ```ts
 * const call = await lockToolCall(txClient, 'default', key);
 * ```
 */
export async function lockToolCall(db: Queryable, tenantId: string, key: string): Promise<ToolCallRow | undefined> {
  const { rows } = await db.query<ToolCallRow>(`${SELECT_CALL} WHERE tenant_id = $1 AND key = $2 FOR UPDATE`, [tenantId, key]);
  return rows[0];
}

/**
 * Applies a person's resolution of an in-doubt call: it happened (with its result) or it did
 * not (retry now, with fresh attempts).
 *
 * @example
 * ```ts
 * await resolveToolCallRow(txClient, 'default', key, { happened: true, result, by: 'alice' });
 * ```
 */
export async function resolveToolCallRow(
  db: Queryable,
  tenantId: string,
  key: string,
  r: { happened: boolean; result?: unknown; by: string; comment?: string | undefined },
): Promise<void> {
  const resolution = JSON.stringify({ happened: r.happened, by: r.by, at: new Date().toISOString(), comment: r.comment ?? null });
  if (r.happened) {
    await db.query(
      `UPDATE waymark.tool_calls SET status = 'reconciled', result = $3, resolution = $4, next_attempt_at = NULL,
              finished_at = clock_timestamp(), updated_at = clock_timestamp()
       WHERE tenant_id = $1 AND key = $2`,
      [tenantId, key, JSON.stringify(r.result ?? null), resolution],
    );
  } else {
    await db.query(
      `UPDATE waymark.tool_calls SET status = 'failed', resolution = $3, next_attempt_at = clock_timestamp(),
              attempt_base = attempts, updated_at = clock_timestamp()
       WHERE tenant_id = $1 AND key = $2`,
      [tenantId, key, resolution],
    );
  }
}

/**
 * Records that an attempt of a non-idempotent write ended without a clear outcome (timed out,
 * aborted, an ambiguous error): the attempt is in doubt, and — unless the tool can be asked
 * with `reconcile` — so is the call.
 *
 * @example
 * ```ts
 * await markAttemptInDoubt(pool, facts, 2, { name: 'ToolTimeoutError', message: '...' }, true);
 * ```
 */
export async function markAttemptInDoubt(db: Queryable, f: CallFacts, total: number, error: unknown, callInDoubt: boolean): Promise<void> {
  await db.query(
    `WITH att AS (
       UPDATE waymark.tool_call_attempts SET outcome = 'in_doubt', error = $4, finished_at = clock_timestamp()
       WHERE tenant_id = ${TENANT} AND key = $2 AND attempt = $3 RETURNING 1)
     UPDATE waymark.tool_calls SET last_error = $4, updated_at = clock_timestamp(),
            status = CASE WHEN $5 THEN 'in_doubt' ELSE status END
     WHERE tenant_id = ${TENANT} AND key = $2`,
    [f.runId, f.key, total, JSON.stringify(error), callInDoubt],
  );
}
