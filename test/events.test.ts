/**
 * Signed webhooks through the real HTTP API, correlated to runs waiting with waitForEvent:
 * delivery in one transaction, de-duplication, events that arrive first, timeouts, and
 * unsigned, badly signed, stale or malformed webhooks that store nothing.
 */
import assert from 'node:assert/strict';
import { useFixtureEnv } from './fixture-env.js';
import { describe, test } from 'node:test';
import { signWebhook } from '../src/server.js';
import { waitFor } from './helpers.js';

const SECRET = 'police-webhook-secret';
const env = useFixtureEnv('events', { waymark: { config: { webhookSecrets: { police: SECRET }, webhookToleranceSeconds: 300 } } });

const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);
async function webhook(body: unknown, opts: { secret?: string; t?: number; raw?: string; header?: string | null } = {}) {
  const raw = opts.raw ?? JSON.stringify(body);
  const header = opts.header === undefined ? signWebhook(opts.secret ?? SECRET, raw, opts.t) : opts.header;
  return env.w.api('POST', '/v1/events/police', raw, header === null ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'waymark-signature': header });
}
const startWait = async (key: string, timeoutMs?: number) =>
  (await api('POST', '/v1/runs', { workflow: 'test.event', input: { source: 'police', type: 'police_report.received', key, ...(timeoutMs ? { timeoutMs } : {}) } })).body.id as string;
const settled = (id: string) =>
  waitFor(`run ${id}`, async () => {
    const r = await api('GET', `/v1/runs/${id}`);
    return ['SUCCESS', 'ERROR'].includes(r.body.status) ? r.body : undefined;
  });
const waiting = (id: string) => waitFor('waiting_for_event', async () => (await api('GET', `/v1/runs/${id}`)).body.phase === 'waiting_for_event');
const eventCount = async () => Number((await env.pool.query('SELECT count(*) FROM waymark.events')).rows[0].count);

describe('delivery', () => {
  test('a signed webhook reaches every run waiting for its type and key, once', async () => {
    const a = await startWait('claim-1');
    const b = await startWait('claim-1');
    const other = await startWait('claim-2', 60_000);
    await Promise.all([waiting(a), waiting(b), waiting(other)]);
    const body = { id: 'evt-1', type: 'police_report.received', key: 'claim-1', data: { reportNo: 'PR-77' } };
    const r = await webhook(body);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual([...r.body.deliveredTo].sort(), [a, b].sort());
    for (const id of [a, b]) {
      const run = await settled(id);
      assert.equal(run.output.result.status, 'received');
      assert.deepEqual(run.output.result.event.data, { reportNo: 'PR-77' });
      assert.equal(run.output.result.event.id, 'evt-1');
      assert.equal(run.phase, 'completed');
    }
    assert.equal((await api('GET', `/v1/runs/${other}`)).body.phase, 'waiting_for_event');

    const dup = await webhook(body);
    assert.equal(dup.status, 200);
    assert.equal(dup.body.duplicate, true);
    assert.deepEqual(dup.body.deliveredTo, []);
    const kinds = (await env.pool.query(`SELECT count(*)::int AS n FROM waymark.run_events WHERE kind = 'event_received' AND run_id = ANY($1)`, [[a, b]])).rows[0].n;
    assert.equal(kinds, 2);
  });

  test('an event that arrives before the run waits is found by the wait', async () => {
    const r = await webhook({ id: 'evt-early', type: 'police_report.received', key: 'claim-3', data: { reportNo: 'PR-1' } });
    assert.deepEqual(r.body.deliveredTo, []);
    const id = await startWait('claim-3');
    const run = await settled(id);
    assert.equal(run.output.result.event.id, 'evt-early');
  });

  test('a wait times out with a timed_out result', async () => {
    const id = await startWait('claim-never', 500);
    const run = await settled(id);
    assert.deepEqual(run.output.result, { status: 'timed_out' });
    assert.equal(run.phase, 'completed');
  });

  test('an event for a run that cannot take it (cancelled) is stored and reported, not delivered', async () => {
    const id = await startWait('claim-4');
    await waiting(id);
    await api('POST', `/v1/runs/${id}/cancel`);
    const r = await webhook({ id: 'evt-4', type: 'police_report.received', key: 'claim-4' });
    assert.equal(r.status, 202);
    assert.deepEqual(r.body.deliveredTo, []);
    assert.deepEqual(r.body.notDelivered, [{ runId: id, runStatus: 'CANCELLED' }]);
    const stored = await env.pool.query(`SELECT 1 FROM waymark.events WHERE event_id = 'evt-4'`);
    assert.equal(stored.rowCount, 1);
  });
});

describe('refused webhooks store nothing', () => {
  const body = { id: 'evt-bad', type: 'police_report.received', key: 'claim-9' };
  const cases: [string, () => Promise<{ status: number; type: string; body: any }>, number, string][] = [
    ['unsigned', () => webhook(body, { header: null }), 401, 'invalid_signature'],
    ['signed with another secret', () => webhook(body, { secret: 'wrong' }), 401, 'invalid_signature'],
    ['signed for another body', () => webhook(body, { header: signWebhook(SECRET, '{"id":"other"}') }), 401, 'invalid_signature'],
    ['stale (replayed)', () => webhook(body, { t: Math.floor(Date.now() / 1000) - 3600 }), 401, 'invalid_signature'],
    ['malformed signature header', () => webhook(body, { header: 'nonsense' }), 401, 'invalid_signature'],
    ['malformed JSON', () => webhook(null, { raw: '{"id": ' }), 400, 'malformed_json'],
    ['missing fields', () => webhook({ id: 'x' }), 422, 'invalid_event'],
  ];
  for (const [name, send, status, code] of cases) {
    test(name, async () => {
      const before = await eventCount();
      const r = await send();
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.body.code, code);
      assert.match(r.type, /problem\+json/);
      assert.equal(await eventCount(), before);
    });
  }
  test('an unknown source is answered like a bad signature (which sources exist stays private)', async () => {
    const r = await env.w.api('POST', '/v1/events/unknown', JSON.stringify(body), { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, JSON.stringify(body)) });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'invalid_signature');
  });
});
