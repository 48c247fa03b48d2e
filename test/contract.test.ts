/**
 * The API's contract in the details a client relies on: what a workflow's input schema says is
 * required, refused forks, redelivered and conflicting events, `"edits": null`, deadlines the
 * decision itself enforces, audit details, problem titles, and a worker that stopped
 * heartbeating.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook } from '../src/server.js';
import { TestClock } from '../src/testing.js';
import { useFixtureEnv } from './fixture-env.js';
import { beforeLaunch, workflows } from './fixtures/workflows.js';
import { killWorker, spawnWorker, startTestWaymark, waitFor } from './helpers.js';

const SECRET = 'contract-secret';
const DAY = 86_400_000;
const env = useFixtureEnv('contract', { waymark: { config: { webhookSecrets: { crm: SECRET } } } });
const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);
const finished = (id: string) =>
  waitFor(`run ${id}`, async () => {
    const r = (await api('GET', `/v1/runs/${id}`)).body;
    return ['SUCCESS', 'ERROR'].includes(r.status) ? r : undefined;
  });
const pendingApproval = (runId: string) => waitFor('the approval', async () => (await api('GET', `/v1/approvals?runId=${runId}&status=pending`)).body.approvals[0]);

test('a field with a default is optional in the published input schema', async () => {
  const wf = (await api('GET', '/v1/workflows')).body.workflows.find((w: any) => w.name === 'test.escalate');
  assert.deepEqual(wf.inputSchema.required, ['reason']);
  assert.equal(wf.inputSchema.properties.note.default, '');
});

test('a fork past the recorded steps is refused; one at the end is a new run', async () => {
  const id = (await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 2 } })).body.id;
  await finished(id);
  const far = await api('POST', `/v1/runs/${id}/fork`, { fromStep: 999_999 });
  assert.equal(far.status, 422);
  assert.equal(far.body.code, 'invalid_from_step');
  assert.equal(far.body.steps, 2);
  const runs = (await api('GET', '/v1/runs?workflow=test.chain&limit=200')).body.runs.filter((r: any) => r.forkedFrom === id);
  assert.equal(runs.length, 0, 'no run was created');
  assert.equal((await api('POST', `/v1/runs/${id}/fork`, { fromStep: 2 })).status, 201);
});

test('a fork that would wait for an answer given to the original run is refused; from the wait itself it waits anew', async () => {
  const id = (await api('POST', '/v1/runs', { workflow: 'test.approval', input: { title: 'Pay Gus', proposal: { amount: 7, payee: 'Gus' }, assignees: { users: ['ops'] } } })).body.id;
  const approval = await pendingApproval(id);
  const opened = (await api('GET', `/v1/runs/${id}/timeline`)).body.entries.find((e: any) => e.type === 'step' && e.name === 'waymark.approval.request');
  const inside = await api('POST', `/v1/runs/${id}/fork`, { fromStep: opened.stepId + 1 });
  assert.equal(inside.status, 409);
  assert.equal(inside.body.code, 'fork_inside_wait');
  assert.equal(inside.body.stepId, opened.stepId);
  assert.equal(inside.body.waitId, approval.id);

  const anew = await api('POST', `/v1/runs/${id}/fork`, { fromStep: opened.stepId });
  assert.equal(anew.status, 201, JSON.stringify(anew.body));
  const own = await pendingApproval(anew.body.id);
  assert.notEqual(own.id, approval.id, 'the fork asks in an approval of its own, in the inbox');
  assert.equal((await api('POST', `/v1/approvals/${own.id}/decision`, { decision: 'approve' })).status, 200);
  assert.equal((await finished(anew.body.id)).status, 'SUCCESS');

  assert.equal((await api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'reject' })).status, 200);
  const done = await finished(id);
  const steps = (await api('GET', `/v1/runs/${id}/timeline`)).body.entries.filter((e: any) => e.type === 'step');
  const last = Math.max(...steps.map((e: any) => e.stepId as number));
  assert.equal((await api('POST', `/v1/runs/${id}/fork`, { fromStep: last })).status, 201, `after the answer (run ${done.status})`);
});

test('a redelivered event is a duplicate; the same id with other content is a conflict and changes nothing', async () => {
  const send = (body: object) => {
    const raw = JSON.stringify(body);
    return env.w.api('POST', '/v1/events/crm', raw, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, raw) });
  };
  const first = { id: 'lead-1', type: 'lead.created', key: 'acme', data: { value: 100 } };
  assert.equal((await send(first)).status, 202);
  const again = await send(first);
  assert.equal(again.status, 200);
  assert.equal(again.body.duplicate, true);
  const other = await send({ ...first, data: { value: 999 } });
  assert.equal(other.status, 409);
  assert.equal(other.body.code, 'event_id_reused');
  const stored = await env.pool.query(`SELECT data FROM waymark.events WHERE event_id = 'lead-1'`);
  assert.deepEqual(stored.rows, [{ data: { value: 100 } }]);
  const badSignature = await env.w.api('POST', '/v1/events/crm', JSON.stringify(first), { 'content-type': 'application/json', 'waymark-signature': 't=1,v1=00' });
  assert.equal(badSignature.status, 401);
  assert.equal(badSignature.body.title, 'Unauthorized');
});

test('"edits": null approves the proposal unchanged; approval_requested records the deadline', async () => {
  const id = (await api('POST', '/v1/runs', {
    workflow: 'test.approval',
    input: { title: 'Pay Cy', proposal: { amount: 30, payee: 'Cy' }, editable: true, assignees: { users: ['ops'] }, deadline: { afterMs: 3 * DAY, outcome: 'reject' } },
  })).body.id;
  const approval = await pendingApproval(id);
  const requested = (await api('GET', `/v1/runs/${id}/timeline`)).body.entries.find((e: any) => e.name === 'approval_requested');
  assert.equal(new Date(requested.data.deadlineAt).toISOString(), approval.deadlineAt);
  assert.ok(approval.deadlineAt);
  const decided = await api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve', edits: null });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));
  assert.deepEqual(decided.body.value, { amount: 30, payee: 'Cy' });
  assert.deepEqual(decided.body.diff, []);
  assert.equal((await finished(id)).status, 'SUCCESS');
});

test('a decision after the deadline is refused by the decision itself, whatever the worker is doing', async () => {
  const id = (await api('POST', '/v1/runs', {
    workflow: 'test.approval',
    input: { title: 'Pay Di', proposal: { amount: 40, payee: 'Di' }, assignees: { users: ['ops'] }, deadline: { afterMs: DAY, outcome: 'reject' } },
  })).body.id;
  const approval = await pendingApproval(id);
  // An API process whose clock is two days on: past the deadline, which the worker (on the
  // system clock) has not reached.
  const later = await startTestWaymark(env.url, { workflows, beforeLaunch, worker: false, clock: new TestClock(Date.now() + 2 * DAY) });
  try {
    const late = await later.api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' });
    assert.equal(late.status, 409);
    assert.equal(late.body.code, 'approval_expired');
  } finally {
    await later.stop();
  }
  assert.equal((await api('GET', `/v1/approvals/${approval.id}`)).body.status, 'pending', 'the refusal changed nothing');
  assert.equal((await api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'reject' })).status, 200, 'in time, it is accepted');
  await finished(id);
});

test('a worker that stopped heartbeating shows as suspect before anyone adopts it', async () => {
  // This file's in-process worker would adopt it: hand over to a client-only Waymark.
  await env.w.stop();
  env.w = await startTestWaymark(env.url, { workflows, beforeLaunch, worker: false, config: { webhookSecrets: { crm: SECRET } } });
  const worker = await spawnWorker(env.url, { WAYMARK_LEASE_TTL_MS: '3000' });
  try {
    const statusOf = async () => (await api('GET', '/v1/workers')).body.workers.find((x: any) => x.executorId === worker.executorId)?.status;
    await waitFor('the worker to be listed live', async () => (await statusOf()) === 'live');
    await killWorker(worker);
    await waitFor('the worker to be suspect', async () => (await statusOf()) === 'suspect');
  } finally {
    await killWorker(worker);
  }
});
