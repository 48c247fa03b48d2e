/**
 * Sagas: a run that fails for good or is cancelled undoes its successful compensable calls,
 * latest first, each exactly once — also when the worker is SIGKILLed while compensating.
 */
import assert from 'node:assert/strict';
import { useFixtureEnv } from './fixture-env.js';
import { test } from 'node:test';
import { beforeLaunch, workflows } from './fixtures/workflows.js';
import { killWorker, spawnWorker, startTestWaymark, waitFor } from './helpers.js';

const env = useFixtureEnv('compensation', { toolServer: true, waymark: { config: { leaseTtlMs: 1_500 } } });

const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);
const phaseIs = (id: string, phase: string) => waitFor(`phase ${phase}`, async () => (await api('GET', `/v1/runs/${id}`)).body.phase === phase, 60_000);
const events = async (id: string) =>
  (await env.pool.query(`SELECT kind, actor, to_phase, data FROM waymark.run_events WHERE run_id = $1 ORDER BY id`, [id])).rows;
const reservationsOf = (items: string[]) => [...env.server.reservations.entries()].filter(([, r]) => items.includes(r.item));
const cancelledIds = () => [...env.server.cancellations.values()];

test('a saga failing at its third write undoes the first two, latest first, once each', async () => {
  const r = await api('POST', '/v1/runs', { workflow: 'tools.saga', input: { items: ['hotel-1', 'car-1', 'sold-out'] } });
  await phaseIs(r.body.id, 'rolled_back');
  const made = reservationsOf(['hotel-1', 'car-1']).map(([, x]) => x.reservationId);
  assert.equal(made.length, 2);
  assert.deepEqual(cancelledIds().filter((c) => made.includes(c)).sort(), [...made].sort());
  const log = await events(r.body.id);
  const compensated = log.filter((e) => e.kind === 'compensated').map((e) => e.data.key as string);
  const calls = (await env.pool.query(`SELECT key, args->>'item' AS item FROM waymark.tool_calls WHERE run_id = $1 AND tool = 'saga.reserve' AND status = 'succeeded'`, [r.body.id])).rows;
  const itemOf = Object.fromEntries(calls.map((c) => [c.key, c.item]));
  assert.deepEqual(compensated.map((k) => itemOf[k]), ['car-1', 'hotel-1'], 'latest first');
  assert.deepEqual(log.filter((e) => e.kind === 'phase_changed').map((e) => e.to_phase).slice(-3), ['failed', 'compensating', 'rolled_back']);
  const retry = await api('POST', `/v1/dead-letters/${r.body.id}/retry`, {});
  assert.equal(retry.status, 409);
  assert.equal(retry.body.code, 'run_compensated');
});

test('cancelling a run records who cancelled it and undoes what it did', async () => {
  const r = await api('POST', '/v1/runs', { workflow: 'tools.saga', input: { items: ['flight-9'], waitAfter: true } });
  await waitFor('the reservation', () => Promise.resolve(reservationsOf(['flight-9']).length === 1));
  await waitFor('the wait', async () => (await env.pool.query(`SELECT 1 FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_name = 'DBOS.sleep'`, [r.body.id])).rowCount === 1);
  await api('POST', `/v1/runs/${r.body.id}/cancel`);
  await phaseIs(r.body.id, 'rolled_back');
  const res = reservationsOf(['flight-9'])[0]![1];
  assert.ok(cancelledIds().includes(res.reservationId));
  const log = await events(r.body.id);
  assert.ok(log.some((e) => e.kind === 'cancel_requested' && e.actor === 'test-admin'));
  assert.deepEqual(log.filter((e) => e.kind === 'phase_changed').map((e) => e.to_phase).slice(-3), ['cancelled', 'compensating', 'rolled_back']);
  const resume = await api('POST', `/v1/runs/${r.body.id}/resume`);
  assert.equal(resume.status, 409);
  assert.equal(resume.body.code, 'run_compensated');
});

test('a call still executing when the run is cancelled is undone too', async () => {
  env.server.slowItems.set('slow-b', 1_500);
  const r = await api('POST', '/v1/runs', { workflow: 'tools.saga', input: { items: ['fast-a', 'slow-b'], waitAfter: true } });
  await waitFor('the slow reservation to be made', () => Promise.resolve(reservationsOf(['slow-b']).length === 1));
  await api('POST', `/v1/runs/${r.body.id}/cancel`);
  await phaseIs(r.body.id, 'rolled_back');
  const made = reservationsOf(['fast-a', 'slow-b']).map(([, x]) => x.reservationId);
  assert.deepEqual(cancelledIds().filter((c) => made.includes(c)).sort(), [...made].sort(), 'both undone');
});

test('SIGKILL while compensating: each undo still happens exactly once', async () => {
  // Run this one on real worker processes.
  await env.w.stop();
  env.w = await startTestWaymark(env.url, { workflows, beforeLaunch, worker: false });
  env.server.hangAfterActing.set('/reservations/cancel', 1);
  const workerEnv = { TOOL_SERVER_URL: env.server.url, WAYMARK_LEASE_TTL_MS: '1500' };
  const first = await spawnWorker(env.url, workerEnv);
  const r = await api('POST', '/v1/runs', { workflow: 'tools.saga', input: { items: ['room-7', 'bike-7', 'sold-out'] } });
  const made = await waitFor('two reservations', () => {
    const m = reservationsOf(['room-7', 'bike-7']).map(([, x]) => x.reservationId);
    return Promise.resolve(m.length === 2 ? m : undefined);
  });
  await waitFor('the first undo to act', () => Promise.resolve(cancelledIds().some((c) => made.includes(c))));
  await killWorker(first);
  const second = await spawnWorker(env.url, workerEnv);
  try {
    await phaseIs(r.body.id, 'rolled_back');
    assert.deepEqual(cancelledIds().filter((c) => made.includes(c)).sort(), [...made].sort(), 'each reservation cancelled once');
    const keys = env.server.requests.filter((q) => q.path.endsWith('/cancel') && made.includes(q.path.split('/')[2]!)).map((q) => q.key);
    assert.equal(keys.length, 3, 'the interrupted undo was repeated with its key, the other sent once');
    assert.equal(new Set(keys).size, 2);
  } finally {
    await killWorker(second);
  }
});
