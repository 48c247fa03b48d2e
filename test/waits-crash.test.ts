/**
 * Waiting across SIGKILL of real worker processes: a reminder that fell due while no worker
 * ran is sent once, late, and the rest of the schedule is kept; a decision or an event that
 * arrives while no worker runs is picked up when one starts; timeouts keep their deadline.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { signWebhook } from '../src/server.js';
import type { TestWaymark } from './helpers.js';
import { WebhookSink } from './fixtures/notification-sinks.js';
import { beforeLaunch, closeFixtures, useFixtureDatabase, workflows } from './fixtures/workflows.js';
import { createTestDatabase, dropTestDatabase, http, killWorker, spawnWorker, startTestWaymark, waitFor } from './helpers.js';

const SECRET = 'crash-secret';
let url: string;
let w: TestWaymark;
let pool: pg.Pool;
const hooks = new WebhookSink();

before(async () => {
  url = await createTestDatabase('waits_crash');
  useFixtureDatabase(url);
  await hooks.start();
  w = await startTestWaymark(url, { workflows, beforeLaunch, worker: false, config: { webhookSecrets: { police: SECRET } } });
  pool = new pg.Pool({ connectionString: url, max: 2 });
});
after(async () => {
  await pool.end();
  await w.stop();
  await hooks.stop();
  await closeFixtures();
  await dropTestDatabase(url);
});

const worker = () => spawnWorker(url, { WAYMARK_NOTIFY_WEBHOOK_URL: hooks.url });
const api = (method: string, path: string, body?: unknown) => http(w.httpUrl, method, path, body);
const settled = (id: string) =>
  waitFor(`run ${id}`, async () => {
    const r = await api('GET', `/v1/runs/${id}`);
    return ['SUCCESS', 'ERROR'].includes(r.body.status) ? r.body : undefined;
  }, 90_000);
/** Milliseconds since the approval was created, by the database's clock. */
const ageMs = async (approvalId: string) =>
  Number((await pool.query(`SELECT extract(epoch FROM clock_timestamp() - created_at) * 1000 AS ms FROM waymark.approvals WHERE id = $1`, [approvalId])).rows[0].ms);

test('a reminder due while no worker ran is sent once after restart, and the later one on schedule', async () => {
  const first = await worker();
  const r = await api('POST', '/v1/runs', {
    workflow: 'test.approval',
    input: { title: 'Approve repair', proposal: { amount: 10, payee: 'x' }, assignees: { users: ['ada@example.com'] }, reminders: [2_500, 6_000] },
  });
  const approval = await waitFor('approval', async () => (await api('GET', `/v1/approvals?runId=${r.body.id}`)).body.approvals[0] as { id: string; createdAt: string } | undefined);
  const approvalId = approval.id;
  const created = Date.parse(approval.createdAt);
  // A notice whose send was cut short by the kill is sent again with the same Idempotency-Key;
  // a receiver de-duplicates by that key, and so does this count.
  const hooksOf = () =>
    hooks.received.filter((h, i, all) => h.body.data.approvalId === approvalId && all.findIndex((x) => x.key === h.key) === i);
  const mine = () => hooksOf().map((h) => h.body.kind);
  await waitFor('the request notice', () => Promise.resolve(mine().length === 1));
  await killWorker(first);
  assert.ok((await ageMs(approvalId)) < 2_500, 'killed before the first reminder was due');
  await waitFor('the first reminder to fall due', async () => (await ageMs(approvalId)) > 3_000);
  assert.deepEqual(mine(), ['approval.requested'], 'nothing is sent while no worker runs');

  const second = await worker();
  try {
    await waitFor('the late reminder', () => Promise.resolve(mine().length === 2));
    await waitFor('the second reminder', () => Promise.resolve(mine().length === 3), 30_000);
    assert.deepEqual(mine(), ['approval.requested', 'approval.reminder', 'approval.reminder']);
    const [, late, second] = hooksOf().map((h) => h.at - created);
    assert.ok(late! >= 3_000 && late! < 6_000, `the late reminder came after the restart (${late} ms), before the next was due`);
    assert.ok(second! >= 6_000, `the second reminder kept its time (${second} ms after the request, due at 6000)`);
    const sent = await waitFor('both reminders recorded', async () => {
      const rows = (await pool.query(`SELECT data->>'reminder' AS n FROM waymark.run_events WHERE run_id = $1 AND kind = 'approval_reminder_sent' ORDER BY id`, [r.body.id])).rows;
      return rows.length === 2 ? rows : undefined;
    });
    assert.deepEqual(sent.map((x) => x.n), ['1', '2']);
    await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve' });
    assert.equal((await settled(r.body.id)).status, 'SUCCESS');
  } finally {
    await killWorker(second);
  }
});

test('a decision made while no worker runs is picked up when one starts', async () => {
  const first = await worker();
  const r = await api('POST', '/v1/runs', { workflow: 'test.approval', input: { title: 'Approve payout', proposal: { amount: 5, payee: 'y' }, assignees: { roles: ['adjuster'] } } });
  const approvalId = await waitFor('approval', async () => (await api('GET', `/v1/approvals?runId=${r.body.id}`)).body.approvals[0]?.id as string | undefined);
  await killWorker(first);
  const decided = await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve', by: 'carol', comment: 'decided during the outage' });
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
  const gets = await api('POST', '/v1/runs', { workflow: 'test.event', input: { type: 'police_report.received', key: 'claim-x' } });
  const times = await api('POST', '/v1/runs', { workflow: 'test.event', input: { type: 'police_report.received', key: 'claim-y', timeoutMs: 2_000 } });
  for (const id of [gets.body.id, times.body.id]) {
    await waitFor('waiting', async () => (await api('GET', `/v1/runs/${id}`)).body.phase === 'waiting_for_event');
  }
  await killWorker(first);
  const body = JSON.stringify({ id: 'evt-x', type: 'police_report.received', key: 'claim-x', data: { reportNo: 'PR-9' } });
  const hook = await http(w.httpUrl, 'POST', '/v1/events/police', body, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, body) });
  assert.deepEqual(hook.body.deliveredTo, [gets.body.id]);
  await new Promise((r) => setTimeout(r, 2_500)); // let the other wait's deadline pass with no worker
  const second = await worker();
  try {
    assert.equal((await settled(gets.body.id)).output.result.event.data.reportNo, 'PR-9');
    assert.deepEqual((await settled(times.body.id)).output.result, { status: 'timed_out' });
  } finally {
    await killWorker(second);
  }
});
