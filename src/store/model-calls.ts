/**
 * @module store/model-calls
 * SQL for the model-call cost ledger `waymark.model_calls`: one row per attempt, written
 * `started` before the request is sent and completed with its outcome (and a `model_called`
 * audit event) after; reads for a run's cost and for totals by workflow, tenant or day.
 */
import type { BudgetLimits } from '../config.js';
import { appendBudgetEvent, reserveBudget, settleBudget, type BudgetEstimate, type BudgetRefusal } from './budgets.js';
import type { Queryable } from './gateway.js';

/** What identifies an attempt and describes the call. */
export interface ModelCallFacts {
  runId: string;
  tenantId: string;
  /** The DBOS step id of the call's first attempt. */
  callSite: number;
  /** The DBOS step executing now. */
  stepId: number;
  name: string;
  provider: string;
  model: string;
  mode: 'generate' | 'stream';
  /** What the attempt is expected to use, reserved against the budgets before it is sent. */
  estimate?: BudgetEstimate | undefined;
  /** The tenant's daily limits from the configuration. */
  tenantDaily?: BudgetLimits | undefined;
}

/** What the ledger says to do before sending. */
export type AttemptVerdict =
  /** Send the request as attempt `attempt` (`resent`: the previous one was interrupted by a crash). */
  | { kind: 'send'; attempt: number; resent?: boolean }
  /** The call succeeded before (its step's checkpoint was lost): return the recorded response. */
  | { kind: 'done'; response: unknown }
  /** This step already recorded a failure: wait until the planned retry, or fail for good. */
  | { kind: 'failed'; error: unknown; final: boolean; waitMs: number; attempt: number }
  /** A budget refused the attempt (recorded as a `budget_exceeded` event); nothing was sent. */
  | { kind: 'refused'; refusal: BudgetRefusal; policy: 'fail' | 'stop' | 'ask'; raiseBy: BudgetLimits | undefined };

interface LatestRow {
  attempt: number;
  status: string;
  step_id: number;
  response: unknown;
  error: unknown;
  final: boolean;
  wait_ms: number | null;
}

/**
 * Decides the attempt a step sends, recording its intent: the next attempt after a planned
 * retry or after an attempt a crash interrupted (marked `interrupted`, audited).
 *
 * @example
 * ```ts
 * const v = await db.tx(scope, (q) => beginModelAttempt(q, facts));
 * if (v.kind === 'send') await send(v.attempt);
 * ```
 */
export async function beginModelAttempt(q: Queryable, f: ModelCallFacts): Promise<AttemptVerdict> {
  const { rows } = await q.query<LatestRow>(
    `SELECT attempt, status, step_id, response, error, final,
            greatest(0, extract(epoch FROM retry_at - clock_timestamp()) * 1000)::int AS wait_ms
     FROM waymark.model_calls WHERE run_id = $1 AND call_site = $2
     ORDER BY attempt DESC LIMIT 1 FOR UPDATE`,
    [f.runId, f.callSite],
  );
  const last = rows[0];
  if (last?.status === 'succeeded') return { kind: 'done', response: last.response };
  if (last?.status === 'failed' && last.step_id === f.stepId) {
    return { kind: 'failed', error: last.error, final: last.final, waitMs: last.wait_ms ?? 0, attempt: last.attempt };
  }
  if (last?.status === 'started') {
    const { rows: [gone] } = await q.query<ReservationRow>(
      `UPDATE waymark.model_calls SET status = 'interrupted', finished_at = clock_timestamp(),
              error = '{"name":"Interrupted","message":"The process died while the request was in flight; it was sent again","retryable":true}'
       WHERE run_id = $1 AND call_site = $2 AND attempt = $3
       RETURNING ${RESERVATION}`,
      [f.runId, f.callSite, last.attempt],
    );
    // The provider may have billed the interrupted attempt: its estimate stays spent.
    await settle(q, f, gone, null);
    await appendModelEvent(q, f, last.attempt, 'interrupted', {});
  }
  const attempt = (last?.attempt ?? 0) + 1;
  const estimate = f.estimate ?? { tokens: 0, cost: 0 };
  const check = await reserveBudget(q, { tenantId: f.tenantId, runId: f.runId, tenantDaily: f.tenantDaily, estimate });
  if (check.kind === 'refused') {
    await appendBudgetEvent(q, f.tenantId, f.runId, 'budget_exceeded', 'workflow', {
      ...check.refusal, policy: check.policy, model: f.name, callSite: f.callSite, step: f.stepId,
    });
    return check;
  }
  const reserved = check.kind === 'reserved';
  await q.query(
    `INSERT INTO waymark.model_calls (tenant_id, run_id, call_site, attempt, step_id, workflow, name, provider, model, mode, status,
                                      reserved_tokens, reserved_cost, budget_day)
     SELECT $1, $2, $3, $4, $5, r.workflow, $6, $7, $8, $9, 'started', $10, $11, $12 FROM waymark.runs r WHERE r.id = $2`,
    [f.tenantId, f.runId, f.callSite, attempt, f.stepId, f.name, f.provider, f.model, f.mode,
      reserved ? estimate.tokens : null, reserved ? estimate.cost : null, reserved ? check.day : null],
  );
  return { kind: 'send', attempt, resent: last?.status === 'started' };
}

/** The reservation an attempt's row holds, returned by the update that settles it. */
interface ReservationRow {
  workflow: string;
  reserved_tokens: string | null;
  reserved_cost: string | null;
  budget_day: string | null;
}

const RESERVATION = `workflow, reserved_tokens, reserved_cost, to_char(budget_day, 'YYYY-MM-DD') AS budget_day`;

/** Settles an attempt's reservation; `actual` null keeps the estimate as spent. */
async function settle(q: Queryable, f: ModelCallFacts, row: ReservationRow | undefined, actual: { tokens: number | null; cost: number | null } | null): Promise<void> {
  if (!row || row.budget_day === null) return;
  const reservedTokens = Number(row.reserved_tokens ?? 0);
  const reservedCost = Number(row.reserved_cost ?? 0);
  await settleBudget(q, {
    tenantId: f.tenantId, runId: f.runId, workflow: row.workflow, day: row.budget_day, reservedTokens, reservedCost,
    tokens: actual?.tokens ?? reservedTokens, cost: actual?.cost ?? reservedCost,
  });
}

/** Token counts of an answered attempt. */
export interface ModelUsageNumbers {
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  reasoningTokens: number | null;
}

/** The outcome of a successful attempt. */
export interface ModelSuccess extends ModelUsageNumbers {
  cost: number | null;
  latencyMs: number;
  finishReason: string | null;
  response: unknown;
}

/**
 * Records a successful attempt and its audit event; false when the attempt is no longer
 * `started` (another execution took the call over), and nothing was written.
 *
 * @example
 * ```ts
 * await db.tx(scope, (q) => recordModelSuccess(q, facts, 1, { inputTokens: 10, outputTokens: 5, ... }));
 * ```
 */
export async function recordModelSuccess(q: Queryable, f: ModelCallFacts, attempt: number, s: ModelSuccess): Promise<boolean> {
  const { rows: [row] } = await q.query<ReservationRow>(
    `UPDATE waymark.model_calls SET status = 'succeeded', input_tokens = $4, output_tokens = $5, cached_input_tokens = $6,
            reasoning_tokens = $7, cost = $8, latency_ms = $9, finish_reason = $10, response = $11, finished_at = clock_timestamp()
     WHERE run_id = $1 AND call_site = $2 AND attempt = $3 AND status = 'started'
     RETURNING ${RESERVATION}`,
    [f.runId, f.callSite, attempt, s.inputTokens, s.outputTokens, s.cachedInputTokens, s.reasoningTokens, s.cost, s.latencyMs, s.finishReason,
      JSON.stringify(s.response)],
  );
  if (!row) return false;
  // Without token counts from the provider the estimate stays spent.
  const tokens = s.inputTokens === null && s.outputTokens === null ? null : (s.inputTokens ?? 0) + (s.outputTokens ?? 0);
  await settle(q, f, row, { tokens, cost: s.cost });
  await appendModelEvent(q, f, attempt, 'succeeded', {
    inputTokens: s.inputTokens, outputTokens: s.outputTokens, cachedInputTokens: s.cachedInputTokens, reasoningTokens: s.reasoningTokens,
    cost: s.cost, latencyMs: s.latencyMs, finishReason: s.finishReason,
  });
  return true;
}

/** The outcome of a failed attempt. */
export interface ModelFailure {
  error: { name: string; message: string; code?: string | undefined; retryable: boolean; status?: number | undefined };
  latencyMs: number;
  /** Wait before the next attempt; null when the call fails for good. */
  retryInMs: number | null;
}

/**
 * Records a failed attempt, the planned retry (or that the call failed for good) and its
 * audit event; false when the attempt is no longer `started`.
 *
 * @example
 * ```ts
 * await db.tx(scope, (q) => recordModelFailure(q, facts, 1, { error, latencyMs: 40, retryInMs: 2000 }));
 * ```
 */
export async function recordModelFailure(q: Queryable, f: ModelCallFacts, attempt: number, x: ModelFailure): Promise<boolean> {
  const { rows: [row] } = await q.query<ReservationRow>(
    `UPDATE waymark.model_calls SET status = 'failed', error = $4, latency_ms = $5, final = $6,
            retry_at = CASE WHEN $6 THEN NULL ELSE clock_timestamp() + $7 * interval '1 millisecond' END, finished_at = clock_timestamp()
     WHERE run_id = $1 AND call_site = $2 AND attempt = $3 AND status = 'started'
     RETURNING ${RESERVATION}`,
    [f.runId, f.callSite, attempt, JSON.stringify(x.error), x.latencyMs, x.retryInMs === null, x.retryInMs ?? 0],
  );
  if (!row) return false;
  // A provider's error answer used nothing; without an answer (timeout, network) it may have: the estimate stays spent.
  await settle(q, f, row, x.error.status === undefined ? null : { tokens: 0, cost: 0 });
  await appendModelEvent(q, f, attempt, 'failed', { error: x.error, latencyMs: x.latencyMs, retryInMs: x.retryInMs });
  return true;
}

async function appendModelEvent(q: Queryable, f: ModelCallFacts, attempt: number, status: string, data: Record<string, unknown>): Promise<void> {
  await q.query(
    `INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, data) VALUES ($1, $2, 'model_called', 'workflow', $3)`,
    [f.runId, f.tenantId, JSON.stringify({ name: f.name, provider: f.provider, model: f.model, mode: f.mode, callSite: f.callSite, step: f.stepId, attempt, status, ...data })],
  );
}

/** A ledger row as read. */
export interface ModelCallRow {
  run_id: string;
  call_site: number;
  attempt: number;
  step_id: number;
  workflow: string;
  name: string;
  provider: string;
  model: string;
  mode: string;
  status: string;
  input_tokens: number | null;
  output_tokens: number | null;
  cached_input_tokens: number | null;
  reasoning_tokens: number | null;
  /** numeric, as text (exact). */
  cost: string | null;
  latency_ms: number | null;
  finish_reason: string | null;
  error: unknown;
  created_at: Date;
  finished_at: Date | null;
}

/**
 * A run's model-call attempts in order.
 *
 * @example
 * ```ts
 * const rows = await listModelCalls(q, 'default', runId);
 * ```
 */
export async function listModelCalls(q: Queryable, tenantId: string, runId: string): Promise<ModelCallRow[]> {
  const { rows } = await q.query<ModelCallRow>(
    `SELECT run_id, call_site, attempt, step_id, workflow, name, provider, model, mode, status, input_tokens, output_tokens,
            cached_input_tokens, reasoning_tokens, cost::text AS cost, latency_ms, finish_reason, error, created_at, finished_at
     FROM waymark.model_calls WHERE tenant_id = $1 AND run_id = $2 ORDER BY call_site, attempt`,
    [tenantId, runId],
  );
  return rows;
}

/** Totals of a set of attempts. */
export interface CostTotalsRow {
  key: string;
  calls: number;
  attempts: number;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  reasoning_tokens: number;
  /** numeric, as text; null when no attempt was priced. */
  cost: string | null;
  unpriced_attempts: number;
}

const TOTALS = `count(DISTINCT (run_id, call_site))::int AS calls, count(*)::int AS attempts,
  coalesce(sum(input_tokens), 0)::int AS input_tokens, coalesce(sum(output_tokens), 0)::int AS output_tokens,
  coalesce(sum(cached_input_tokens), 0)::int AS cached_input_tokens, coalesce(sum(reasoning_tokens), 0)::int AS reasoning_tokens,
  sum(cost)::text AS cost, count(*) FILTER (WHERE cost IS NULL AND input_tokens IS NOT NULL)::int AS unpriced_attempts`;

/** How {@link costTotals} groups. */
export type CostGrouping = 'workflow' | 'tenant' | 'day' | 'run';

/**
 * A tenant's model-call totals in `[from, to)`, grouped; days are UTC dates.
 *
 * @example
 * ```ts
 * const byDay = await costTotals(q, 'default', 'day', new Date('2026-01-01'), new Date('2026-02-01'));
 * ```
 */
export async function costTotals(q: Queryable, tenantId: string, groupBy: CostGrouping, from: Date | null, to: Date | null, runId?: string): Promise<CostTotalsRow[]> {
  const key = { workflow: 'workflow', tenant: 'tenant_id', day: `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`, run: 'run_id' }[groupBy];
  const { rows } = await q.query<CostTotalsRow>(
    `SELECT ${key} AS key, ${TOTALS}
     FROM waymark.model_calls
     WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
       AND ($4::text IS NULL OR run_id = $4)
     GROUP BY 1 ORDER BY 1`,
    [tenantId, from, to, runId ?? null],
  );
  return rows;
}
