/**
 * The insurance-claim example end to end over HTTP. First on a controllable clock — ask on day
 * 1, follow up on day 3, escalate on day 5, resume when the report's webhook arrives, remind the
 * adjuster a day later — in seconds and deterministically. Then with its worker (the real
 * `waymark worker` command) SIGKILLed in the middle of the wait for the police report.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { signWebhook } from '../src/server.js';
import { TestClock } from '../src/testing.js';
import { beforeLaunch, workflows } from '../examples/index.js';
import { WebhookSink } from './fixtures/notification-sinks.js';
import { createTestDatabase, dropTestDatabase, killWorker, spawnWorker, startTestWaymark, waitFor, type TestWaymark } from './helpers.js';

const SECRET = 'police-secret';
let url: string;
let pool: pg.Pool;
const hooks = new WebhookSink();

before(async () => {
  url = await createTestDatabase('claim');
  await hooks.start();
  pool = new pg.Pool({ connectionString: url, max: 2 });
});
after(async () => {
  await pool.end();
  await hooks.stop();
  await dropTestDatabase(url);
});

const sentFor = (claimId: string) => hooks.received.filter((h) => h.body.data.claimId === claimId).map((h) => h.body.kind);
const sentForApproval = (approvalId: string) => hooks.received.filter((h) => h.body.data.approvalId === approvalId).map((h) => h.body.kind);
/** The claim's business states, in order, from its audit trail. */
const statesOf = async (runId: string) =>
  (await pool.query(`SELECT data->>'to' AS state FROM waymark.run_events WHERE run_id = $1 AND kind = 'state_changed' ORDER BY id`, [runId])).rows.map((r) => r.state as string);
const policeReport = (w: TestWaymark, claimId: string, eventId: string) => {
  const body = JSON.stringify({ id: eventId, type: 'police_report.received', key: claimId, data: { reportNo: 'PR-4711' } });
  return w.api('POST', '/v1/events/police', body, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, body) });
};

test('on a controllable clock: asked on day 1, followed up on day 3, escalated on day 5, resumed by the webhook, the adjuster reminded on the next day', async () => {
  const clock = new TestClock(new Date('2026-03-02T09:00:00Z'));
  const w = await startTestWaymark(url, {
    workflows, beforeLaunch, clock,
    // The test watches the clock's live waits (clock.waiting): the run stays live while it waits.
    config: { webhookSecrets: { police: SECRET }, notify: { webhookUrl: hooks.url, smtpUrl: undefined, emailFrom: 'claims@test.example' }, hotWaitMs: 600_000 },
  });
  try {
    const api = (method: string, path: string, body?: unknown) => w.api(method, path, body);
    const phase = async (id: string) => (await api('GET', `/v1/runs/${id}`)).body.phase as string;
    // The n-th wait is open (and, when it has a timeout, its run waits on the clock).
    const waitingForReport = (id: string, n: number, timed = true) =>
      waitFor(`wait ${n} for the report`, async () => (await pool.query(`SELECT 1 FROM waymark.event_waits WHERE run_id = $1 AND status = 'waiting'`, [id])).rowCount === 1
        && (await pool.query(`SELECT 1 FROM waymark.event_waits WHERE run_id = $1`, [id])).rowCount === n && (!timed || clock.waiting > 0));

    const started = await api('POST', '/v1/runs', { workflow: 'insurance-claim', input: { claimId: 'C-200', claimant: 'kim@example.com', amountCents: 250_000 } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id: string = started.body.id;

    // Day 1: the request goes out, and the run waits.
    await waitingForReport(id, 1);
    assert.deepEqual(sentFor('C-200'), ['claim.report-requested']);
    assert.equal(await phase(id), 'waiting_for_event');

    // Day 3: the follow-up, once; the run waits again.
    await clock.advance('2d');
    await waitingForReport(id, 2);
    assert.deepEqual(sentFor('C-200'), ['claim.report-requested', 'claim.report-follow-up']);
    assert.equal(await phase(id), 'waiting_for_event');

    // Day 5: escalated to the supervisor; the escalation stays visible while the run waits.
    await clock.advance('2d');
    await waitingForReport(id, 3, false);
    await waitFor('the escalation notice', () => Promise.resolve(sentFor('C-200').length === 3));
    assert.deepEqual(sentFor('C-200'), ['claim.report-requested', 'claim.report-follow-up', 'claim.report-escalated']);
    assert.equal(await phase(id), 'escalated');
    assert.equal((await api('GET', `/v1/runs/${id}`)).body.state, 'escalated');

    // The report arrives: the run resumes at once and asks the adjuster.
    const hook = await policeReport(w, 'C-200', 'evt-clock-1');
    assert.deepEqual(hook.body.deliveredTo, [id]);
    const approval = await waitFor('the payout approval', async () => (await api('GET', '/v1/approvals?status=pending&role=adjuster')).body.approvals.find((a: any) => a.runId === id));
    await waitFor('the approval request notice', () => Promise.resolve(sentForApproval(approval.id).length === 1));
    assert.equal(await phase(id), 'waiting_for_approval');

    // A day later the adjuster is reminded, once.
    await clock.advance('1d');
    await waitFor('the reminder', () => Promise.resolve(sentForApproval(approval.id).length === 2));
    assert.deepEqual(sentForApproval(approval.id), ['approval.requested', 'approval.reminder']);
    await waitFor('the reminder recorded', async () => (await api('GET', `/v1/approvals/${approval.id}`)).body.remindersSent === 1);

    const lee = await w.apiAs('adjuster.lee', ['approver', 'adjuster']);
    const decided = await lee('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    const run = await waitFor('the run to finish', async () => {
      const r = (await api('GET', `/v1/runs/${id}`)).body;
      return r.status === 'SUCCESS' || r.status === 'ERROR' ? r : undefined;
    });
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    assert.deepEqual(run.output, { claimId: 'C-200', policeReport: { reportNo: 'PR-4711' }, decision: 'approved', amountCents: 250_000, decidedBy: 'adjuster.lee' });
    assert.deepEqual(sentFor('C-200'), ['claim.report-requested', 'claim.report-follow-up', 'claim.report-escalated'], 'each notice went out once');
    const kinds = (await pool.query(`SELECT kind FROM waymark.run_events WHERE run_id = $1 ORDER BY id`, [id])).rows.map((r) => r.kind as string);
    assert.equal(kinds.filter((k) => k === 'event_wait_timed_out').length, 2, 'two waits timed out (day 3 and day 5)');
    for (const k of ['event_received', 'approval_requested', 'approval_reminder_sent', 'approval_decided']) assert.ok(kinds.includes(k), `${k} in the audit trail`);
    // The report's webhook moved the escalated claim to confirmed; the approval made it paid.
    assert.equal(run.state, 'paid');
    assert.deepEqual(await statesOf(id), ['drafted', 'awaiting_report', 'escalated', 'confirmed', 'paid']);
  } finally {
    await w.stop();
  }
});

test('a claim waits for its police report through a worker crash, resumes on the webhook, and records the adjuster\'s decision', async () => {
  const w = await startTestWaymark(url, { workflows, beforeLaunch, worker: false, config: { webhookSecrets: { police: SECRET } } });
  const worker = () =>
    spawnWorker(url, { WAYMARK_NOTIFY_WEBHOOK_URL: hooks.url, WAYMARK_WEBHOOK_SECRETS: `police=${SECRET}` }, {
      args: ['src/cli.ts', 'worker', '--workflows', 'examples/index.ts'],
      ready: /executor:\s+(\S+)/,
    });
  const api = (method: string, path: string, body?: unknown) => w.api(method, path, body);
  const phase = async (id: string) => (await api('GET', `/v1/runs/${id}`)).body.phase as string;
  let current = await worker();
  try {
    const started = await api('POST', '/v1/runs', { workflow: 'insurance-claim', input: { claimId: 'C-100', claimant: 'kim@example.com', amountCents: 250_000 } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id: string = started.body.id;
    await waitFor('the report request', () => Promise.resolve(sentFor('C-100').includes('claim.report-requested')));
    await waitFor('the wait for the report', async () => (await phase(id)) === 'waiting_for_event');

    // kill -9 in the middle of the wait; a new worker takes the run up again
    await killWorker(current);
    current = await worker();

    const hook = await policeReport(w, 'C-100', 'evt-pr-1');
    assert.deepEqual(hook.body.deliveredTo, [id]);
    assert.equal((await api('GET', `/v1/runs/${id}`)).body.state, 'confirmed', 'the webhook moved the claim in its own transaction');
    const approval = await waitFor('the payout approval', async () => (await api('GET', '/v1/approvals?status=pending&role=adjuster')).body.approvals.find((a: any) => a.runId === id));
    assert.equal(await phase(id), 'waiting_for_approval');
    const lee = await w.apiAs('adjuster.lee', ['approver', 'adjuster']);
    const decided = await lee('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve', edits: { amountCents: 240_000 }, comment: 'deductible applied' });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));

    const run = await waitFor('the run to finish', async () => {
      const r = (await api('GET', `/v1/runs/${id}`)).body;
      return r.status === 'SUCCESS' || r.status === 'ERROR' ? r : undefined;
    });
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    assert.deepEqual(run.output, { claimId: 'C-100', policeReport: { reportNo: 'PR-4711' }, decision: 'approved', amountCents: 240_000, decidedBy: 'adjuster.lee' });
    const claim = (await pool.query('SELECT status, approved_amount_cents, decided_by, police_report FROM public.claims WHERE id = $1', ['C-100'])).rows[0];
    assert.deepEqual(claim, { status: 'payout_approved', approved_amount_cents: '240000', decided_by: 'adjuster.lee', police_report: { reportNo: 'PR-4711' } });
    assert.deepEqual(sentFor('C-100'), ['claim.report-requested'], 'the request went out once, the kill did not repeat it');
    const kinds = (await pool.query(`SELECT kind FROM waymark.run_events WHERE run_id = $1 ORDER BY id`, [id])).rows.map((r) => r.kind as string);
    for (const k of ['event_received', 'approval_requested', 'approval_decided']) assert.ok(kinds.includes(k), `${k} in the audit trail`);
    assert.deepEqual(await statesOf(id), ['drafted', 'awaiting_report', 'confirmed', 'paid'], 'each state once, across the kill');
  } finally {
    await killWorker(current);
    await w.stop();
  }
});
