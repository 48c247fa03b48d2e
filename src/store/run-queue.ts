/**
 * @module store/run-queue
 * SQL of runs' queue controls (migration 022): the per-key locks that serialise starts with the
 * same deduplication id or debounce key, the run holding a deduplication id, the delayed run a
 * debounce key folds into (and the fold: its input and delay, DBOS's row with ours), and the
 * queues runs are resumed onto.
 */
import type { Queryable } from './gateway.js';

/**
 * Serialises, until the transaction ends, the starts of a tenant's workflow with one
 * deduplication id or debounce key (`kind`), so that exactly one of two concurrent starts
 * creates the run.
 *
 * @example
 * ```ts
 * await lockStartKey(q, 'default', 'ocr', 'dedup', 'doc-42');
 * ```
 */
export async function lockStartKey(q: Queryable, tenantId: string, workflow: string, kind: 'dedup' | 'debounce', key: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 22))', [JSON.stringify([kind, tenantId, workflow, key])]);
}

/**
 * The run of a tenant's workflow holding a deduplication id: one that has not ended (queued,
 * delayed, executing, or waiting, parked included).
 *
 * @example
 * ```ts
 * const holder = await activeDeduplicatedRun(q, 'default', 'ocr', 'doc-42');
 * ```
 */
export async function activeDeduplicatedRun(q: Queryable, tenantId: string, workflow: string, deduplicationId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT r.id FROM waymark.runs r JOIN dbos.workflow_status s ON s.workflow_uuid = r.id
      WHERE r.tenant_id = $1 AND r.workflow = $2 AND r.deduplication_id = $3
        AND (s.status IN ('ENQUEUED', 'DELAYED', 'PENDING') OR waymark.is_parked(r.id))
      LIMIT 1`,
    [tenantId, workflow, deduplicationId],
  );
  return rows[0]?.id;
}

/**
 * The run of a tenant's workflow that a start with this debounce key folds into: the latest
 * one still delayed (not yet dispatched), its DBOS row locked so that its delay cannot run out
 * under the fold.
 *
 * @example
 * ```ts
 * const id = await delayedDebouncedRun(q, 'default', 'reindex', 'doc-42');
 * ```
 */
export async function delayedDebouncedRun(q: Queryable, tenantId: string, workflow: string, debounceKey: string): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT r.id FROM waymark.runs r JOIN dbos.workflow_status s ON s.workflow_uuid = r.id
      WHERE r.tenant_id = $1 AND r.workflow = $2 AND r.debounce_key = $3 AND s.status = 'DELAYED'
      ORDER BY r.created_at DESC LIMIT 1
      FOR UPDATE OF s`,
    [tenantId, workflow, debounceKey],
  );
  return rows[0]?.id;
}

/** A later start folded into a delayed run. */
export interface DebounceFold {
  runId: string;
  /** The input as stored (secret fields redacted), for the run row. */
  stored: unknown;
  /** The workflow's arguments as DBOS serialized them, and the serializer's name. */
  serializedArgs: string;
  serialization: string;
  /** The new end of the delay (epoch ms). */
  delayUntilMs: number;
  requestHash: string;
}

/**
 * Folds a start into a delayed run (locked by {@link delayedDebouncedRun}): the run executes
 * once, with the latest input, when the new delay has passed. DBOS's input and delay change in
 * the same transaction as the run's row — the way DBOS's own debouncer updates a delayed
 * workflow. Returns false when the run is no longer delayed.
 *
 * @example
 * ```ts
 * await foldIntoDelayedRun(q, { runId, stored, serializedArgs, serialization, delayUntilMs: Date.now() + 5000, requestHash });
 * ```
 */
export async function foldIntoDelayedRun(q: Queryable, f: DebounceFold): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE dbos.workflow_status SET delay_until_epoch_ms = $2, serialization = $3, updated_at = (EXTRACT(EPOCH FROM now()) * 1000)::bigint
      WHERE workflow_uuid = $1 AND status = 'DELAYED'`,
    [f.runId, f.delayUntilMs, f.serialization],
  );
  if (rowCount !== 1) return false;
  await q.query(
    `INSERT INTO dbos.workflow_input (workflow_uuid, inputs, retention_timestamp) VALUES ($1, $2, (EXTRACT(EPOCH FROM now()) * 1000)::bigint)
     ON CONFLICT (workflow_uuid) DO UPDATE SET inputs = EXCLUDED.inputs`,
    [f.runId, f.serializedArgs],
  );
  await q.query('UPDATE waymark.runs SET input = $2, request_hash = $3, updated_at = now() WHERE id = $1', [f.runId, JSON.stringify(f.stored), f.requestHash]);
  return true;
}

/** A run's queue attributes, as recorded at start. */
export interface RunQueueFields {
  queueName: string | null;
  priority: number | null;
  partitionKey: string | null;
  deduplicationId: string | null;
  debounceKey: string | null;
}

/**
 * Records a new run's queue attributes (in the transaction that inserted it).
 *
 * @example
 * ```ts
 * await recordRunQueue(q, runId, { queueName: null, priority: 500, partitionKey: null, deduplicationId: null, debounceKey: null });
 * ```
 */
export async function recordRunQueue(q: Queryable, runId: string, f: RunQueueFields): Promise<void> {
  await q.query(
    'UPDATE waymark.runs SET queue_name = $2, priority = $3, partition_key = $4, deduplication_id = $5, debounce_key = $6 WHERE id = $1',
    [runId, f.queueName, f.priority, f.partitionKey, f.deduplicationId, f.debounceKey],
  );
}

/**
 * Gives a fork its original's queue and attributes (its row is written by DBOS's insert).
 *
 * @example
 * ```ts
 * await copyRunQueue(q, 'run-1', 'run-1.fork.abc');
 * ```
 */
export async function copyRunQueue(q: Queryable, fromRunId: string, toRunId: string): Promise<void> {
  await q.query(
    `UPDATE waymark.runs t SET queue_name = f.queue_name, priority = f.priority, partition_key = f.partition_key
       FROM waymark.runs f WHERE f.id = $1 AND t.id = $2`,
    [fromRunId, toRunId],
  );
}

/**
 * The queue each run goes back to when resumed (absent or NULL: the shared queue), and its
 * DBOS partition key.
 *
 * @example
 * ```ts
 * const queues = await runQueues(q, ['run-1']); // Map { 'run-1' => { queueName: 'waymark_wf_ocr', dbosPartitionKey: 'default' } }
 * ```
 */
export async function runQueues(q: Queryable, runIds: readonly string[]): Promise<Map<string, { queueName: string | null; dbosPartitionKey: string | null }>> {
  const { rows } = await q.query<{ id: string; queue_name: string | null; key: string | null }>(
    `SELECT r.id, r.queue_name, s.queue_partition_key AS key
       FROM waymark.runs r LEFT JOIN dbos.workflow_status s ON s.workflow_uuid = r.id
      WHERE r.id = ANY($1::text[])`,
    [runIds],
  );
  return new Map(rows.map((r) => [r.id, { queueName: r.queue_name, dbosPartitionKey: r.key }]));
}
