/**
 * Event triggers: a signed webhook of a configured source starts a run of the mapped workflow,
 * its input and business key mapped from the event; the same delivery retried starts one run;
 * the run's audit trail names the event; an event the mapping cannot turn into a valid input is
 * refused whole (nothing stored) so the sender's retry can succeed later.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Waymark, type ReceivedEvent } from '../src/index.js';
import { eventRunId, signWebhook } from '../src/server.js';
import { useFixtureEnv } from './fixture-env.js';
import { waitFor } from './helpers.js';

const SECRET = 'crm-webhook-secret';
const leadCreated = Waymark.trigger({
  source: 'crm', type: 'lead.created', workflow: 'test.chain',
  input: (e: ReceivedEvent) => ({ steps: (e.data as { score?: number } | null)?.score ?? 1 }),
  businessKey: (e) => `lead:${e.key}`,
});
const env = useFixtureEnv('triggers', {
  waymark: { config: { webhookSecrets: { crm: SECRET }, webhookToleranceSeconds: 300 }, triggers: [leadCreated] },
});

async function webhook(body: unknown) {
  const raw = JSON.stringify(body);
  return env.w.api('POST', '/v1/events/crm', raw, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, raw) });
}
const runCount = async () => Number((await env.pool.query('SELECT count(*) FROM waymark.runs')).rows[0].count);

describe('event triggers', () => {
  test('a webhook starts the mapped workflow once, however often it is delivered', async () => {
    const body = { id: 'evt-100', type: 'lead.created', key: '123', data: { score: 2 } };
    const first = await webhook(body);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const runId = eventRunId('crm', 'evt-100', 'test.chain');
    assert.equal(runId, 'event:crm:evt-100:test.chain');
    assert.deepEqual(first.body.triggeredRuns, [runId]);

    // Retries of the same delivery, also concurrent ones.
    const retries = await Promise.all([webhook(body), webhook(body), webhook(body)]);
    for (const r of retries) {
      assert.equal(r.status, 200);
      assert.equal(r.body.duplicate, true);
    }
    const run = await waitFor('the run', async () => {
      const r = await env.w.api('GET', `/v1/runs/${encodeURIComponent(runId)}`);
      return r.body.status === 'SUCCESS' && r.body;
    });
    assert.deepEqual(run.input, { steps: 2 });
    assert.deepEqual(run.output, [0, 10]);
    assert.equal(run.businessKey, 'lead:123');
    assert.equal(run.createdBy, 'webhook:crm');
    const listed = (await env.w.api('GET', '/v1/runs?key=lead:123')).body.runs;
    assert.deepEqual(listed.map((r: { id: string }) => r.id), [runId]);

    // The audit trail says which event started it.
    const timeline = (await env.w.api('GET', `/v1/runs/${encodeURIComponent(runId)}/timeline`)).body.entries;
    const origin = timeline.find((e: { name: string }) => e.name === 'started_by_event');
    assert.deepEqual(origin?.data, { source: 'crm', eventId: 'evt-100', type: 'lead.created', key: '123', trigger: 'crm:lead.created->test.chain' });
  });

  test('events of other types start nothing', async () => {
    const before = await runCount();
    const r = await webhook({ id: 'evt-200', type: 'lead.updated', key: '123', data: {} });
    assert.equal(r.status, 202);
    assert.deepEqual(r.body.triggeredRuns, []);
    assert.equal(await runCount(), before);
  });

  test('an event whose mapped input does not fit the workflow is refused and nothing is stored', async () => {
    const before = await runCount();
    const r = await webhook({ id: 'evt-300', type: 'lead.created', key: '9', data: { score: 1000 } });
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'invalid_event');
    assert.match(r.body.detail, /crm:lead.created->test.chain/);
    assert.equal(await runCount(), before);
    assert.equal((await env.pool.query(`SELECT count(*)::int AS n FROM waymark.events WHERE event_id = 'evt-300'`)).rows[0].n, 0);
    // The sender's retry with a fixed event goes through.
    const fixed = await webhook({ id: 'evt-300', type: 'lead.created', key: '9', data: { score: 1 } });
    assert.equal(fixed.status, 202);
    assert.deepEqual(fixed.body.triggeredRuns, ['event:crm:evt-300:test.chain']);
  });

  test('another tenant never sees a triggered run', async () => {
    const acme = await env.w.apiAs('acme-admin', ['admin'], 'acme');
    assert.deepEqual((await acme('GET', '/v1/runs?key=lead:123')).body.runs, []);
    assert.equal((await acme('GET', `/v1/runs/${encodeURIComponent('event:crm:evt-100:test.chain')}`)).status, 404);
  });
});
