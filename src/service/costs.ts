/**
 * @module service/costs
 * Reading the model-call cost ledger: one run's calls and totals, and a tenant's totals by
 * workflow, tenant or day over a period.
 */
import { NotFoundError, ValidationError } from '../errors.js';
import type { Scope } from '../scope.js';
import type { Database } from '../store/gateway.js';
import { runBudgetState, type BudgetCounterView } from '../store/budgets.js';
import { costTotals, listModelCalls, type CostTotalsRow, type ModelCallRow } from '../store/model-calls.js';
import { getRun } from '../store/runs.js';

/** Token and cost totals of a set of model calls. */
export interface CostTotals {
  /** Model calls (an attempt retried or re-issued counts once). */
  calls: number;
  /** Attempts sent, retries and re-issues after a crash included. */
  attempts: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  /** The sum of the priced attempts, in the price table's currency; null when none was priced. */
  cost: number | null;
  /** Answered attempts of models without a price (not in `cost`). */
  unpricedAttempts: number;
}

/** One attempt of a model call, as clients see it. */
export interface ModelCallView {
  callSite: number;
  attempt: number;
  stepId: number;
  name: string;
  provider: string;
  model: string;
  mode: string;
  status: string;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  reasoningTokens: number | null;
  cost: number | null;
  latencyMs: number | null;
  finishReason: string | null;
  error: unknown;
  createdAt: string;
  finishedAt: string | null;
}

/** A run's cost. */
export interface RunCostView {
  runId: string;
  workflow: string;
  totals: CostTotals;
  calls: ModelCallView[];
  /**
   * The budget counters the run's model calls are checked against: the run's own, and today's
   * (UTC) of its workflow and its tenant, each with its limits (null: none), the estimates
   * reserved by calls in flight and the settled spend. A counter appears with the first call.
   */
  budgets: BudgetCounterView[];
}

/** Totals of one group of a cost report. */
export interface CostGroupView extends CostTotals {
  /** The workflow name, tenant id or UTC day (`YYYY-MM-DD`). */
  key: string;
}

/** A cost report's question. */
export interface CostQuery {
  groupBy: 'workflow' | 'tenant' | 'day';
  /** Inclusive start (default: no limit). */
  from?: Date | undefined;
  /** Exclusive end (default: no limit). */
  to?: Date | undefined;
}

/** A cost report. */
export interface CostReport {
  groupBy: CostQuery['groupBy'];
  from: string | null;
  to: string | null;
  groups: CostGroupView[];
  totals: CostTotals;
}

const EMPTY: CostTotals = { calls: 0, attempts: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0, cost: null, unpricedAttempts: 0 };

/**
 * Cost-ledger reads for the API and embedding applications, always within the caller's tenant.
 *
 * @example
 * ```ts
 * const { totals } = await costs.forRun(scope, runId);
 * const byDay = await costs.report(scope, { groupBy: 'day', from: new Date('2026-01-01') });
 * ```
 */
export class CostService {
  readonly #db: Database;

  constructor(deps: { db: Database }) {
    this.#db = deps.db;
  }

  /** A run's model calls (one entry per attempt) and their totals. */
  async forRun(scope: Scope, runId: string): Promise<RunCostView> {
    return this.#db.read(scope, async (q) => {
      const run = await getRun(q, scope.tenantId, runId);
      if (!run) throw new NotFoundError('run_not_found', `No run with id '${runId}'`);
      const rows = await listModelCalls(q, scope.tenantId, runId);
      const totals = await costTotals(q, scope.tenantId, 'run', null, null, runId);
      const budgets = await runBudgetState(q, scope.tenantId, runId);
      return { runId, workflow: run.workflow, totals: totals[0] ? toTotals(totals[0]) : EMPTY, calls: rows.map(toView), budgets };
    });
  }

  /** The caller's tenant's totals in `[from, to)`, by workflow, tenant or UTC day. */
  async report(scope: Scope, query: CostQuery): Promise<CostReport> {
    if (query.from && query.to && query.from >= query.to) {
      throw new ValidationError("'from' must be before 'to'", { issues: [{ in: 'query', path: ['from'], message: 'must be before to' }] }, 'invalid_query');
    }
    const rows = await this.#db.read(scope, (q) => costTotals(q, scope.tenantId, query.groupBy, query.from ?? null, query.to ?? null));
    const groups = rows.map((r) => ({ key: r.key, ...toTotals(r) }));
    return { groupBy: query.groupBy, from: query.from?.toISOString() ?? null, to: query.to?.toISOString() ?? null, groups, totals: sum(groups) };
  }
}

function toTotals(r: CostTotalsRow): CostTotals {
  return {
    calls: r.calls, attempts: r.attempts, inputTokens: r.input_tokens, outputTokens: r.output_tokens, cachedInputTokens: r.cached_input_tokens,
    reasoningTokens: r.reasoning_tokens, cost: r.cost === null ? null : Number(r.cost), unpricedAttempts: r.unpriced_attempts,
  };
}

function sum(groups: readonly CostTotals[]): CostTotals {
  return groups.reduce<CostTotals>(
    (t, g) => ({
      calls: t.calls + g.calls, attempts: t.attempts + g.attempts, inputTokens: t.inputTokens + g.inputTokens, outputTokens: t.outputTokens + g.outputTokens,
      cachedInputTokens: t.cachedInputTokens + g.cachedInputTokens, reasoningTokens: t.reasoningTokens + g.reasoningTokens,
      cost: t.cost === null && g.cost === null ? null : Math.round(((t.cost ?? 0) + (g.cost ?? 0)) * 1e10) / 1e10,
      unpricedAttempts: t.unpricedAttempts + g.unpricedAttempts,
    }),
    EMPTY,
  );
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toView(r: ModelCallRow): ModelCallView {
  return {
    callSite: r.call_site, attempt: r.attempt, stepId: r.step_id, name: r.name, provider: r.provider, model: r.model, mode: r.mode, status: r.status,
    inputTokens: r.input_tokens, outputTokens: r.output_tokens, cachedInputTokens: r.cached_input_tokens, reasoningTokens: r.reasoning_tokens,
    cost: r.cost === null ? null : Number(r.cost), latencyMs: r.latency_ms, finishReason: r.finish_reason, error: r.error,
    createdAt: r.created_at.toISOString(), finishedAt: iso(r.finished_at),
  };
}
