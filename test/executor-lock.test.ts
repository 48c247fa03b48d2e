/**
 * A worker that loses its executor-lock connection (a Postgres restart, a failover or a proxy
 * dropping idle connections does that) while it is inside a non-idempotent call: the next
 * worker must not take the same executor id, the run must not start a second execution while
 * the first worker lives, and it completes with one charge at the provider and no escalation.
 * (The chaos run found this after its Postgres restart; see bench/CHAOS.md.)
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ChaosServer } from './support/chaos-server.js';
import { CHAOS_WORKFLOW, chaosWorkflows, createChaosTables } from './support/chaos-workflows.js';
import { useFixtureEnv } from './fixture-env.js';
import { ROOT, killWorker, spawnWorker, waitFor, type WorkerProcess } from './helpers.js';

const provider = new ChaosServer([5, 10]);
const env = useFixtureEnv('executor_lock', {
  waymark: { workflows: chaosWorkflows, beforeLaunch: createChaosTables, worker: false, http: false },
});

const chaosWorker = (): Promise<WorkerProcess> =>
  spawnWorker(env.url, { CHAOS_TOOL_URL: provider.url, WAYMARK_LEASE_TTL_MS: '3000', WAYMARK_EXECUTOR_ID: '' }, {
    args: [path.join(ROOT, 'test/support/chaos-worker.ts')],
  });

test('a worker whose executor lock was cut keeps its id to itself and its run executes once', async () => {
  await provider.start();
  const workers: WorkerProcess[] = [];
  try {
    const a = await chaosWorker();
    workers.push(a);
    provider.trap('charges', 'r-1');
    const { run } = await env.w.as({ actor: 'test' }).runs.start({ workflow: CHAOS_WORKFLOW, input: { orderId: 'r-1', cents: 100 } });
    await waitFor('the charge to reach the provider', () => Promise.resolve(provider.isHanging('charges:r-1')));

    const lockConnections = async (): Promise<number[]> =>
      (await env.pool.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'waymark-executor-lock' AND datname = current_database()`)).rows.map((r) => r.pid as number);
    const [held, ...others] = await lockConnections();
    assert.ok(held !== undefined && others.length === 0, 'worker A held one executor-lock connection');
    await env.pool.query('SELECT pg_terminate_backend($1)', [held]);
    // Worker A reconnects at once and takes its id back: wait until the cut connection is gone
    // and A's new one holds the lock, then start B, which must get another id.
    await waitFor('worker A to hold its lock on a new connection', async () => {
      const now = await lockConnections();
      if (now.length !== 1 || now[0] === held) return false;
      const locks = await env.pool.query(`SELECT 1 FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND granted`, [now[0]]);
      return locks.rowCount === 1;
    });

    const b = await chaosWorker();
    workers.push(b);
    assert.notEqual(b.executorId, a.executorId, 'a live worker\'s executor id is not handed to another');

    provider.release('charges:r-1');
    const done = await waitFor('the run to finish', async () => {
      const r = await env.w.runs.get(run.id);
      return r.status === 'SUCCESS' || r.status === 'ERROR' ? r : undefined;
    }, 180_000);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.equal(provider.charges.length, 1, 'charged once');
    const starts = await env.pool.query(`SELECT pid FROM chaos_progress WHERE run_id = $1 AND what = 'start'`, [run.id]);
    assert.deepEqual(starts.rows.map((r) => r.pid), [a.child.pid], 'executed once, by the worker that started it');
    const escalations = await env.pool.query(`SELECT 1 FROM waymark.run_events WHERE run_id = $1 AND to_phase = 'escalated'`, [run.id]);
    assert.equal(escalations.rowCount, 0, 'never escalated');
  } finally {
    for (const w of workers) await killWorker(w);
    await provider.stop();
  }
});
