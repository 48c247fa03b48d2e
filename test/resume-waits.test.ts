/**
 * A run cancelled while it waits for a person or an event, then resumed, waits again — and says
 * so in its phase and its audit trail — and an event that arrived while it was cancelled is
 * delivered when it is resumed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook } from '../src/server.js';
import { useFixtureEnv } from './fixture-env.js';
import { waitFor } from './helpers.js';

const SECRET = 'resume-secret';
const env = useFixtureEnv('resume_waits', { waymark: { config: { webhookSecrets: { crm: SECRET } } } });
const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);
const run = (id: string) => api('GET', `/v1/runs/${id}`).then((r) => r.body);
const events = async (id: string) => (await api('GET', `/v1/runs/${id}/timeline`)).body.entries.filter((e: any) => e.type === 'event').map((e: any) => e.name as string);
const cancelAndResume = async (id: string) => {
  assert.equal((await api('POST', `/v1/runs/${id}/cancel`)).status, 200);
  await waitFor('the run to be cancelled', async () => (await run(id)).status === 'CANCELLED');
  assert.equal((await api('POST', `/v1/runs/${id}/resume`)).status, 200);
};

test('resumed while waiting for an approval: back in waiting_for_approval, listed by phase, and the approval decides it', async () => {
  const id = (await api('POST', '/v1/runs', { workflow: 'test.approval', input: { title: 'Pay Ed', proposal: { amount: 9, payee: 'Ed' }, assignees: { users: ['ops'] } } })).body.id;
  await waitFor('the wait', async () => (await run(id)).phase === 'waiting_for_approval');
  await cancelAndResume(id);
  await waitFor('the phase after resume', async () => (await run(id)).phase === 'waiting_for_approval' && (await run(id)).status === 'PENDING');
  const listed = (await api('GET', '/v1/runs?phase=waiting_for_approval&limit=200')).body.runs.map((r: any) => r.id);
  assert.ok(listed.includes(id));
  const approval = (await api('GET', `/v1/approvals?runId=${id}`)).body.approvals[0];
  assert.equal(approval.status, 'pending');
  const kinds = await events(id);
  assert.ok(kinds.indexOf('approval_cancelled') < kinds.indexOf('approval_reopened'), kinds.join(','));
  assert.equal((await api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' })).status, 200);
  await waitFor('the run to finish', async () => (await run(id)).status === 'SUCCESS');
});

test('resumed while waiting for an event: back in waiting_for_event, listed by phase, and the event completes it', async () => {
  const id = (await api('POST', '/v1/runs', { workflow: 'test.event', input: { source: 'crm', type: 'doc.signed', key: 'contract-9' } })).body.id;
  await waitFor('the wait', async () => (await run(id)).phase === 'waiting_for_event');
  await cancelAndResume(id);
  await waitFor('the phase after resume', async () => {
    const r = await run(id);
    return r.phase === 'waiting_for_event' && r.status === 'PENDING';
  });
  const listed = (await api('GET', '/v1/runs?phase=waiting_for_event&limit=200')).body.runs.map((r: any) => r.id);
  assert.ok(listed.includes(id), 'listed by its waiting phase');
  const kinds = await events(id);
  assert.ok(kinds.includes('event_wait_cancelled') && kinds.indexOf('event_wait_cancelled') < kinds.indexOf('event_wait_reopened'), kinds.join(','));
  const raw = JSON.stringify({ id: 'sig-9', type: 'doc.signed', key: 'contract-9', data: { by: 'Gil' } });
  const sent = await env.w.api('POST', '/v1/events/crm', raw, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, raw) });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  assert.deepEqual(sent.body.deliveredTo, [id], 'delivered to the resumed wait');
  const done = await waitFor('the run to finish', async () => {
    const r = await run(id);
    return r.status === 'SUCCESS' || r.status === 'ERROR' ? r : undefined;
  });
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
  assert.equal(done.phase, 'completed');
  assert.equal(done.output.result.status, 'received');
  assert.deepEqual(done.output.result.event.data, { by: 'Gil' });
});

test('an event that arrived while the run was cancelled is delivered when it is resumed', async () => {
  const id = (await api('POST', '/v1/runs', { workflow: 'test.event', input: { source: 'crm', type: 'doc.signed', key: 'contract-7' } })).body.id;
  await waitFor('the wait', async () => (await run(id)).phase === 'waiting_for_event');
  assert.equal((await api('POST', `/v1/runs/${id}/cancel`)).status, 200);
  await waitFor('the run to be cancelled', async () => (await run(id)).status === 'CANCELLED');
  const raw = JSON.stringify({ id: 'sig-7', type: 'doc.signed', key: 'contract-7', data: { by: 'Fay' } });
  const sent = await env.w.api('POST', '/v1/events/crm', raw, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, raw) });
  assert.deepEqual(sent.body.notDelivered.map((n: any) => n.runId), [id]);
  assert.equal((await api('POST', `/v1/runs/${id}/resume`)).status, 200);
  const done = await waitFor('the run to finish', async () => {
    const r = await run(id);
    return r.status === 'SUCCESS' || r.status === 'ERROR' ? r : undefined;
  });
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
  assert.equal(done.output.result.status, 'received');
  assert.deepEqual(done.output.result.event.data, { by: 'Fay' });
  const kinds = await events(id);
  for (const k of ['event_wait_cancelled', 'event_wait_reopened', 'event_received']) assert.ok(kinds.includes(k), `${k} in ${kinds.join(',')}`);
});
