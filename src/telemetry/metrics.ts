/**
 * @module telemetry/metrics
 * Waymark's in-process Prometheus counters and histograms: what happened in this process
 * (calls made, their latency, tokens, refusals, takeovers, recoveries, people stepping in).
 * One registry per process, because what is counted — the tool calls a worker made — belongs
 * to the process, however many Waymarks it embeds; Prometheus sums the processes.
 *
 * What is a state of the database rather than an event (runs per phase, in-doubt calls,
 * open dead letters, waiting runs, pending alerts) is read from the database per scrape
 * instead (`store/metrics.ts`, `http/routes-metrics.ts`), so it is right whichever process
 * answers and survives restarts.
 *
 * Labels are bounded: workflow, tool and model names (declared in code), outcomes and kinds
 * (fixed sets). Never a run id, key or tenant.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The process's registry of in-process metrics (served with the database gauges at `/metrics`). */
export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry, prefix: 'waymark_' });

const registers = [processRegistry];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The instruments primitives and services record into. */
export const metrics = {
  runsStarted: new Counter({ name: 'waymark_runs_started_total', help: 'Runs started (accepted by RunService.start), by workflow', labelNames: ['workflow'], registers }),
  runExecutions: new Counter({
    name: 'waymark_run_executions_total',
    help: 'Workflow executions that ended in this process, by workflow and outcome (succeeded, failed, cancelled, parked); a recovered run counts each execution',
    labelNames: ['workflow', 'outcome'], registers,
  }),
  stepDuration: new Histogram({
    name: 'waymark_step_duration_seconds', help: "Duration of Waymark's ledgered steps (one tool or model attempt), by kind (tool, model)",
    labelNames: ['kind'], buckets: LATENCY_BUCKETS, registers,
  }),
  toolCalls: new Counter({
    name: 'waymark_tool_calls_total',
    help: 'Tool-call attempts by tool and status (succeeded, failed, retry, timed_out, in_doubt, answered_from_ledger, reconciled)',
    labelNames: ['tool', 'status'], registers,
  }),
  toolDuration: new Histogram({
    name: 'waymark_tool_call_duration_seconds', help: 'Duration of tool executions (the tool run itself), by tool and status',
    labelNames: ['tool', 'status'], buckets: LATENCY_BUCKETS, registers,
  }),
  modelCalls: new Counter({
    name: 'waymark_model_calls_total', help: 'Model-call attempts by model and status (succeeded, failed, retry, refused, answered_from_ledger)',
    labelNames: ['model', 'status'], registers,
  }),
  modelDuration: new Histogram({
    name: 'waymark_model_call_duration_seconds', help: 'Latency of model requests, by model and status',
    labelNames: ['model', 'status'], buckets: LATENCY_BUCKETS, registers,
  }),
  modelTokens: new Counter({ name: 'waymark_model_tokens_total', help: 'Tokens used by model calls, by model and type (input, output)', labelNames: ['model', 'type'], registers }),
  modelCost: new Counter({ name: 'waymark_model_cost_total', help: 'Cost of model calls in the price table currency, by model', labelNames: ['model'], registers }),
  budgetRefusals: new Counter({
    name: 'waymark_budget_refusals_total', help: 'Model calls refused by a budget before being sent, by budget (run, workflow_day, tenant_day) and resource',
    labelNames: ['budget', 'resource'], registers,
  }),
  leaseTakeovers: new Counter({ name: 'waymark_lease_takeovers_total', help: 'Dead workers whose runs this process adopted', registers }),
  adoptedRuns: new Counter({ name: 'waymark_adopted_runs_total', help: 'Runs handed back to the queues when their dead worker was adopted', registers }),
  recoverySeconds: new Histogram({
    name: 'waymark_recovery_seconds',
    help: "Time from a worker's last heartbeat (its death) to its runs being queued again on a live worker",
    buckets: [1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800], registers,
  }),
  stepsReexecuted: new Counter({
    name: 'waymark_steps_reexecuted_total',
    help: 'Ledgered steps found interrupted by a crash and executed again after recovery, by kind (tool: taken over or reconciled, model: sent again)',
    labelNames: ['kind'], registers,
  }),
  compensations: new Counter({ name: 'waymark_compensations_total', help: 'Compensation steps run (undo of a tool call), by tool and outcome', labelNames: ['tool', 'outcome'], registers }),
  interventions: new Counter({
    name: 'waymark_interventions_total',
    help: 'Times a person stepped in, by action (in_doubt_resolved, dead_letter_retried, dead_letter_discarded, run_resumed, run_cancelled, run_forked, breaker_reset, breaker_forced_open; a dead-letter retry is also a fork)',
    labelNames: ['action'], registers,
  }),
  alertsDelivered: new Counter({ name: 'waymark_alerts_delivered_total', help: 'Alerts delivered, by kind and channel', labelNames: ['kind', 'channel'], registers }),
  alertFailures: new Counter({ name: 'waymark_alert_delivery_failures_total', help: 'Failed alert deliveries (retried later), by channel', labelNames: ['channel'], registers }),
  breakerTransitions: new Counter({
    name: 'waymark_breaker_transitions_total', help: 'Circuit-breaker transitions made by calls in this process, by breaker and kind (opened, reopened, closed)',
    labelNames: ['breaker', 'kind'], registers,
  }),
  breakerWaits: new Counter({ name: 'waymark_breaker_waits_total', help: 'Tool calls that began waiting on an open circuit breaker, by breaker', labelNames: ['breaker'], registers }),
  fallbacksUsed: new Counter({ name: 'waymark_tool_fallbacks_used_total', help: 'Calls answered by a fallback tool, by tool, fallback and reason', labelNames: ['tool', 'fallback', 'reason'], registers }),
};

/**
 * Seconds since a `performance.now()` reading.
 *
 * @example
 * ```ts
 * const t0 = performance.now();
 * metrics.stepDuration.observe({ kind: 'tool' }, secondsSince(t0));
 * ```
 */
export function secondsSince(t0: number): number {
  return (performance.now() - t0) / 1000;
}
