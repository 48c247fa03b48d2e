/**
 * The insurance-claim example end to end over HTTP, with its worker (the real `waymark worker`
 * command) SIGKILLed in the middle of the wait for the police report.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook } from '../src/index.js';
import { beforeLaunch, workflows } from '../examples/index.js';
import { http, killWorker, spawnWorker, waitFor } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

const SECRET = 'police-secret';
const DAY = 1_000;
const env = useFixtureEnv('claim', {
  webhookSink: true,
  waymark: { workflows, beforeLaunch, worker: false, config: { webhookSecrets: { police: SECRET } } },
});

const worker = () =>
  spawnWorker(env.url, { WAYMARK_NOTIFY_WEBHOOK_URL: env.hooks.url, WAYMARK_WEBHOOK_SECRETS: `police=${SECRET}` }, {
    args: ['src/cli.ts', 'worker'],
    ready: /executor:\s+(\S+)/,
  });
const api = (method: string, path: string, body?: unknown) => http(env.w.httpUrl, method, path, body);
const phase = async (id: string) => (await api('GET', `/v1/runs/${id}`)).body.phase as string;
const sentFor = (claimId: string) => env.hooks.received.filter((h) => h.body.data.claimId === claimId).map((h) => h.body.kind);

test('a claim chases its police report through a worker crash, resumes on the webhook, and records the adjuster\'s decision', async () => {
  let current = await worker();
  try {
    const started = await api('POST', '/v1/runs', { workflow: 'insurance-claim', input: { claimId: 'C-100', claimant: 'kim@example.com', amountCents: 250_000, dayMs: DAY } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id: string = started.body.id;
    await waitFor('the report request', () => Promise.resolve(sentFor('C-100').includes('claim.report-requested')));
    await waitFor('the wait for the report', async () => (await phase(id)) === 'waiting_for_event');

    // kill -9 in the middle of the wait; the follow-up falls due while no worker runs
    await killWorker(current);
    current = await worker();
    await waitFor('the escalation', async () => (await phase(id)) === 'escalated', 30_000);
    await waitFor('the escalation notice', () => Promise.resolve(sentFor('C-100').length === 3));
    assert.deepEqual(sentFor('C-100'), ['claim.report-requested', 'claim.report-follow-up', 'claim.report-escalated']);
    await waitFor('the wait after escalating', async () => (await env.pool.query(`SELECT 1 FROM waymark.event_waits WHERE run_id = $1 AND status = 'waiting'`, [id])).rowCount === 1);
    assert.equal(await phase(id), 'escalated', 'the escalation stays visible while the run waits');

    const body = JSON.stringify({ id: 'evt-pr-1', type: 'police_report.received', key: 'C-100', data: { reportNo: 'PR-4711' } });
    const hook = await http(env.w.httpUrl, 'POST', '/v1/events/police', body, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, body) });
    assert.deepEqual(hook.body.deliveredTo, [id]);

    const approval = await waitFor('the payout approval', async () => (await api('GET', '/v1/approvals?status=pending&role=adjuster')).body.approvals.find((a: any) => a.runId === id));
    assert.equal(await phase(id), 'waiting_for_approval');
    const decided = await api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve', edits: { amountCents: 240_000 }, by: 'adjuster.lee', comment: 'deductible applied' });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));

    const run = await waitFor('the run to finish', async () => {
      const r = (await api('GET', `/v1/runs/${id}`)).body;
      return r.status === 'SUCCESS' || r.status === 'ERROR' ? r : undefined;
    });
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    assert.deepEqual(run.output, { claimId: 'C-100', policeReport: { reportNo: 'PR-4711' }, decision: 'approved', amountCents: 240_000, decidedBy: 'adjuster.lee' });
    const claim = (await env.pool.query('SELECT status, approved_amount_cents, decided_by, police_report FROM public.claims WHERE id = $1', ['C-100'])).rows[0];
    assert.deepEqual(claim, { status: 'payout_approved', approved_amount_cents: '240000', decided_by: 'adjuster.lee', police_report: { reportNo: 'PR-4711' } });
    assert.equal(sentFor('C-100').filter((k) => k === 'claim.report-follow-up').length, 1, 'the follow-up went out once');
    const kinds = (await env.pool.query(`SELECT kind FROM waymark.run_events WHERE run_id = $1 ORDER BY id`, [id])).rows.map((r) => r.kind as string);
    for (const k of ['event_wait_timed_out', 'event_received', 'approval_requested', 'approval_decided']) assert.ok(kinds.includes(k), `${k} in the audit trail`);
  } finally {
    await killWorker(current);
  }
});
