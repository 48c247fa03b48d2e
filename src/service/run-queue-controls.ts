/**
 * @module service/run-queue-controls
 * The queue controls of one start: priority, partition key, deduplication id and debounce.
 * Checked before the transaction (a bad combination is a 422 that writes nothing); inside it,
 * a deduplication id is checked against the runs that have not ended, and a debounced start
 * folds into the delayed run of its key, each under a per-key lock so that concurrent starts
 * agree on one run.
 */
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { isPartitioned } from '../agent/workflow-queues.js';
import type { WorkflowDefinition } from '../agent/workflows.js';
import { ConflictError, ValidationError } from '../errors.js';
import type { Scope } from '../scope.js';
import type { Tx } from '../store/gateway.js';
import { activeDeduplicatedRun, delayedDebouncedRun, foldIntoDelayedRun, lockStartKey, type RunQueueFields } from '../store/run-queue.js';

/** Priority of a run started without one. */
export const DEFAULT_PRIORITY = 500;
/** The lowest priority (runs last); 0 is the highest. */
export const MAX_PRIORITY = 1000;
const KEY = /^[\x21-\x7e]{1,255}$/;
const MAX_DEBOUNCE_MS = 7 * 86_400_000;

/** Queue controls a start may carry. */
export interface QueueControls {
  /** 0 (runs first) to 1000 (runs last); default 500. Orders the queued runs of one tenant on one queue. */
  priority?: number | undefined;
  /** The partition of a workflow declared partitioned (`customer:42`); required for those, refused for others. */
  partitionKey?: string | undefined;
  /** While a run of this workflow with this id has not ended, another start with it is refused (409 `run_deduplicated`). */
  deduplicationId?: string | undefined;
  /**
   * Starts with this key within `delayMs` of each other fold into one run: it executes once,
   * `delayMs` after the last of them, with the latest input.
   */
  debounce?: { key: string; delayMs: number } | undefined;
}

/** Queue controls as checked, with what DBOS is given. */
export interface CheckedQueueControls {
  queueName: string;
  priority: number;
  partitionKey: string | null;
  deduplicationId: string | null;
  debounce: { key: string; delayMs: number } | null;
  /** Whether the run row records anything beyond the defaults. */
  recorded: boolean;
}

/**
 * Checks a start's queue controls against its workflow; throws `partition_key_required` or
 * `invalid_queue_options` (422) before anything is written.
 *
 * @example
 * ```ts
 * const c = checkQueueControls(def, { priority: 10, partitionKey: 'customer:42' });
 * ```
 */
export function checkQueueControls(def: WorkflowDefinition, c: QueueControls = {}): CheckedQueueControls {
  const bad = (message: string): ValidationError => new ValidationError(message, undefined, 'invalid_queue_options');
  if (c.priority !== undefined && (!Number.isInteger(c.priority) || c.priority < 0 || c.priority > MAX_PRIORITY)) {
    throw bad(`priority must be an integer from 0 (runs first) to ${MAX_PRIORITY} (runs last); the default is ${DEFAULT_PRIORITY}`);
  }
  for (const [name, value] of [['partitionKey', c.partitionKey], ['deduplicationId', c.deduplicationId], ['debounce.key', c.debounce?.key]] as const) {
    if (value !== undefined && !KEY.test(value)) throw bad(`${name} must be 1-255 printable ASCII characters without spaces`);
  }
  if (isPartitioned(def.queue)) {
    if (c.partitionKey === undefined) {
      throw new ValidationError(
        `Workflow '${def.name}' is partitioned (its queue limits runs per partition key): start it with a partitionKey, e.g. 'customer:42'`,
        { workflow: def.name }, 'partition_key_required',
      );
    }
  } else if (c.partitionKey !== undefined) {
    throw bad(`Workflow '${def.name}' is not partitioned: declare queue.partitionConcurrency (or partitionRateLimit) on it to start its runs with a partitionKey`);
  }
  if (c.debounce !== undefined) {
    const { delayMs } = c.debounce;
    if (!Number.isInteger(delayMs) || delayMs < 1 || delayMs > MAX_DEBOUNCE_MS) throw bad(`debounce.delayMs must be an integer from 1 to ${MAX_DEBOUNCE_MS} (7 days)`);
    if (c.deduplicationId !== undefined) throw bad('debounce and deduplicationId exclude each other: a debounced start already folds into the waiting run of its key');
    // A fold replaces the stored input; sealed secret fields would have to be sealed again with it.
    if (def.secretInputPaths.length > 0) throw bad(`Workflow '${def.name}' has secret input fields: its starts cannot be debounced`);
  }
  return {
    queueName: def.queueName,
    priority: c.priority ?? DEFAULT_PRIORITY,
    partitionKey: c.partitionKey ?? null,
    deduplicationId: c.deduplicationId ?? null,
    debounce: c.debounce ?? null,
    recorded: def.queue !== undefined || c.priority !== undefined || c.partitionKey !== undefined || c.deduplicationId !== undefined || c.debounce !== undefined,
  };
}

/**
 * DBOS's partition key of a run: its tenant, and its partition key for a partitioned workflow
 * (tenants never share a partition). The tenant's length leads, so no two pairs collide.
 *
 * @example
 * ```ts
 * dbosPartitionKey('acme', 'customer:42'); // '4:acme/customer:42'
 * dbosPartitionKey('acme', null);          // 'acme'
 * ```
 */
export function dbosPartitionKey(tenantId: string, partitionKey: string | null): string {
  return partitionKey === null ? tenantId : `${tenantId.length}:${tenantId}/${partitionKey}`;
}

/**
 * What the run row records (migration 022).
 *
 * @example
 * ```ts
 * await recordRunQueue(q, id, queueFields(checked));
 * ```
 */
export function queueFields(c: CheckedQueueControls): RunQueueFields {
  return {
    queueName: c.queueName,
    priority: c.priority,
    partitionKey: c.partitionKey,
    deduplicationId: c.deduplicationId,
    debounceKey: c.debounce?.key ?? null,
  };
}

/**
 * Refuses a start whose deduplication id a run that has not ended holds (`run_deduplicated`,
 * 409, naming it). Call inside the start's transaction: the key's lock is held until it ends,
 * so of two concurrent starts one creates the run and the other is refused.
 *
 * @example
 * ```ts
 * await refuseDeduplicated(q, scope, def.name, 'doc-42');
 * ```
 */
export async function refuseDeduplicated(q: Tx, scope: Scope, workflow: string, deduplicationId: string): Promise<void> {
  await lockStartKey(q, scope.tenantId, workflow, 'dedup', deduplicationId);
  const holder = await activeDeduplicatedRun(q, scope.tenantId, workflow, deduplicationId);
  if (holder !== undefined) {
    throw new ConflictError(
      'run_deduplicated',
      `Run ${holder} of workflow '${workflow}' with deduplicationId '${deduplicationId}' has not ended; this start was refused (start again once it has ended, or follow run ${holder})`,
      { runId: holder, deduplicationId },
    );
  }
}

/** A debounced start to fold. */
export interface DebouncedStart {
  workflow: string;
  debounce: { key: string; delayMs: number };
  /** The input as stored and as the workflow receives it (DBOS stores the latter's arguments). */
  stored: unknown;
  requestHash: string;
}

/**
 * Folds a debounced start into the delayed run of its key, if there is one: that run's input
 * becomes this start's and its delay starts again. Returns the run's id, or undefined when
 * there is none (the caller starts a run, delayed, holding the key until it is dispatched).
 * Call inside the start's transaction (the key's lock is held until it ends).
 *
 * @example
 * ```ts
 * const folded = await foldDebounced(dbos, q, scope, { workflow: 'reindex', debounce: { key: 'doc-42', delayMs: 5000 }, stored, requestHash });
 * ```
 */
export async function foldDebounced(dbos: Pick<DBOSClient, 'serializer'>, q: Tx, scope: Scope, s: DebouncedStart): Promise<string | undefined> {
  await lockStartKey(q, scope.tenantId, s.workflow, 'debounce', s.debounce.key);
  const runId = await delayedDebouncedRun(q, scope.tenantId, s.workflow, s.debounce.key);
  if (runId === undefined) return undefined;
  // The arguments as DBOS's enqueue serialized them (one positional argument), with its serializer.
  const serializedArgs = await dbos.serializer.stringify([s.stored]);
  const folded = await foldIntoDelayedRun(q, {
    runId, stored: s.stored, serializedArgs, serialization: dbos.serializer.name(), delayUntilMs: Date.now() + s.debounce.delayMs, requestHash: s.requestHash,
  });
  return folded ? runId : undefined;
}
