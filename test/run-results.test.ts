/**
 * Business keys (which runs touched lead:123, within the tenant only), run ids chosen at start
 * (validated, unique across the installation: 409), and results without polling: start with
 * `wait` in the embedding API and the long poll `GET /v1/runs/{id}/result?wait=` over HTTP,
 * for runs that succeed, fail, or are still going.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RunEndedError, type WaymarkError } from '../src/index.js';
import { useFixtureEnv } from './fixture-env.js';
import { waitFor } from './helpers.js';

// A wait for a result looks again only once an hour: only its end's notification can answer it
// within the test, so a broken notification path fails the waits below (at their own timeout).
const env = useFixtureEnv('run_results', { waymark: { config: { resultRecheckMs: 3_600_000 } } });
const openGate = (runId: string) => env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1) ON CONFLICT DO NOTHING', [runId]);
const executed = async (runId: string) => Number((await env.pool.query('SELECT count(*) FROM test_executions WHERE run_id = $1', [runId])).rows[0].count);

describe('business keys', () => {
  test('runs started with a business key are listed by it, newest first, and only in their tenant', async () => {
    const first = await env.w.api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 }, businessKey: 'lead:123' });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.businessKey, 'lead:123');
    const second = await env.w.runs.start({ workflow: 'test.chain', input: { steps: 1 }, businessKey: 'lead:123' });
    await env.w.runs.start({ workflow: 'test.chain', input: { steps: 1 }, businessKey: 'lead:999' });
    await env.w.runs.start({ workflow: 'test.chain', input: { steps: 1 } });

    const listed = await env.w.api('GET', '/v1/runs?key=lead:123');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.runs.map((r: { id: string }) => r.id), [second.run.id, first.body.id]);
    assert.ok(listed.body.runs.every((r: { businessKey: string }) => r.businessKey === 'lead:123'));

    // Another tenant's key sees nothing under the same key, and its own run under it stays its own.
    const acme = await env.w.apiAs('acme-admin', ['admin'], 'acme');
    assert.deepEqual((await acme('GET', '/v1/runs?key=lead:123')).body.runs, []);
    const theirs = await acme('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 }, businessKey: 'lead:123' });
    assert.equal(theirs.status, 201);
    assert.deepEqual((await acme('GET', '/v1/runs?key=lead:123')).body.runs.map((r: { id: string }) => r.id), [theirs.body.id]);
    assert.equal((await env.w.api('GET', '/v1/runs?key=lead:123')).body.runs.length, 2);
  });

  test('a malformed business key is refused and starts nothing', async () => {
    const before = (await env.pool.query('SELECT count(*) FROM waymark.runs')).rows[0].count;
    const r = await env.w.api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 }, businessKey: 'lead 123' });
    assert.equal(r.status, 422);
    assert.match(r.type, /problem\+json/);
    await assert.rejects(env.w.runs.start({ workflow: 'test.chain', input: { steps: 1 }, businessKey: '' }), (e: WaymarkError) => e.code === 'invalid_business_key');
    assert.equal((await env.pool.query('SELECT count(*) FROM waymark.runs')).rows[0].count, before);
  });
});

describe('choosing a run id', () => {
  test('the chosen id is the run id; a taken one is a 409 in any tenant, and nothing more runs', async () => {
    const r = await env.w.api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 }, id: 'order-42' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.id, 'order-42');
    await waitFor('order-42 done', async () => (await env.w.runs.get('order-42')).status === 'SUCCESS');

    const again = await env.w.api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 }, id: 'order-42' });
    assert.equal(again.status, 409);
    assert.match(again.type, /problem\+json/);
    assert.equal(again.body.code, 'run_id_taken');
    const acme = await env.w.apiAs('acme-operator', ['operator'], 'acme');
    const elsewhere = await acme('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 }, id: 'order-42' });
    assert.equal(elsewhere.status, 409);
    assert.equal(elsewhere.body.code, 'run_id_taken');
    // The other tenant learns the id is taken, never the run.
    assert.equal(JSON.stringify(elsewhere.body).includes('test.chain'), false);
    assert.equal(await executed('order-42'), 1);
  });

  test('an id in a form Waymark makes itself, or malformed, is refused', async () => {
    for (const id of ['sched:abc:2026', 'event:crm:1:x', 'x.fork.y', 'run.compensation', 'has space', '-leading']) {
      const r = await env.w.api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 }, id });
      assert.equal(r.status, 422, id);
      assert.equal(r.body.code, 'invalid_run_id', id);
    }
  });

  test('an idempotent repeat with a chosen id answers with the first run', async () => {
    const body = { workflow: 'test.chain', input: { steps: 1 }, id: 'invoice-7' };
    const a = await env.w.api('POST', '/v1/runs', body, { 'idempotency-key': 'inv-7' });
    const b = await env.w.api('POST', '/v1/runs', body, { 'idempotency-key': 'inv-7' });
    assert.deepEqual([a.status, b.status], [201, 200]);
    assert.equal(b.body.id, 'invoice-7');
  });
});

describe('results without polling', () => {
  test('start with wait returns the output of a run that succeeds', async () => {
    const { run, created, output } = await env.w.runs.start({ workflow: 'test.chain', input: { steps: 3 }, wait: true });
    assert.equal(created, true);
    assert.equal(run.status, 'SUCCESS');
    assert.deepEqual(output, [0, 10, 20]);
  });

  test('start with wait throws the error of a run that fails', async () => {
    await assert.rejects(env.w.runs.start({ workflow: 'test.always-fails', input: {}, id: 'doomed-1', wait: { timeoutMs: 60_000 } }), (e: unknown) => {
      assert.ok(e instanceof RunEndedError);
      assert.equal(e.code, 'run_failed');
      assert.equal(e.runId, 'doomed-1');
      assert.equal(e.runStatus, 'ERROR');
      assert.match(e.runError?.message ?? '', /deliberate failure/);
      return true;
    });
  });

  test('start with wait gives up at its timeout while the run goes on', async () => {
    await assert.rejects(
      env.w.runs.start({ workflow: 'test.chain', input: { steps: 1, blockAt: 0 }, id: 'blocked-1', wait: { timeoutMs: 300 } }),
      (e: WaymarkError) => e.code === 'run_wait_timeout',
    );
    await openGate('blocked-1');
    assert.deepEqual((await env.w.runs.result('blocked-1', { timeoutMs: 60_000 })).run.output, [0]);
  });

  test('the long poll answers 202 with the state while the run goes on, and 200 as soon as it ends', async () => {
    const started = await env.w.api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 2, blockAt: 1 }, id: 'poll-1' });
    assert.equal(started.status, 201);
    await waitFor('first step', async () => (await executed('poll-1')) >= 1);
    const now = await env.w.api('GET', '/v1/runs/poll-1/result');
    assert.equal(now.status, 202);
    assert.equal(now.body.output, null);

    // A long poll sent while the run is blocked is answered once the gate opens and the run ends.
    const polling = env.w.api('GET', '/v1/runs/poll-1/result?wait=5m');
    await openGate('poll-1');
    const done = await polling;
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.status, 'SUCCESS');
    assert.deepEqual(done.body.output, [0, 10]);
  });

  test('the long poll of a failed run answers 200 with its error; unknown and foreign runs are 404', async () => {
    const r = await env.w.api('POST', '/v1/runs', { workflow: 'test.always-fails', input: {}, id: 'doomed-2' });
    assert.equal(r.status, 201);
    const done = await env.w.api('GET', '/v1/runs/doomed-2/result?wait=60s');
    assert.equal(done.status, 200);
    assert.equal(done.body.status, 'ERROR');
    assert.match(done.body.error.message, /deliberate failure/);
    assert.equal((await env.w.api('GET', '/v1/runs/no-such-run/result?wait=1s')).status, 404);
    const acme = await env.w.apiAs('acme-viewer', ['viewer'], 'acme');
    assert.equal((await acme('GET', '/v1/runs/doomed-2/result')).status, 404);
    assert.equal((await env.w.api('GET', '/v1/runs/doomed-2/result?wait=soon')).status, 422);
  });
});
