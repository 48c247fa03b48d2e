/**
 * @module store/tool-calls
 * SQL for the tool-call ledger (`waymark.tool_calls`, `waymark.tool_call_attempts`): the hot
 * path of every tool call. Each function runs inside a gateway transaction, whose tenant
 * (`current_setting('waymark.tenant_id')`) is the tenant of the calling run. The decisions
 * themselves are plain functions in `ledger-rules.ts`.
 */
import type { Queryable } from './gateway.js';
import { scrubDeep } from '../redact.js';
import { decideWriteAttempt, retryVerdict, type FinalReason, type LedgerState } from './ledger-rules.js';

/** The tenant of the enclosing gateway transaction. */
const TENANT = `current_setting('waymark.tenant_id')`;

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

/** The identifying columns of a new ledger row, and their values ($1-$8 of {@link callParams}). */
const CALL_COLUMNS = 'tenant_id, key, run_id, step_id, owner_run_id, owner_call_site, tool, effect, idempotent, args, compensable';
const CALL_VALUES = `${TENANT}, $2, $1, $3, $1, $3, $4, $5, $6, $7, $8`;
const callParams = (f: CallFacts): unknown[] => [f.runId, f.key, f.callSite, f.tool, f.effect, f.idempotent, JSON.stringify(f.args), f.compensable];

/** What the intent transaction of a write attempt decided. */
export type WriteDecision =
  | { decision: 'run'; attempt: number; total: number; recovered?: boolean }
  | { decision: 'reconcile'; attempt: number; total: number; recovered?: boolean }
  | { decision: 'done'; output: unknown }
  | { decision: 'busy' }
  | { decision: 'wait'; delayMs: number }
  | { decision: 'in_doubt'; recovered?: boolean }
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
 * The intent of a write attempt, inside one transaction: reads the call's ledger row under a
 * lock, decides ({@link decideWriteAttempt}) and records the decision. Returns undefined when
 * another run inserted the row between the read and the insert: run it again.
 *
 * @example
 * ```ts
 * const d = await db.tx(scope, (q) => beginWriteAttempt(q, facts, { hasReconcile: false }));
 * ```
 */
export async function beginWriteAttempt(q: Queryable, f: CallFacts, opts: { hasReconcile: boolean }): Promise<WriteDecision | undefined> {
  // The common cases in one statement and without a lock: a first attempt records its intent
  // (ledger row and attempt row), a call that succeeded is answered from the ledger. Anything
  // else (started, failed, in doubt, or a row this statement's snapshot cannot see yet) is
  // decided below on the locked row.
  const quick = await q.query<{ status: string; result: unknown }>(
    `WITH ins AS (
       INSERT INTO waymark.tool_calls (${CALL_COLUMNS}, status, attempts, started_at)
       VALUES (${CALL_VALUES}, 'started', 1, clock_timestamp())
       ON CONFLICT DO NOTHING RETURNING tenant_id, key),
     att AS (
       INSERT INTO waymark.tool_call_attempts (tenant_id, key, attempt, run_id, started_at, outcome, is_retry)
       SELECT tenant_id, key, 1, $1, clock_timestamp(), 'started', false FROM ins)
     SELECT 'inserted' AS status, NULL::jsonb AS result FROM ins
     UNION ALL
     SELECT t.status, t.result FROM waymark.tool_calls t
     WHERE t.tenant_id = ${TENANT} AND t.key = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
    callParams(f),
  );
  const seen = quick.rows[0];
  if (seen?.status === 'inserted') return { decision: 'run', attempt: 1, total: 1 };
  if (seen?.status === 'succeeded' || seen?.status === 'reconciled') return { decision: 'done', output: seen.result };
  const { rows } = await q.query<LedgerRow>(
    `SELECT t.status, t.result, t.attempts, t.attempt_base, t.owner_run_id, t.owner_call_site, t.next_attempt_at,
            t.last_error,
            -- a parked owner is waiting (a back-off, a resolution), not gone
            CASE WHEN ws.status = 'CANCELLED' AND waymark.is_parked(t.owner_run_id) THEN 'PENDING' ELSE ws.status END AS owner_status
     FROM waymark.tool_calls t LEFT JOIN dbos.workflow_status ws ON ws.workflow_uuid = t.owner_run_id
     WHERE t.tenant_id = ${TENANT} AND t.key = $1
     FOR UPDATE OF t`,
    [f.key],
  );
  const row = rows[0];
  const state: LedgerState | undefined = row && {
    status: row.status, result: row.result, attempts: row.attempts, attemptBase: row.attempt_base,
    mine: row.owner_run_id === f.runId && row.owner_call_site === f.callSite, ownerLive: ACTIVE.has(row.owner_status ?? ''),
    nextAttemptAt: row.next_attempt_at, lastError: row.last_error,
  };
  const verdict = decideWriteAttempt(state, { effect: f.effect, idempotent: f.idempotent, hasReconcile: opts.hasReconcile }, Date.now());
  switch (verdict.kind) {
    case 'first_attempt': {
      const inserted = await q.query(
        `WITH ins AS (
           INSERT INTO waymark.tool_calls (${CALL_COLUMNS}, status, attempts, started_at)
           VALUES (${CALL_VALUES}, 'started', 1, clock_timestamp())
           ON CONFLICT DO NOTHING RETURNING tenant_id, key)
         INSERT INTO waymark.tool_call_attempts (tenant_id, key, attempt, run_id, started_at, outcome, is_retry)
         SELECT tenant_id, key, 1, $1, clock_timestamp(), 'started', false FROM ins`,
        callParams(f),
      );
      return inserted.rowCount === 1 ? { decision: 'run', attempt: 1, total: 1 } : undefined;
    }
    case 'answer':
      return { decision: 'done', output: verdict.output };
    case 'busy':
      return { decision: 'busy' };
    case 'await_resolution':
      if (verdict.takeOver) await takeOwnership(q, f);
      return { decision: 'in_doubt' };
    case 'abandoned':
      await q.query(
        `UPDATE waymark.tool_call_attempts SET outcome = 'in_doubt', finished_at = clock_timestamp()
         WHERE tenant_id = ${TENANT} AND key = $1 AND attempt = $2 AND outcome = 'started'`,
        [f.key, verdict.total],
      );
      // A crash left the attempt without outcome: whatever follows re-executes it after recovery.
      if (verdict.then === 'start_again') return { ...(await startAgain(q, f, verdict.takeOver)), recovered: true };
      await takeOwnership(q, f, verdict.then === 'in_doubt' ? 'in_doubt' : undefined);
      return verdict.then === 'reconcile' ? { decision: 'reconcile', attempt: verdict.attempt, total: verdict.total, recovered: true } : { decision: 'in_doubt', recovered: true };
    case 'repeat_failure':
      return { decision: 'failed', error: verdict.error, attempts: verdict.attempts };
    case 'wait':
      return { decision: 'wait', delayMs: verdict.delayMs };
    case 'start_again':
      return startAgain(q, f, verdict.takeOver);
  }
}

/**
 * Marks a call in doubt (and owned by the caller's call site): a person must decide.
 *
 * @example
 * ```ts
 * await db.tx(scope, (q) => markInDoubt(q, facts));
 * ```
 */
export function markInDoubt(q: Queryable, f: CallFacts): Promise<void> {
  return takeOwnership(q, f, 'in_doubt');
}

async function takeOwnership(q: Queryable, f: CallFacts, status?: 'in_doubt'): Promise<void> {
  await q.query(
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
 * const d = await db.tx(scope, (q) => startAttemptAfterReconcile(q, facts));
 * ```
 */
export function startAttemptAfterReconcile(q: Queryable, f: CallFacts): Promise<WriteDecision> {
  return startAgain(q, f, false);
}

/** Records a new attempt of a call (a retry, an in-doubt re-run, or a takeover by another call site). */
async function startAgain(q: Queryable, f: CallFacts, takeover: boolean): Promise<Extract<WriteDecision, { decision: 'run' }>> {
  const { rows } = await q.query<{ attempts: number; attempt_base: number }>(
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
 * Only the execution that started attempt `total` of a call may record its outcome: the row
 * must still be `started`, owned by this call site, at that attempt. A stale execution (its run
 * was taken over, or a person resolved the call meanwhile) records nothing.
 */
const FENCE = (n: number): string => `status = 'started' AND owner_run_id = $${n} AND owner_call_site = $${n + 1} AND attempts = $${n + 2}`;
const fenceParams = (f: CallSite, total: number): unknown[] => [f.runId, f.callSite, total];

/**
 * Records a write attempt's success; false (nothing written) when this execution no longer
 * owns the attempt.
 *
 * @example
 * ```ts
 * const recorded = await db.tx(scope, (q) => recordWriteSuccess(q, facts, 2, { messageId: 'm-1' }, 'succeeded'));
 * ```
 */
export async function recordWriteSuccess(q: Queryable, f: CallSite & { key: string }, total: number, result: unknown, status: 'succeeded' | 'reconciled'): Promise<boolean> {
  const { rows } = await q.query<{ n: number }>(
    `WITH upd AS (
       UPDATE waymark.tool_calls
       SET status = $3, result = $2, last_error = NULL, next_attempt_at = NULL,
           finished_at = clock_timestamp(), updated_at = clock_timestamp()
       WHERE tenant_id = ${TENANT} AND key = $1 AND ${FENCE(4)} RETURNING tenant_id, key),
     att AS (
       UPDATE waymark.tool_call_attempts a SET outcome = $3, finished_at = clock_timestamp()
       FROM upd WHERE a.tenant_id = upd.tenant_id AND a.key = upd.key AND a.attempt = $6)
     SELECT count(*)::int AS n FROM upd`,
    [f.key, JSON.stringify(result ?? null), status, ...fenceParams(f, total)],
  );
  return rows[0]?.n === 1;
}

/**
 * Records a read call's successful attempt, creating the ledger row on its first call (reads
 * write no intent).
 *
 * @example
 * ```ts
 * await db.tx(scope, (q) => recordReadSuccess(q, facts, 1, { name: 'Ada' }));
 * ```
 */
export async function recordReadSuccess(q: Queryable, f: CallFacts, attempt: number, result: unknown): Promise<void> {
  await q.query(
    `WITH up AS (
       INSERT INTO waymark.tool_calls (${CALL_COLUMNS}, result, status, attempts, started_at, finished_at)
       VALUES (${CALL_VALUES}, $9, 'succeeded', 1, clock_timestamp(), clock_timestamp())
       ON CONFLICT (tenant_id, key) DO UPDATE
         SET status = 'succeeded', result = EXCLUDED.result, attempts = waymark.tool_calls.attempts + 1, last_error = NULL,
             next_attempt_at = NULL, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, updated_at = clock_timestamp()
       RETURNING tenant_id, key, attempts)
     INSERT INTO waymark.tool_call_attempts (tenant_id, key, attempt, run_id, started_at, finished_at, outcome, is_retry)
     SELECT tenant_id, key, attempts, $1, clock_timestamp(), clock_timestamp(), 'succeeded', $10 FROM up`,
    [...callParams(f), JSON.stringify(result ?? null), attempt > 1],
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
  reason: FinalReason | null;
  retriesUsed: number;
  budget: number;
  /** Nothing was recorded: this execution no longer owns the attempt (see recordWriteSuccess). */
  fenced: boolean;
}

/**
 * Records a failed attempt and plans the retry ({@link retryVerdict}); run it in one
 * transaction.
 *
 * @example
 * ```ts
 * const plan = await db.tx(scope, (q) => recordFailure(q, facts, { attempt: 2, total: 2, error, outcome: 'failed', maxAttempts: 5, delayMs: 800, defaultBudget: 100 }));
 * ```
 */
export async function recordFailure(q: Queryable, f: CallFacts, a: FailedAttempt): Promise<RetryPlan> {
  let total = a.total;
  if (total === undefined) {
    const { rows } = await q.query<{ attempts: number }>(
      `INSERT INTO waymark.tool_calls (${CALL_COLUMNS}, status, attempts, started_at)
       VALUES (${CALL_VALUES}, 'failed', 1, clock_timestamp())
       ON CONFLICT (tenant_id, key) DO UPDATE SET attempts = waymark.tool_calls.attempts + 1, started_at = clock_timestamp()
       RETURNING attempts`,
      callParams(f),
    );
    total = rows[0]!.attempts;
    await q.query(
      `INSERT INTO waymark.tool_call_attempts (tenant_id, key, attempt, run_id, started_at, outcome, is_retry)
       VALUES (${TENANT}, $2, $3, $1, clock_timestamp(), 'started', $4)`,
      [f.runId, f.key, total, a.attempt > 1],
    );
  }
  const { rows } = await q.query<{ budget: number; used: string }>(
    `SELECT coalesce((SELECT retry_budget FROM waymark.runs WHERE id = $1), $2)::int AS budget,
            (SELECT count(*) FROM waymark.tool_call_attempts WHERE run_id = $1 AND is_retry) AS used`,
    [f.runId, a.defaultBudget],
  );
  const budget = rows[0]!.budget;
  const used = Number(rows[0]!.used);
  const reason = retryVerdict({ retryable: a.error.retryable, attempt: a.attempt, maxAttempts: a.maxAttempts, retriesUsed: used, budget });
  const retry = reason === null;
  // A read's row was just written by this execution; a write's must still be its own attempt.
  const fence = a.total === undefined ? '' : `AND ${FENCE(7)}`;
  const { rows: done } = await q.query<{ n: number }>(
    `WITH upd AS (
       UPDATE waymark.tool_calls
       SET status = 'failed', last_error = $3,
           next_attempt_at = CASE WHEN $4 THEN clock_timestamp() + make_interval(secs => $5::float8 / 1000) END,
           finished_at = CASE WHEN $4 THEN NULL ELSE clock_timestamp() END, updated_at = clock_timestamp()
       WHERE tenant_id = ${TENANT} AND key = $1 ${fence} RETURNING tenant_id, key),
     att AS (
       UPDATE waymark.tool_call_attempts t SET outcome = $6, error = $3, finished_at = clock_timestamp()
       FROM upd WHERE t.tenant_id = upd.tenant_id AND t.key = upd.key AND t.attempt = $2)
     SELECT count(*)::int AS n FROM upd`,
    [f.key, total, storedError({ ...a.error, ...(reason ? { finalReason: reason } : {}) }), retry, a.delayMs, a.outcome,
      ...(a.total === undefined ? [] : fenceParams(f, a.total))],
  );
  return { retry, reason, retriesUsed: used, budget, fenced: done[0]?.n !== 1 };
}

/**
 * Records a call whose arguments failed validation: it never ran, and the ledger shows why.
 *
 * @example
 * ```ts
 * await db.tx(scope, (q) => recordInvalidCall(q, facts, { name: 'ToolInputError', message: 'to: Invalid email' }));
 * ```
 */
export async function recordInvalidCall(q: Queryable, f: CallFacts, error: unknown): Promise<void> {
  await q.query(
    `INSERT INTO waymark.tool_calls (${CALL_COLUMNS}, status, attempts, last_error, finished_at)
     VALUES (${CALL_VALUES}, 'failed', 0, $9, clock_timestamp())
     ON CONFLICT (tenant_id, key) DO UPDATE SET last_error = EXCLUDED.last_error, updated_at = clock_timestamp()`,
    [...callParams(f), storedError(error)],
  );
}

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
 * A tenant's calls in one status (such as `in_doubt`, for the people who resolve them), oldest first.
 *
 * @example
 * ```ts
 * const rows = await listToolCallsByStatus(pool, 'default', 'in_doubt', 50);
 * ```
 */
export async function listToolCallsByStatus(db: Queryable, tenantId: string, status: string, limit: number): Promise<ToolCallRow[]> {
  const { rows } = await db.query<ToolCallRow>(`${SELECT_CALL} WHERE tenant_id = $1 AND status = $2 ORDER BY created_at, key LIMIT $3`, [tenantId, status, limit]);
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
 * with `reconcile` — so is the call. False (nothing written) when this execution no longer owns
 * the attempt.
 *
 * @example
 * ```ts
 * await db.tx(scope, (q) => markAttemptInDoubt(q, facts, 2, { name: 'ToolTimeoutError', message: '...' }, true));
 * ```
 */
export async function markAttemptInDoubt(q: Queryable, f: CallFacts, total: number, error: unknown, callInDoubt: boolean): Promise<boolean> {
  const { rows } = await q.query<{ n: number }>(
    `WITH upd AS (
       UPDATE waymark.tool_calls SET last_error = $3, updated_at = clock_timestamp(),
              status = CASE WHEN $4 THEN 'in_doubt' ELSE status END
       WHERE tenant_id = ${TENANT} AND key = $1 AND ${FENCE(5)} RETURNING tenant_id, key),
     att AS (
       UPDATE waymark.tool_call_attempts a SET outcome = 'in_doubt', error = $3, finished_at = clock_timestamp()
       FROM upd WHERE a.tenant_id = upd.tenant_id AND a.key = upd.key AND a.attempt = $2)
     SELECT count(*)::int AS n FROM upd`,
    [f.key, total, storedError(error), callInDoubt, ...fenceParams(f, total)],
  );
  return rows[0]?.n === 1;
}

/** An error as the ledger stores it: scrubbed of secrets (a provider may echo a token back). */
function storedError(error: unknown): string {
  return JSON.stringify(scrubDeep(error));
}
