/**
 * @module runtime/run-queues
 * The DBOS queues runs go to, registered on every worker after launch: the shared queue
 * `waymark_runs`, and one queue per workflow that declares limits. Every run queue is
 * partitioned: by tenant (a tenant's burst takes at most `WAYMARK_TENANT_CONCURRENCY` of a
 * worker's slots, and each poll visits the waiting tenants in random order), or, for a workflow
 * declared partitioned, by tenant and the run's partition key. Migration 022 fills in the
 * tenant for any enqueue that names no key, so nothing waits for ever on a partitioned queue.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';

/** The DBOS queue every Waymark run is enqueued on unless its workflow declares limits. */
export const RUN_QUEUE = 'waymark_runs';

/** A queue's limits, as DBOS takes them. */
export interface RunQueueLimits {
  workerConcurrency?: number;
  globalConcurrency?: number;
  rateLimit?: { limitPerPeriod: number; periodSec: number };
  partitionConcurrency?: number;
  partitionWorkerConcurrency?: number;
  partitionRateLimit?: { limitPerPeriod: number; periodSec: number };
}

/** A queue to register on this worker. */
export interface RunQueueSpec {
  name: string;
  limits: RunQueueLimits;
}

/**
 * The shared queue's limits: `concurrency` runs per worker, at most `tenantConcurrency` of them
 * of one tenant (0: no reserve, fairness by the random order of each poll only).
 *
 * @example
 * ```ts
 * sharedQueueLimits(1000, 0); // { workerConcurrency: 1000, partitionWorkerConcurrency: 1000 }
 * ```
 */
export function sharedQueueLimits(concurrency: number, tenantConcurrency: number): RunQueueLimits {
  return { workerConcurrency: concurrency, partitionWorkerConcurrency: tenantConcurrency > 0 ? Math.min(tenantConcurrency, concurrency) : concurrency };
}

/**
 * Registers run queues (after DBOS launched). Enqueueing to a queue no worker registered is
 * accepted and never runs, so every worker registers every queue its workflows use.
 *
 * @example
 * ```ts
 * await registerRunQueues([{ name: RUN_QUEUE, limits: sharedQueueLimits(10, 0) }], 100);
 * ```
 */
export async function registerRunQueues(queues: readonly RunQueueSpec[], pollMs: number): Promise<void> {
  for (const q of queues) await DBOS.registerQueue(q.name, { ...q.limits, minPollingIntervalMs: pollMs });
}
