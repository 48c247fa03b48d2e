/**
 * Crash tests with real worker processes killed by SIGKILL: runs resume from their last
 * checkpoint, a business write is never applied twice, and executor ids are never shared.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { executions } from './fixtures/workflows.js';
import { killWorker, spawnWorker, waitFor } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

// This process only starts and reads runs; the workers are separate processes.
const env = useFixtureEnv('crash', { waymark: { worker: false, http: false } });

const start = async (workflow: string, input: unknown): Promise<string> =>
  (await env.w.as({ actor: 'test' }).runs.start({ workflow, input })).run.id;
const completed = (id: string) =>
  waitFor(`run ${id} to succeed`, async () => {
    const run = await env.w.runs.get(id);
    if (run.status === 'ERROR') throw new Error(`run ${id} failed: ${JSON.stringify(run.error)}`);
    return run.status === 'SUCCESS' ? run : undefined;
  });
const openGate = (id: string) => env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1)', [id]);

test('a run whose worker is SIGKILLed mid-run completes after restart without re-running completed steps', async () => {
  const first = await spawnWorker(env.url);
  const id = await start('test.chain', { steps: 5, blockAt: 3 });
  await waitFor('step 3 to start', async () => (await executions(env.pool, id)).s3 === 1);
  await killWorker(first);
  await openGate(id);

  // The restarted worker claims the same executor id and recovers the run at launch by itself.
  const second = await spawnWorker(env.url);
  try {
    assert.equal(second.executorId, first.executorId);
    const run = await completed(id);
    assert.deepEqual(run.output, [0, 10, 20, 30, 40]);
    assert.equal(run.phase, 'completed');
    assert.equal(run.executorId, first.executorId);
    // s3 was interrupted, so it ran again (at-least-once); completed steps came from checkpoints.
    assert.deepEqual(await executions(env.pool, id), { s0: 1, s1: 1, s2: 1, s3: 2, s4: 1 });
  } finally {
    await killWorker(second);
  }
});

test('SIGKILL after the business transaction commits but before the step checkpoint: the row exists once and the run completes', async () => {
  // Hold back DBOS's step checkpoints (inserts into operation_outputs); reads still pass.
  const locker = new pg.Client({ connectionString: env.url });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE dbos.operation_outputs IN SHARE MODE');
  const worker = await spawnWorker(env.url);
  let id: string;
  try {
    id = await start('test.order', { orderId: 'ord-1' });
    const blockedCheckpoint = async () => {
      const orders = await env.pool.query('SELECT 1 FROM test_orders WHERE id = $1', ['ord-1']);
      const waiting = await env.pool.query(
        `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%operation_outputs%' AND datname = current_database()`,
      );
      return orders.rowCount === 1 && waiting.rowCount ? waiting.rows : undefined;
    };
    await waitFor('business commit with its checkpoint blocked', blockedCheckpoint);
    await killWorker(worker);
    // The dead worker's checkpoint insert is still queued in its backend: end it as the crash would have.
    await env.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE wait_event_type = 'Lock' AND query ILIKE '%operation_outputs%' AND datname = current_database()`,
    );
  } finally {
    await locker.query('ROLLBACK');
    await locker.end();
  }
  // The crash window was really hit: business row and completion row, no step checkpoint.
  const checkpoint = await env.pool.query('SELECT 1 FROM dbos.operation_outputs WHERE workflow_uuid = $1', [id]);
  assert.equal(checkpoint.rowCount, 0);
  const completion = await env.pool.query('SELECT 1 FROM waymark.transaction_completion WHERE workflow_id = $1', [id]);
  assert.equal(completion.rowCount, 1);

  const restarted = await spawnWorker(env.url);
  try {
    const run = await completed(id);
    assert.deepEqual(run.output, { orderId: 'ord-1', note: 'notified ord-1' });
    const rows = await env.pool.query('SELECT run_id FROM test_orders WHERE id = $1', ['ord-1']);
    assert.deepEqual(rows.rows, [{ run_id: id }]);
    assert.deepEqual(await executions(env.pool, id), { insertOrder: 1, notify: 1 }, 'the transaction body ran once');
    // Completion removes the data source's checkpoints once DBOS's cover every step.
    const left = await env.pool.query('SELECT 1 FROM waymark.transaction_completion WHERE workflow_id = $1', [id]);
    assert.equal(left.rowCount, 0);
  } finally {
    await killWorker(restarted);
  }
});

test('two live workers never share an executor id or run each other\'s steps', async () => {
  const a = await spawnWorker(env.url);
  const id = await start('test.chain', { steps: 3, blockAt: 1 });
  await waitFor('step 1 to start', async () => (await executions(env.pool, id)).s1 === 1);
  // A second worker starting now must not recover the first one's in-flight run.
  const b = await spawnWorker(env.url);
  try {
    assert.notEqual(b.executorId, a.executorId);
    await openGate(id);
    const run = await completed(id);
    assert.equal(run.executorId, a.executorId);
    assert.deepEqual(await executions(env.pool, id), { s0: 1, s1: 1, s2: 1 });

    // Both workers take runs from the shared queue; every step still runs exactly once.
    const ids = await Promise.all(Array.from({ length: 12 }, () => start('test.chain', { steps: 2 })));
    const runs = await Promise.all(ids.map(completed));
    for (const r of runs) assert.deepEqual(await executions(env.pool, r.id), { s0: 1, s1: 1 });
    assert.ok(runs.every((r) => r.executorId === a.executorId || r.executorId === b.executorId));
  } finally {
    await killWorker(a);
    await killWorker(b);
  }
});

test('an explicit executor id held by a live worker is refused', async () => {
  const a = await spawnWorker(env.url, { WAYMARK_EXECUTOR_ID: 'pinned-1' });
  try {
    assert.equal(a.executorId, 'pinned-1');
    await assert.rejects(spawnWorker(env.url, { WAYMARK_EXECUTOR_ID: 'pinned-1' }), /executor_id_in_use|held by another live worker/);
  } finally {
    await killWorker(a);
  }
});
