/**
 * Waiting across SIGKILL of real worker processes: a reminder that fell due while no worker
 * ran is sent once, late, and the rest of the schedule is kept; a decision or an event that
 * arrives while no worker runs is picked up when one starts; timeouts keep their deadline.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook } from '../src/server.js';
import { killWorker, spawnWorker, waitFor } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

const SECRET = 'crash-secret';
const env = useFixtureEnv('waits_crash', {
  webhookSink: true,
  waymark: { worker: false, config: { webhookSecrets: { police: SECRET } } },
});

const worker = () => spawnWorker(env.url, { WAYMARK_NOTIFY_WEBHOOK_URL: env.hooks.url });
const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);
const settled = (id: string) =>
  waitFor(`run ${id}`, async () => {
    const r = await api('GET', `/v1/runs/${id}`);
    return ['SUCCESS', 'ERROR'].includes(r.body.status) ? r.body : undefined;
  }, 90_000);
/** Milliseconds since the approval was created, by the database's clock. */
const ageMs = async (approvalId: string) =>
  Number((await env.pool.query(`SELECT extract(epoch FROM clock_timestamp() - created_at) * 1000 AS ms FROM waymark.approvals WHERE id = $1`, [approvalId])).rows[0].ms);

test('a reminder due while no worker ran is sent once after restart, and the later one on schedule', async () => {
  // Offsets from the approval's creation. The first worker is killed right after the request
  // notice, long before the first reminder is due; nothing below compares elapsed time with a window.
  const [firstDue, secondDue] = [4_000, 8_000];
  const first = await worker();
  const r = await api('POST', '/v1/runs', {
    workflow: 'test.approval',
    input: { title: 'Approve repair', proposal: { amount: 10, payee: 'x' }, assignees: { users: ['ada@example.com'] }, reminders: [firstDue, secondDue] },
  });
  const approval = await waitFor('approval', async () => (await api('GET', `/v1/approvals?runId=${r.body.id}`)).body.approvals[0] as { id: string; createdAt: string } | undefined);
  const approvalId = approval.id;
  const created = Date.parse(approval.createdAt);
  // A notice whose send was cut short by the kill is sent again with the same Idempotency-Key;
  // a receiver de-duplicates by that key, and so does this count.
  const hooksOf = () =>
    env.hooks.received.filter((h, i, all) => h.body.data.approvalId === approvalId && all.findIndex((x) => x.key === h.key) === i);
  const mine = () => hooksOf().map((h) => h.body.kind);
  const remindersRecorded = async () =>
    (await env.pool.query(`SELECT data->>'reminder' AS n FROM waymark.run_events WHERE run_id = $1 AND kind = 'approval_reminder_sent' ORDER BY id`, [r.body.id])).rows.map((x) => x.n as string);
  await waitFor('the request notice', () => Promise.resolve(mine().length === 1));
  await killWorker(first);
  await waitFor('the first reminder to fall due', async () => (await ageMs(approvalId)) > firstDue + 500);
  assert.deepEqual(mine(), ['approval.requested'], 'nothing is sent while no worker runs');
  assert.deepEqual(await remindersRecorded(), [], 'no reminder was recorded before the restart');

  const restartedAt = Date.now();
  const second = await worker();
  try {
    await waitFor('the late reminder', () => Promise.resolve(mine().length === 2));
    await waitFor('the second reminder', () => Promise.resolve(mine().length === 3), 30_000);
    assert.deepEqual(mine(), ['approval.requested', 'approval.reminder', 'approval.reminder']);
    const [request, late, next] = hooksOf();
    assert.deepEqual([request, late, next].map((h) => h!.body.id), ['requested', '1', '2'].map((n) => `approval:${approvalId}:${n}`));
    // The order of what happened: request, kill, first reminder due, restart, late reminder, second reminder.
    assert.ok(late!.at >= restartedAt, 'the first reminder was sent by the restarted worker, after the restart');
    assert.ok(next!.at >= late!.at, 'the second reminder came after the late one');
    assert.ok(next!.at >= created + secondDue, `the second reminder kept its time (${next!.at - created} ms after the request, due at ${secondDue})`);
    assert.deepEqual(await waitFor('both reminders recorded', async () => {
      const sent = await remindersRecorded();
      return sent.length === 2 ? sent : undefined;
    }), ['1', '2']);
    await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve' });
    assert.equal((await settled(r.body.id)).status, 'SUCCESS');
    assert.deepEqual(mine(), ['approval.requested', 'approval.reminder', 'approval.reminder'], 'each reminder was sent exactly once');
    assert.deepEqual(await remindersRecorded(), ['1', '2']);
    // The wait's recv was executed again after the kill; the history still lists steps in step order.
    const steps = (await api('GET', `/v1/runs/${r.body.id}/timeline`)).body.entries.filter((e: any) => e.type === 'step').map((e: any) => e.stepId as number);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b));
  } finally {
    await killWorker(second);
  }
});

test('a decision made while no worker runs is picked up when one starts', async () => {
  const first = await worker();
  const r = await api('POST', '/v1/runs', { workflow: 'test.approval', input: { title: 'Approve payout', proposal: { amount: 5, payee: 'y' }, assignees: { roles: ['adjuster'] } } });
  const approvalId = await waitFor('approval', async () => (await api('GET', `/v1/approvals?runId=${r.body.id}`)).body.approvals[0]?.id as string | undefined);
  await killWorker(first);
  const carol = await env.w.apiAs('carol', ['approver', 'adjuster']);
  const decided = await carol('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve', comment: 'decided during the outage' });
  assert.equal(decided.status, 200);
  assert.equal((await api('GET', `/v1/runs/${r.body.id}`)).body.status, 'PENDING');
  const second = await worker();
  try {
    const run = await settled(r.body.id);
    assert.equal(run.output.decision.decidedBy, 'carol');
  } finally {
    await killWorker(second);
  }
});

test('an event delivered while no worker runs, and a timeout that passed meanwhile, are both honoured after restart', async () => {
  const first = await worker();
  const gets = await api('POST', '/v1/runs', { workflow: 'test.event', input: { source: 'police', type: 'police_report.received', key: 'claim-x' } });
  const times = await api('POST', '/v1/runs', { workflow: 'test.event', input: { source: 'police', type: 'police_report.received', key: 'claim-y', timeoutMs: 2_000 } });
  for (const id of [gets.body.id, times.body.id]) {
    await waitFor('waiting', async () => (await api('GET', `/v1/runs/${id}`)).body.phase === 'waiting_for_event');
  }
  await killWorker(first);
  const body = JSON.stringify({ id: 'evt-x', type: 'police_report.received', key: 'claim-x', data: { reportNo: 'PR-9' } });
  const hook = await env.w.api('POST', '/v1/events/police', body, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, body) });
  assert.deepEqual(hook.body.deliveredTo, [gets.body.id]);
  // Let the other wait's deadline pass, by the database's clock, with no worker running.
  await waitFor('the timeout to pass', async () =>
    (await env.pool.query(`SELECT 1 FROM waymark.event_waits WHERE run_id = $1 AND deadline_at < clock_timestamp() - interval '200 milliseconds'`, [times.body.id])).rowCount === 1);
  const second = await worker();
  try {
    assert.equal((await settled(gets.body.id)).output.result.event.data.reportNo, 'PR-9');
    assert.deepEqual((await settled(times.body.id)).output.result, { status: 'timed_out' });
  } finally {
    await killWorker(second);
  }
});

test('a worker killed after opening an event wait but before its checkpoint: the event that came meanwhile moves the run back to running', async () => {
  // The kill falls where no outside observer could time it: the wait's row and the phase
  // change are committed, the step's checkpoint is not, so the restart executes the step again.
  const first = await spawnWorker(env.url, { WAYMARK_NOTIFY_WEBHOOK_URL: env.hooks.url, WORKER_KILL_AT: 'after-effect waymark.event.wait' });
  const started = await api('POST', '/v1/runs', { workflow: 'test.event', input: { source: 'police', type: 'police_report.received', key: 'claim-k' } });
  const id: string = started.body.id;
  assert.equal(await first.exited, 'SIGKILL');
  assert.equal((await api('GET', `/v1/runs/${id}`)).body.phase, 'waiting_for_event');
  const body = JSON.stringify({ id: 'evt-k', type: 'police_report.received', key: 'claim-k', data: { reportNo: 'PR-11' } });
  const hook = await env.w.api('POST', '/v1/events/police', body, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, body) });
  assert.deepEqual(hook.body.deliveredTo, [id]);
  const second = await worker();
  try {
    assert.equal((await settled(id)).output.result.event.data.reportNo, 'PR-11');
    const phases = (await env.pool.query(`SELECT from_phase, to_phase, reason FROM waymark.run_events WHERE run_id = $1 AND kind = 'phase_changed' ORDER BY id`, [id])).rows;
    const left = phases.findIndex((p) => p.from_phase === 'waiting_for_event');
    assert.ok(left >= 0, JSON.stringify(phases));
    assert.deepEqual(phases[left], { from_phase: 'waiting_for_event', to_phase: 'running', reason: 'received police_report.received claim-k' }, 'the received event ended the wait in the phase history');
  } finally {
    await killWorker(second);
  }
});
