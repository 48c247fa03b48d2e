/**
 * Queue declarations and a start's queue controls, without a database: what is refused, and
 * the DBOS limits and partition keys they become.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkQueueOptions, isPartitioned, runQueueName, workflowQueueLimits } from '../../src/agent/workflow-queues.js';
import type { WorkflowDefinition } from '../../src/agent/workflows.js';
import { sharedQueueLimits } from '../../src/runtime/run-queues.js';
import { checkQueueControls, dbosPartitionKey } from '../../src/service/run-queue-controls.js';

test('a queue declaration is checked and its periods read as durations', () => {
  assert.equal(checkQueueOptions('w', undefined), undefined);
  assert.deepEqual(checkQueueOptions('w', { concurrency: 5, rateLimit: { limit: 10, periodMs: '1m' } }), {
    concurrency: 5, workerConcurrency: undefined, rateLimit: { limit: 10, periodMs: 60_000 }, partitionConcurrency: undefined, partitionRateLimit: undefined,
  });
  assert.throws(() => checkQueueOptions('w', { concurrency: 0 }), { code: 'invalid_workflow' });
  assert.throws(() => checkQueueOptions('w', { concurrency: 2, workerConcurrency: 3 }), /workerConcurrency \(3\) cannot exceed/);
  assert.throws(() => checkQueueOptions('w', { concurrency: 2, partitionConcurrency: 3 }), /partitionConcurrency \(3\) cannot exceed/);
  assert.throws(() => checkQueueOptions('w', { rateLimit: { limit: 1, periodMs: 10 } }), /at least 100 ms/);
  assert.throws(() => checkQueueOptions('w', { concurency: 2 } as never), { code: 'invalid_workflow' });
});

test('a workflow with limits has a queue of its own, partitioned by tenant unless declared partitioned', () => {
  assert.equal(runQueueName('ocr', undefined), 'waymark_runs');
  assert.equal(runQueueName('ocr', {}), 'waymark_wf_ocr');
  assert.deepEqual(workflowQueueLimits({ concurrency: 5, rateLimit: { limit: 10, periodMs: 60_000 } }, { concurrency: 1000, tenantConcurrency: 0 }), {
    workerConcurrency: 5, globalConcurrency: 5, rateLimit: { limitPerPeriod: 10, periodSec: 60 }, partitionWorkerConcurrency: 5,
  });
  assert.deepEqual(workflowQueueLimits({}, { concurrency: 8, tenantConcurrency: 3 }), { workerConcurrency: 8, partitionWorkerConcurrency: 3 });
  // A partitioned queue always has a queue-wide limit (one that never binds): without one, DBOS
  // claims under REPEATABLE READ and two workers can start two runs of one partition.
  assert.deepEqual(workflowQueueLimits({ partitionConcurrency: 1 }, { concurrency: 8, tenantConcurrency: 3 }), { workerConcurrency: 8, partitionConcurrency: 1, globalConcurrency: 2_147_483_647 });
  assert.deepEqual(workflowQueueLimits({ partitionConcurrency: 1, concurrency: 4 }, { concurrency: 8, tenantConcurrency: 3 }), { workerConcurrency: 4, partitionConcurrency: 1, globalConcurrency: 4 });
  assert.equal(isPartitioned({ partitionRateLimit: { limit: 1, periodMs: 1000 } }), true);
  assert.equal(isPartitioned({ concurrency: 1 }), false);
  assert.deepEqual(sharedQueueLimits(10, 0), { workerConcurrency: 10, partitionWorkerConcurrency: 10 });
  assert.deepEqual(sharedQueueLimits(10, 40), { workerConcurrency: 10, partitionWorkerConcurrency: 10 });
  assert.deepEqual(sharedQueueLimits(10, 4), { workerConcurrency: 10, partitionWorkerConcurrency: 4 });
});

const def = (queue: WorkflowDefinition['queue'], secret = false): WorkflowDefinition =>
  ({ name: 'w', queue, queueName: runQueueName('w', queue), secretInputPaths: secret ? ['token'] : [] }) as unknown as WorkflowDefinition;

test("a start's queue controls: required and refused keys, priority range, exclusive options", () => {
  assert.deepEqual(checkQueueControls(def(undefined)), {
    queueName: 'waymark_runs', priority: 500, partitionKey: null, deduplicationId: null, debounce: null, recorded: false,
  });
  assert.throws(() => checkQueueControls(def({ partitionConcurrency: 1 }), {}), { code: 'partition_key_required', status: 422 });
  assert.equal(checkQueueControls(def({ partitionConcurrency: 1 }), { partitionKey: 'customer:42' }).partitionKey, 'customer:42');
  assert.throws(() => checkQueueControls(def(undefined), { partitionKey: 'customer:42' }), { code: 'invalid_queue_options' });
  assert.throws(() => checkQueueControls(def(undefined), { priority: 1001 }), { code: 'invalid_queue_options' });
  assert.throws(() => checkQueueControls(def(undefined), { priority: 1.5 }), { code: 'invalid_queue_options' });
  assert.throws(() => checkQueueControls(def(undefined), { deduplicationId: 'has space' }), { code: 'invalid_queue_options' });
  assert.throws(() => checkQueueControls(def(undefined), { debounce: { key: 'k', delayMs: 0 } }), { code: 'invalid_queue_options' });
  assert.throws(() => checkQueueControls(def(undefined), { debounce: { key: 'k', delayMs: 10 }, deduplicationId: 'd' }), { code: 'invalid_queue_options' });
  assert.throws(() => checkQueueControls(def(undefined, true), { debounce: { key: 'k', delayMs: 10 } }), /secret input/);
  assert.equal(checkQueueControls(def(undefined), { priority: 0 }).recorded, true);
});

test("DBOS's partition key is the tenant, or the tenant and the key, never shared between tenants", () => {
  assert.equal(dbosPartitionKey('acme', null), 'acme');
  assert.equal(dbosPartitionKey('acme', 'customer:42'), '4:acme/customer:42');
  assert.notEqual(dbosPartitionKey('a/b', 'c'), dbosPartitionKey('a', 'b/c'));
});
