/**
 * @module store/budgets
 * SQL for model-call budgets (`waymark.budget_counters`): reserving an attempt's estimate
 * against its run's, workflow's and tenant's counters (locked, in that order) before it is
 * sent, settling the reservation with the actual usage after, raising a budget's limits by
 * an approval, and reading a run's budget state.
 */
import type { BudgetLimits } from '../config.js';
import type { Queryable } from './gateway.js';

/** A budget's scope. */
export type BudgetScope = 'run' | 'workflow_day' | 'tenant_day';
/** A limited quantity. */
export type BudgetResource = 'tokens' | 'cost' | 'calls';

/** A workflow's budget as stored on its runs. */
export interface StoredBudget {
  perRun?: BudgetLimits;
  perDay?: BudgetLimits;
  onExceeded?: 'fail' | 'stop' | 'ask';
  raiseBy?: BudgetLimits;
}

/** What one attempt is expected to use. */
export interface BudgetEstimate {
  tokens: number;
  /** 0 when the model has no price. */
  cost: number;
}

/** Why an attempt was refused. */
export interface BudgetRefusal {
  budget: BudgetScope;
  /** The refusing counter's key: the run id, `YYYY-MM-DD workflow` or `YYYY-MM-DD`. */
  key: string;
  resource: BudgetResource;
  limit: number;
  /** Spent plus reserved, before the attempt. */
  spent: number;
  estimate: number;
}

/** The outcome of {@link reserveBudget}. */
export type BudgetCheck =
  /** The estimate is reserved on the counters of `day` (UTC, `YYYY-MM-DD`). */
  | { kind: 'reserved'; day: string }
  /** A limit would be passed; nothing was reserved. */
  | { kind: 'refused'; refusal: BudgetRefusal; policy: 'fail' | 'stop' | 'ask'; raiseBy: BudgetLimits | undefined }
  /** Not a Waymark run (no run row): no budget applies. */
  | { kind: 'untracked' };

interface CounterRow {
  scope: BudgetScope;
  limit_tokens: string | null;
  limit_cost: string | null;
  limit_calls: number | null;
  reserved_tokens: string;
  reserved_cost: string;
  reserved_calls: number;
  spent_tokens: string;
  spent_cost: string;
  spent_calls: number;
}

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

/**
 * Locks the counters of a run, its workflow's UTC day and its tenant's UTC day (made when
 * missing; the day's limits set from the current declaration and configuration) and reserves
 * `estimate` (and one call) on all three, unless it would pass a limit.
 *
 * @example
 * ```ts
 * const check = await reserveBudget(q, { tenantId, runId, tenantDaily: { cost: 50 }, estimate: { tokens: 900, cost: 0.002 } });
 * if (check.kind === 'refused') throw new BudgetExceededError({ ...check.refusal, model });
 * ```
 */
export async function reserveBudget(
  q: Queryable,
  r: { tenantId: string; runId: string; tenantDaily: BudgetLimits | undefined; estimate: BudgetEstimate },
): Promise<BudgetCheck> {
  const { rows } = await q.query<{ workflow: string; budget: StoredBudget | null; day: string }>(
    `SELECT r.workflow, coalesce(r.budget, o.budget) AS budget, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day
     FROM waymark.runs r LEFT JOIN waymark.runs o ON o.id = r.origin_run_id WHERE r.id = $1`,
    [r.runId],
  );
  const run = rows[0];
  if (!run) return { kind: 'untracked' };
  const budget = run.budget ?? {};
  const scopes: { scope: BudgetScope; key: string; limits: BudgetLimits | undefined; keepLimits: boolean }[] = [
    // A run's limits are set once (an approved raise changes them); a day's follow the current
    // settings, plus what approvals raised them by that day.
    { scope: 'run', key: r.runId, limits: budget.perRun, keepLimits: true },
    { scope: 'workflow_day', key: `${run.day} ${run.workflow}`, limits: budget.perDay, keepLimits: false },
    { scope: 'tenant_day', key: run.day, limits: r.tenantDaily, keepLimits: false },
  ];
  const want: Record<BudgetResource, number> = { tokens: r.estimate.tokens, cost: r.estimate.cost, calls: 1 };
  let refusal: BudgetRefusal | undefined;
  for (const s of scopes) {
    const { rows: [c] } = await q.query<CounterRow>(
      `INSERT INTO waymark.budget_counters AS c (tenant_id, scope, key, limit_tokens, limit_cost, limit_calls)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, scope, key) DO UPDATE SET
         limit_tokens = CASE WHEN $7 THEN c.limit_tokens ELSE EXCLUDED.limit_tokens + c.raised_tokens END,
         limit_cost = CASE WHEN $7 THEN c.limit_cost ELSE EXCLUDED.limit_cost + c.raised_cost END,
         limit_calls = CASE WHEN $7 THEN c.limit_calls ELSE EXCLUDED.limit_calls + c.raised_calls END
       RETURNING scope, limit_tokens, limit_cost, limit_calls, reserved_tokens, reserved_cost, reserved_calls, spent_tokens, spent_cost, spent_calls`,
      [r.tenantId, s.scope, s.key, s.limits?.tokens ?? null, s.limits?.cost ?? null, s.limits?.calls ?? null, s.keepLimits],
    );
    if (refusal) continue; // still lock every counter, in order, like every other transaction
    for (const resource of ['tokens', 'cost', 'calls'] as const) {
      const limit = num(c![`limit_${resource}`]);
      if (limit === null) continue;
      const spent = Math.round((Number(c![`spent_${resource}`]) + Number(c![`reserved_${resource}`])) * 1e10) / 1e10;
      if (spent + want[resource] > limit) {
        refusal = { budget: s.scope, key: s.key, resource, limit, spent, estimate: want[resource] };
        break;
      }
    }
  }
  if (refusal) return { kind: 'refused', refusal, policy: budget.onExceeded ?? 'fail', raiseBy: budget.raiseBy };
  for (const s of scopes) {
    await q.query(
      `UPDATE waymark.budget_counters SET reserved_tokens = reserved_tokens + $4, reserved_cost = reserved_cost + $5, reserved_calls = reserved_calls + 1,
              updated_at = clock_timestamp()
       WHERE tenant_id = $1 AND scope = $2 AND key = $3`,
      [r.tenantId, s.scope, s.key, want.tokens, want.cost],
    );
  }
  return { kind: 'reserved', day: run.day };
}

/** An attempt's reservation and what it actually used. */
export interface BudgetSettlement {
  tenantId: string;
  runId: string;
  workflow: string;
  /** The UTC day the reservation was made on. */
  day: string;
  reservedTokens: number;
  reservedCost: number;
  tokens: number;
  cost: number;
}

/**
 * Replaces an attempt's reservation by its actual usage on its three counters (in the order
 * {@link reserveBudget} locks them).
 *
 * @example
 * ```ts
 * await settleBudget(q, { tenantId, runId, workflow, day, reservedTokens: 900, reservedCost: 0.002, tokens: 640, cost: 0.0011 });
 * ```
 */
export async function settleBudget(q: Queryable, s: BudgetSettlement): Promise<void> {
  const keys: [BudgetScope, string][] = [['run', s.runId], ['workflow_day', `${s.day} ${s.workflow}`], ['tenant_day', s.day]];
  for (const [scope, key] of keys) {
    await q.query(
      `UPDATE waymark.budget_counters SET reserved_tokens = reserved_tokens - $4, reserved_cost = reserved_cost - $5, reserved_calls = reserved_calls - 1,
              spent_tokens = spent_tokens + $6, spent_cost = spent_cost + $7, spent_calls = spent_calls + 1, updated_at = clock_timestamp()
       WHERE tenant_id = $1 AND scope = $2 AND key = $3`,
      [s.tenantId, scope, key, s.reservedTokens, s.reservedCost, s.tokens, s.cost],
    );
  }
}

/** An approved raise of one budget counter's limits. */
export interface BudgetRaise {
  tenantId: string;
  /** The run that asked: the `budget_raised` event goes on its audit trail. */
  runId: string;
  scope: BudgetScope;
  /** The counter's key (the refusal's). */
  key: string;
  by: BudgetLimits;
  actor: string;
  approvalId: string;
}

/**
 * Adds `by` to a counter's limits (those it has) and records a `budget_raised` event on the
 * asking run, once per approval: a raise already recorded for `approvalId` (its step ran
 * before a crash lost the checkpoint) is not applied again. A day counter keeps the raise in
 * `raised_*`, which each call adds to the declared or configured limits, so it holds for that
 * day only. Returns whether this call raised them.
 *
 * @example
 * ```ts
 * await raiseBudget(q, { tenantId: 'default', runId, scope: 'tenant_day', key: '2026-03-01', by: { tokens: 10_000 }, actor: 'ada', approvalId });
 * ```
 */
export async function raiseBudget(q: Queryable, r: BudgetRaise): Promise<boolean> {
  // The counter's lock orders concurrent executions of the same raise (a takeover) before the check.
  await q.query(`SELECT 1 FROM waymark.budget_counters WHERE tenant_id = $1 AND scope = $2 AND key = $3 FOR UPDATE`, [r.tenantId, r.scope, r.key]);
  const { rowCount } = await q.query(
    `SELECT 1 FROM waymark.run_events WHERE run_id = $1 AND kind = 'budget_raised' AND data->>'approvalId' = $2`,
    [r.runId, r.approvalId],
  );
  if (rowCount) return false;
  await q.query(
    `UPDATE waymark.budget_counters SET limit_tokens = limit_tokens + $4, limit_cost = limit_cost + $5, limit_calls = limit_calls + $6,
            raised_tokens = raised_tokens + CASE WHEN limit_tokens IS NULL THEN 0 ELSE $4 END,
            raised_cost = raised_cost + CASE WHEN limit_cost IS NULL THEN 0 ELSE $5 END,
            raised_calls = raised_calls + CASE WHEN limit_calls IS NULL THEN 0 ELSE $6 END, updated_at = clock_timestamp()
     WHERE tenant_id = $1 AND scope = $2 AND key = $3`,
    [r.tenantId, r.scope, r.key, r.by.tokens ?? 0, r.by.cost ?? 0, r.by.calls ?? 0],
  );
  await appendBudgetEvent(q, r.tenantId, r.runId, 'budget_raised', r.actor, { budget: r.scope, key: r.key, raiseBy: r.by, approvalId: r.approvalId });
  return true;
}

/**
 * Appends a budget event (`budget_exceeded`, `budget_raised`) to a run's audit trail.
 *
 * @example
 * ```ts
 * await appendBudgetEvent(q, 'default', runId, 'budget_exceeded', 'workflow', { budget: 'run', resource: 'tokens' });
 * ```
 */
export async function appendBudgetEvent(q: Queryable, tenantId: string, runId: string, kind: 'budget_exceeded' | 'budget_raised', actor: string, data: Record<string, unknown>): Promise<void> {
  await q.query(`INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, data) VALUES ($1, $2, $3, $4, $5)`, [runId, tenantId, kind, actor, JSON.stringify(data)]);
}

/** One budget counter as clients see it. */
export interface BudgetCounterView {
  scope: BudgetScope;
  /** The run id, `YYYY-MM-DD workflow` or `YYYY-MM-DD`. */
  key: string;
  limits: { tokens: number | null; cost: number | null; calls: number | null };
  /** Estimates of attempts in flight. */
  reserved: { tokens: number; cost: number; calls: number };
  /** Settled usage (an interrupted attempt at its estimate). */
  spent: { tokens: number; cost: number; calls: number };
}

/**
 * A run's budget counters: its own, and today's (UTC) of its workflow and tenant; those with
 * no model call yet are absent.
 *
 * @example
 * ```ts
 * const counters = await runBudgetState(q, 'default', runId);
 * ```
 */
export async function runBudgetState(q: Queryable, tenantId: string, runId: string): Promise<BudgetCounterView[]> {
  const { rows } = await q.query<CounterRow & { key: string }>(
    `WITH d AS (SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day)
     SELECT c.scope, c.key, c.limit_tokens, c.limit_cost, c.limit_calls, c.reserved_tokens, c.reserved_cost, c.reserved_calls, c.spent_tokens, c.spent_cost, c.spent_calls
     FROM waymark.runs r, d, waymark.budget_counters c
     WHERE r.id = $2 AND r.tenant_id = $1 AND c.tenant_id = $1
       AND ((c.scope = 'run' AND c.key = r.id) OR (c.scope = 'workflow_day' AND c.key = d.day || ' ' || r.workflow) OR (c.scope = 'tenant_day' AND c.key = d.day))
     ORDER BY array_position(ARRAY['run', 'workflow_day', 'tenant_day'], c.scope)`,
    [tenantId, runId],
  );
  return rows.map((c) => ({
    scope: c.scope,
    key: c.key,
    limits: { tokens: num(c.limit_tokens), cost: num(c.limit_cost), calls: c.limit_calls },
    reserved: { tokens: Number(c.reserved_tokens), cost: Number(c.reserved_cost), calls: c.reserved_calls },
    spent: { tokens: Number(c.spent_tokens), cost: Number(c.spent_cost), calls: c.spent_calls },
  }));
}
