/**
 * Circuit breakers across real worker processes on the system clock (short open times): calls of
 * two workers waiting on one open breaker send exactly one probe per probe time, and all
 * complete after the recovery; a worker SIGKILLed while its calls wait on an open breaker loses
 * nothing, and after the restart each call's effect happens once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useFixtureEnv } from './fixture-env.js';
import { killWorker, spawnWorker, waitFor } from './helpers.js';

const env = useFixtureEnv('breakers_workers', { toolServer: true, waymark: { worker: false } });

// Every wait parks at once, so waiting calls are resumed by either worker's sweep.
const worker = () =>
  spawnWorker(env.url, { TOOL_SERVER_URL: env.server.url, WAYMARK_LEASE_TTL_MS: '1500', WAYMARK_HOT_WAIT_MS: '0', WAYMARK_CONCURRENCY: '2' });
const start = async (ref: string) => (await env.w.runs.start({ workflow: 'breakers.order', input: { tool: 'worker', ref } })).run.id;
const settled = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  }, 180_000);
const requests = () => env.server.count('POST', '/dep/worker/');
const eventCount = async (kind: string) =>
  Number((await env.pool.query(`SELECT count(*) AS n FROM waymark.breaker_events WHERE breaker = 'worker.order' AND kind = $1`, [kind])).rows[0].n);
const waiting = async () => Number((await env.pool.query(`SELECT count(*) AS n FROM waymark.breaker_waits WHERE breaker = 'worker.order'`)).rows[0].n);
const state = async () => (await env.pool.query(`SELECT state FROM waymark.breakers WHERE name = 'worker.order'`)).rows[0]?.state as string | undefined;

test('calls on two workers waiting on one breaker send one probe per probe time; recovery completes them all', async () => {
  const workers = [await worker(), await worker()];
  try {
    env.server.dependencies.set('worker', 'down');
    const first = await start('two-0');
    await waitFor('the breaker to open', async () => (await state()) === 'open', 120_000);
    const atOpen = requests();
    assert.equal(atOpen, 3);
    const ids = [first];
    for (let i = 1; i <= 6; i++) ids.push(await start(`two-${i}`));
    await waitFor('three failed probes', async () => (await eventCount('reopened')) >= 3, 120_000);
    env.server.dependencies.set('worker', 'up');
    const runs = await Promise.all(ids.map(settled));
    for (const r of runs) assert.equal(r.status, 'SUCCESS', JSON.stringify(r.error));

    const reopened = await eventCount('reopened');
    assert.equal(await eventCount('half_open'), reopened + 1, 'each probe time gave one probe');
    // Since it opened: one request per failed probe, then each call once (one of them as the successful probe).
    assert.equal(requests() - atOpen, reopened + ids.length, 'never two probes at once');
    assert.equal(await state(), 'closed');
    assert.equal(await waiting(), 0);
    const executors = await env.pool.query(`SELECT DISTINCT executor_id FROM dbos.workflow_status WHERE workflow_uuid = ANY($1)`, [ids]);
    assert.equal(executors.rowCount, 2, 'both workers executed the waiting runs');
    const refs = [...env.server.orders.values()].filter((o) => o.ref.startsWith('two-')).map((o) => o.ref).sort();
    assert.deepEqual(refs, ids.map((_, i) => `two-${i}`).sort(), 'one order per run');
  } finally {
    for (const w of workers) await killWorker(w);
  }
});

test('a worker SIGKILLed while its calls wait on an open breaker: after the restart each call acts once', async () => {
  const victim = await worker();
  let next: Awaited<ReturnType<typeof worker>> | undefined;
  try {
    env.server.dependencies.set('worker', 'down');
    const ids = [await start('kill-0')];
    await waitFor('the breaker to open', async () => (await state()) === 'open', 120_000);
    for (let i = 1; i <= 3; i++) ids.push(await start(`kill-${i}`));
    await waitFor('four calls waiting', async () => (await waiting()) === 4, 120_000);
    await killWorker(victim);
    env.server.dependencies.set('worker', 'up');
    next = await worker();
    const runs = await Promise.all(ids.map(settled));
    for (const r of runs) assert.equal(r.status, 'SUCCESS', JSON.stringify(r.error));
    for (const [i, r] of runs.entries()) {
      const orders = [...env.server.orders.values()].filter((o) => o.ref === `kill-${i}`);
      assert.equal(orders.length, 1, `kill-${i} ordered once`);
      assert.equal((r.output as { orderId: string }).orderId, orders[0]!.orderId);
    }
    const calls = await env.pool.query(`SELECT status FROM waymark.tool_calls WHERE run_id = ANY($1)`, [ids]);
    assert.deepEqual(calls.rows.map((c) => c.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    assert.equal(await waiting(), 0);
    assert.equal(await state(), 'closed');
  } finally {
    await killWorker(victim).catch(() => undefined);
    if (next) await killWorker(next);
  }
});
