/**
 * @module agent/workflow-queues
 * A workflow's queue declaration (`queue: { concurrency, rateLimit, partitionConcurrency, ... }`):
 * checked once when the workflow is declared, and turned into the DBOS queue every worker
 * registers for it. A workflow that declares limits gets a queue of its own, named after it
 * (`waymark_wf_<name>`), so its limits hold across all workers; the others share `waymark_runs`.
 */
import { z } from 'zod';
import { toMs, type Duration } from '../durations.js';
import { WaymarkError } from '../errors.js';
import { RUN_QUEUE, type RunQueueLimits } from '../runtime/run-queues.js';

/** A rate limit: at most `limit` runs start per `periodMs` (ms or e.g. `'1m'`), counted across all workers. */
export interface QueueRateLimit {
  limit: number;
  periodMs: Duration;
}

/**
 * Limits on the runs of one workflow, across all workers. Declaring any of them gives the
 * workflow a DBOS queue of its own; its runs no longer share the slots of `waymark_runs`.
 *
 * @example
 * ```ts
 * @Waymark.workflow({ name: 'invoice-intake', description: '...', input: Invoice,
 *   queue: { concurrency: 5, rateLimit: { limit: 10, periodMs: '1m' }, partitionConcurrency: 1 } })
 * ```
 */
export interface WorkflowQueueOptions {
  /** Runs of this workflow executing at once across all workers. */
  concurrency?: number;
  /** Runs of this workflow one worker executes at once (default `WAYMARK_CONCURRENCY`, at most `concurrency`). */
  workerConcurrency?: number;
  /** Runs of this workflow started per period across all workers. */
  rateLimit?: QueueRateLimit;
  /**
   * Runs executing at once per partition key across all workers (1: one run per key at a time).
   * Declaring it makes the workflow partitioned: every start must give a `partitionKey`.
   */
  partitionConcurrency?: number;
  /** Runs started per period per partition key; also makes the workflow partitioned. */
  partitionRateLimit?: QueueRateLimit;
}

/** A queue declaration as checked: periods in ms. */
export interface WorkflowQueueSpec {
  concurrency?: number;
  workerConcurrency?: number;
  rateLimit?: { limit: number; periodMs: number };
  partitionConcurrency?: number;
  partitionRateLimit?: { limit: number; periodMs: number };
}

const Count = z.number().int().min(1).max(1_000_000);
const RateLimitSchema = z.strictObject({ limit: Count, periodMs: z.union([z.number(), z.string()]) });
const QueueOptionsSchema = z.strictObject({
  concurrency: Count.optional(),
  workerConcurrency: Count.optional(),
  rateLimit: RateLimitSchema.optional(),
  partitionConcurrency: Count.optional(),
  partitionRateLimit: RateLimitSchema.optional(),
});

/** Prefix of the queues of workflows that declare limits; the rest of the name is the workflow's. */
export const WORKFLOW_QUEUE_PREFIX = 'waymark_wf_';

/**
 * The DBOS queue a workflow's runs go to: its own when it declares limits, else the shared one.
 *
 * @example
 * ```ts
 * runQueueName('invoice-intake', { concurrency: 5 }); // 'waymark_wf_invoice-intake'
 * runQueueName('greet', undefined);                   // 'waymark_runs'
 * ```
 */
export function runQueueName(workflow: string, spec: WorkflowQueueSpec | undefined): string {
  return spec ? `${WORKFLOW_QUEUE_PREFIX}${workflow}` : RUN_QUEUE;
}

/**
 * Checks a workflow's queue declaration; throws `invalid_workflow` naming what is wrong.
 *
 * @example
 * ```ts
 * const spec = checkQueueOptions("Workflow 'ocr'", { concurrency: 2, rateLimit: { limit: 10, periodMs: '1m' } });
 * ```
 */
export function checkQueueOptions(where: string, options: WorkflowQueueOptions | undefined): WorkflowQueueSpec | undefined {
  if (options === undefined) return undefined;
  const parsed = QueueOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new WaymarkError('invalid_workflow', `${where}: queue is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const o = parsed.data;
  const period = (r: { limit: number; periodMs: string | number } | undefined, what: string): { limit: number; periodMs: number } | undefined => {
    if (!r) return undefined;
    const periodMs = toMs(r.periodMs as Duration, `${where}: ${what}.periodMs`);
    if (periodMs < 100) throw new WaymarkError('invalid_workflow', `${where}: ${what}.periodMs must be at least 100 ms`);
    return { limit: r.limit, periodMs };
  };
  const spec: WorkflowQueueSpec = {
    concurrency: o.concurrency,
    workerConcurrency: o.workerConcurrency,
    rateLimit: period(o.rateLimit, 'queue.rateLimit'),
    partitionConcurrency: o.partitionConcurrency,
    partitionRateLimit: period(o.partitionRateLimit, 'queue.partitionRateLimit'),
  };
  if (spec.concurrency !== undefined && spec.workerConcurrency !== undefined && spec.workerConcurrency > spec.concurrency) {
    throw new WaymarkError('invalid_workflow', `${where}: queue.workerConcurrency (${spec.workerConcurrency}) cannot exceed queue.concurrency (${spec.concurrency})`);
  }
  if (spec.concurrency !== undefined && spec.partitionConcurrency !== undefined && spec.partitionConcurrency > spec.concurrency) {
    throw new WaymarkError('invalid_workflow', `${where}: queue.partitionConcurrency (${spec.partitionConcurrency}) cannot exceed queue.concurrency (${spec.concurrency})`);
  }
  return spec;
}

/**
 * Whether runs of a workflow with this declaration need a partition key at start.
 *
 * @example
 * ```ts
 * isPartitioned({ partitionConcurrency: 1 }); // true
 * ```
 */
export function isPartitioned(spec: WorkflowQueueSpec | undefined): boolean {
  return spec?.partitionConcurrency !== undefined || spec?.partitionRateLimit !== undefined;
}

/** A queue-wide limit that never binds (see {@link workflowQueueLimits}). */
const UNBOUNDED_CONCURRENCY = 2_147_483_647;

/**
 * The DBOS limits of a workflow's own queue. A workflow that is not declared partitioned is
 * partitioned by tenant, as the shared queue is: one tenant takes at most `tenantConcurrency`
 * of a worker's slots for it (0: up to all of them). A partitioned one gets a queue-wide limit
 * that never binds, so that DBOS claims its runs under SERIALIZABLE isolation.
 *
 * @example
 * ```ts
 * workflowQueueLimits({ concurrency: 5 }, { concurrency: 1000, tenantConcurrency: 0 });
 * // { globalConcurrency: 5, workerConcurrency: 5, partitionWorkerConcurrency: 5 }
 * ```
 */
export function workflowQueueLimits(spec: WorkflowQueueSpec, worker: { concurrency: number; tenantConcurrency: number }): RunQueueLimits {
  const workerConcurrency = Math.min(spec.workerConcurrency ?? worker.concurrency, spec.concurrency ?? Infinity);
  const rate = (r: { limit: number; periodMs: number } | undefined): RunQueueLimits['rateLimit'] =>
    r ? { limitPerPeriod: r.limit, periodSec: r.periodMs / 1000 } : undefined;
  const limits: RunQueueLimits = {
    workerConcurrency,
    globalConcurrency: spec.concurrency,
    rateLimit: rate(spec.rateLimit),
    partitionConcurrency: spec.partitionConcurrency,
    partitionRateLimit: rate(spec.partitionRateLimit),
  };
  if (!isPartitioned(spec)) {
    const share = worker.tenantConcurrency > 0 ? worker.tenantConcurrency : workerConcurrency;
    limits.partitionWorkerConcurrency = Math.min(share, workerConcurrency);
  } else if (limits.globalConcurrency === undefined && limits.rateLimit === undefined) {
    // DBOS 5.3 claims a partitioned queue under REPEATABLE READ when it has no queue-wide limit:
    // two workers whose snapshots differ (a run enqueued with an earlier created_at but committed
    // later) each count no run executing in the partition and lock different rows, so two run at
    // once. A queue-wide limit makes it claim under SERIALIZABLE, where Postgres aborts one of
    // them (DBOS retries with backoff). This limit is only that switch: it never binds.
    limits.globalConcurrency = UNBOUNDED_CONCURRENCY;
  }
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}
