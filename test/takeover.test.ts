/**
 * Worker leases with real processes: three workers, one SIGKILLed while it holds in-flight
 * runs; the others adopt them (exactly one adopter) and finish them, with every business
 * write and every non-idempotent tool call made once. A live worker is never robbed.
 */
import assert from 'node:assert/strict';
import { useFixtureEnv } from './fixture-env.js';
import { test } from 'node:test';
import { executions } from './fixtures/workflows.js';
import { killWorker, spawnWorker, waitFor, type WorkerProcess } from './helpers.js';

const TTL = 2_000;
const env = useFixtureEnv('takeover', { toolServer: true, waymark: { worker: false } });

const worker = () => spawnWorker(env.url, { TOOL_SERVER_URL: env.server.url, WAYMARK_LEASE_TTL_MS: String(TTL) });
const pendingBy = async () =>
  Object.fromEntries(
    (await env.pool.query<{ executor_id: string; n: number }>(
      `SELECT executor_id, count(*)::int AS n FROM dbos.workflow_status WHERE status = 'PENDING' AND queue_name = 'waymark_runs' GROUP BY executor_id`,
    )).rows.map((r) => [r.executor_id, r.n]),
  ) as Record<string, number>;

test('the runs of a SIGKILLed worker finish on the others, each write and charge made once', async () => {
  const workers: WorkerProcess[] = [await worker(), await worker(), await worker()];
  assert.equal(new Set(workers.map((x) => x.executorId)).size, 3);
  try {
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) => env.w.as({ actor: 'test' }).runs.start({ workflow: 'test.write-charge-wait', input: { orderId: `o-${i}`, ref: `r-${i}` } }).then((r) => r.run.id)),
    );
    // Every run has written and charged, and waits at its gate.
    await waitFor('all runs at their gate', async () => {
      const rows = await env.pool.query(`SELECT count(DISTINCT run_id)::int AS n FROM test_executions WHERE step = 's0' AND run_id = ANY($1)`, [ids]);
      return rows.rows[0].n === ids.length;
    });
    const held = await pendingBy();
    const victim = workers.reduce((a, b) => ((held[a.executorId] ?? 0) >= (held[b.executorId] ?? 0) ? a : b));
    const victimRuns = held[victim.executorId] ?? 0;
    assert.ok(victimRuns > 0, 'the killed worker holds in-flight runs');
    await killWorker(victim);
    await env.pool.query('INSERT INTO test_gates (run_id) SELECT unnest($1::text[])', [ids]);

    const adopted = await waitFor('adoption', async () => {
      const r = await env.pool.query(`SELECT status, adopted_by, adopted_runs FROM waymark.workers WHERE executor_id = $1`, [victim.executorId]);
      return r.rows[0]?.status === 'dead' ? r.rows[0] : undefined;
    }, 30_000);
    assert.equal(adopted.adopted_runs, victimRuns);
    assert.notEqual(adopted.adopted_by, victim.executorId);

    for (const id of ids) {
      const run = await waitFor(`run ${id}`, async () => {
        const r = await env.w.runs.get(id);
        return r.status === 'SUCCESS' ? r : undefined;
      }, 60_000);
      assert.notEqual(run.executorId, victim.executorId);
      const ex = await executions(env.pool, id);
      assert.equal(ex.insertOrder, 1, 'the business write ran once');
    }
    const orders = await env.pool.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM test_orders WHERE run_id = ANY($1)`, [ids]);
    assert.deepEqual(orders.rows[0], { n: 12, d: 12 });
    for (let i = 0; i < 12; i++) assert.equal(env.server.charges.filter((c) => c.ref === `r-${i}`).length, 1, `charge r-${i} made once`);

    const listed = await env.w.api('GET', '/v1/workers');
    const byId = Object.fromEntries(listed.body.workers.map((x: any) => [x.executorId, x]));
    assert.equal(byId[victim.executorId].status, 'dead');
    // The others were never declared dead (a busy one may show `suspect` for a late heartbeat).
    for (const live of workers.filter((x) => x !== victim)) assert.ok(['live', 'suspect'].includes(byId[live.executorId].status), byId[live.executorId].status);
  } finally {
    for (const x of workers) if (x.child.exitCode === null && x.child.signalCode === null) await killWorker(x);
  }
});

test('a live worker whose lease lapsed but whose session is alive is not robbed; a graceful stop hands runs over at once', async () => {
  const a = await worker();
  const b = await worker();
  try {
    const id = (await env.w.as({ actor: 'test' }).runs.start({ workflow: 'test.chain', input: { steps: 2, blockAt: 0 } })).run.id;
    await waitFor('the run to start', async () => (await executions(env.pool, id)).s0 === 1);
    const owner = (await env.pool.query('SELECT executor_id FROM dbos.workflow_status WHERE workflow_uuid = $1', [id])).rows[0].executor_id as string;
    const holder = owner === a.executorId ? a : b;
    // Pretend the holder is too slow to renew: its lease lapses, but its process and session live.
    holder.child.kill('SIGSTOP');
    await env.pool.query(`UPDATE waymark.workers SET lease_expires_at = now() - interval '1 minute' WHERE executor_id = $1`, [owner]);
    await new Promise((r) => setTimeout(r, 2 * TTL));
    const row = (await env.pool.query('SELECT status FROM waymark.workers WHERE executor_id = $1', [owner])).rows[0];
    assert.equal(row.status, 'live', 'not adopted while its session holds the executor id');
    assert.equal((await env.pool.query('SELECT executor_id FROM dbos.workflow_status WHERE workflow_uuid = $1', [id])).rows[0].executor_id, owner);
    holder.child.kill('SIGCONT');

    // A graceful stop marks the worker stopped and frees its id: the other adopts its run.
    holder.child.kill('SIGTERM');
    await holder.exited;
    await env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1)', [id]);
    const run = await waitFor('the run to finish elsewhere', async () => {
      const r = await env.w.runs.get(id);
      return r.status === 'SUCCESS' ? r : undefined;
    }, 30_000);
    assert.notEqual(run.executorId, owner);
  } finally {
    for (const x of [a, b]) if (x.child.exitCode === null && x.child.signalCode === null) await killWorker(x);
  }
});
