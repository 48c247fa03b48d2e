/**
 * Per-tenant run limits, checked in the database so they hold across workers: runs started per
 * minute (429 tenant_run_limit with Retry-After over HTTP) and unfinished runs (429
 * tenant_runs_in_flight); a refused start writes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useFixtureEnv } from './fixture-env.js';
import { waitFor } from './helpers.js';

const env = useFixtureEnv('run_limits', { waymark: { config: { tenantRunsPerMinute: 3, tenantRunsInFlight: 2 } } });

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => env.w.api(method, path, body, headers);
const rows = async (tenant: string): Promise<number> =>
  Number((await env.pool.query('SELECT count(*) AS n FROM waymark.runs WHERE tenant_id = $1', [tenant])).rows[0].n);
const openGate = (id: string) => env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1)', [id]);

test('a tenant over its runs per minute gets 429 tenant_run_limit with Retry-After; repeats of an idempotent start still answer', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 } }, { 'idempotency-key': `limit-${i}` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids.push(r.body.id);
    // Finished before the next start, so only the per-minute limit can refuse.
    await waitFor(`run ${r.body.id}`, async () => (await api('GET', `/v1/runs/${r.body.id}`)).body.status === 'SUCCESS');
  }
  const over = await fetch(`${env.w.httpUrl}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${env.w.adminKey}` }, body: JSON.stringify({ workflow: 'test.chain', input: { steps: 1 } }) });
  const body = (await over.json()) as { code: string; retryAfterSeconds: number };
  assert.equal(over.status, 429);
  assert.match(over.headers.get('content-type') ?? '', /application\/problem\+json/);
  assert.equal(body.code, 'tenant_run_limit');
  const retryAfter = Number(over.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(over.headers.get('retry-after')));
  assert.equal(body.retryAfterSeconds, retryAfter);
  assert.equal(await rows('default'), 3, 'nothing written');
  // A repeat of an earlier start creates nothing, so it is answered.
  const repeat = await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 } }, { 'idempotency-key': 'limit-0' });
  assert.equal(repeat.status, 200);
  assert.equal(repeat.body.id, ids[0]);
});

test('a tenant with as many unfinished runs as it may gets 429 tenant_runs_in_flight until one finishes; other tenants are not held back', async () => {
  const a = env.w.as({ actor: 'test', tenantId: 'limits-a' });
  const b = env.w.as({ actor: 'test', tenantId: 'limits-b' });
  const first = (await a.runs.start({ workflow: 'test.chain', input: { steps: 1, blockAt: 0 } })).run.id;
  const second = (await a.runs.start({ workflow: 'test.chain', input: { steps: 1, blockAt: 0 } })).run.id;
  await assert.rejects(a.runs.start({ workflow: 'test.chain', input: { steps: 1 } }), (e: { code?: string; status?: number }) => e.code === 'tenant_runs_in_flight' && e.status === 429);
  assert.equal(await rows('limits-a'), 2, 'nothing written');
  assert.equal((await b.runs.start({ workflow: 'test.chain', input: { steps: 1 } })).created, true, 'another tenant starts');
  await openGate(first);
  await waitFor('first run done', async () => (await a.runs.get(first)).status === 'SUCCESS');
  assert.equal((await a.runs.start({ workflow: 'test.chain', input: { steps: 1 } })).created, true, 'room again');
  await openGate(second);
});
