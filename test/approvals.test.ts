/**
 * Approvals through the real HTTP API: the inbox, decisions with edits, first decision wins,
 * reminders and escalation notified once over a real webhook and a real SMTP server,
 * deadlines, and cancellation.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { ROOT, waitFor } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

const env = useFixtureEnv('approvals', {
  webhookSink: true,
  mailSink: true,
  waymark: ({ hooks, mail }) => ({ config: { notify: { webhookUrl: hooks.url, smtpUrl: mail.url, emailFrom: 'waymark@test.example' } } }),
});

const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);
const proposal = { amount: 1000, payee: 'Garage Smith' };

async function startApproval(input: Record<string, unknown>): Promise<{ runId: string; approvalId: string }> {
  const r = await api('POST', '/v1/runs', { workflow: 'test.approval', input: { title: 'Pay the garage', proposal, assignees: { users: ['ada@example.com'] }, ...input } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const approval = await waitFor('the approval', async () => (await api('GET', `/v1/approvals?runId=${r.body.id}`)).body.approvals[0]);
  return { runId: r.body.id, approvalId: approval.id };
}
const settled = (id: string) =>
  waitFor(`run ${id}`, async () => {
    const r = await api('GET', `/v1/runs/${id}`);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.body.status) ? r.body : undefined;
  });
const events = async (runId: string) =>
  (await env.pool.query(`SELECT kind, actor, data FROM waymark.run_events WHERE run_id = $1 AND kind LIKE 'approval%' ORDER BY id`, [runId])).rows;

describe('deciding', () => {
  test('an approval with edits: inbox, decision, merged value, diff, audit; the second decision is refused', async () => {
    const { runId, approvalId } = await startApproval({ editable: true });
    await waitFor('waiting_for_approval', async () => (await api('GET', `/v1/runs/${runId}`)).body.phase === 'waiting_for_approval');
    const inbox = await api('GET', '/v1/approvals?status=pending&assignee=ada@example.com');
    assert.ok(inbox.body.approvals.some((a: any) => a.id === approvalId));
    const other = await api('GET', '/v1/approvals?status=pending&assignee=bob@example.com');
    assert.ok(!other.body.approvals.some((a: any) => a.id === approvalId));
    const shown = await api('GET', `/v1/approvals/${approvalId}`);
    assert.deepEqual(shown.body.proposal, proposal);
    assert.equal(shown.body.editSchema.type, 'object');

    // Only an assignee decides: bob is an approver, but the approval names ada.
    const bob = await env.w.apiAs('bob@example.com', ['approver']);
    const notBob = await bob('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'reject' });
    assert.equal(notBob.status, 403);
    assert.equal(notBob.body.code, 'not_an_assignee');
    const ada = await env.w.apiAs('ada@example.com', ['approver']);
    const decided = await ada('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve', edits: { amount: 900 }, comment: 'agreed lower price' });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    assert.equal(decided.body.status, 'approved');
    assert.deepEqual(decided.body.value, { amount: 900, payee: 'Garage Smith' });
    assert.deepEqual(decided.body.diff, [{ op: 'replace', path: '/amount', from: 1000, value: 900 }]);

    const again = await ada('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'reject' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'approval_already_decided');
    assert.equal((await api('GET', `/v1/approvals/${approvalId}`)).body.decidedBy, 'ada@example.com');

    const run = await settled(runId);
    assert.equal(run.status, 'SUCCESS');
    assert.equal(run.phase, 'completed');
    assert.equal(run.output.decision.decision, 'approved');
    assert.deepEqual(run.output.decision.value, { amount: 900, payee: 'Garage Smith' });
    assert.equal(run.output.decision.decidedBy, 'ada@example.com');
    assert.equal(run.output.note, 'continued after approval');
    const audit = await events(runId);
    assert.deepEqual(audit.map((e) => `${e.kind}:${e.actor}`), ['approval_requested:workflow', 'approval_decided:ada@example.com']);
    assert.deepEqual(audit[1].data.edits, { amount: 900 });
    assert.deepEqual(audit[1].data.diff, [{ op: 'replace', path: '/amount', from: 1000, value: 900 }]);
  });

  test('edits that fail the schema, edits on a rejection and unknown approvals change nothing', async () => {
    const { runId, approvalId } = await startApproval({ editable: true });
    const bad = await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve', edits: { amount: 50_000 } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.code, 'invalid_edits');
    const extra = await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve', edits: { payee: 'Me' } });
    assert.equal(extra.status, 422);
    const rejectEdits = await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'reject', edits: { amount: 5 } });
    assert.equal(rejectEdits.body.code, 'edits_not_allowed');
    assert.equal((await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'maybe' })).status, 422);
    assert.equal((await api('POST', '/v1/approvals/nope/decision', { decision: 'approve' })).status, 404);
    assert.equal((await api('GET', `/v1/approvals/${approvalId}`)).body.status, 'pending');
    assert.deepEqual((await events(runId)).map((e) => e.kind), ['approval_requested']);

    const rejected = await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'reject', comment: 'duplicate invoice' });
    assert.equal(rejected.body.status, 'rejected');
    const run = await settled(runId);
    assert.equal(run.output.decision.decision, 'rejected');
    assert.equal(run.output.decision.comment, 'duplicate invoice');
  });

  test('an approval without an edit schema refuses edits', async () => {
    const { approvalId, runId } = await startApproval({});
    const r = await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve', edits: { amount: 1 } });
    assert.equal(r.body.code, 'edits_not_allowed');
    await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve' });
    assert.deepEqual((await settled(runId)).output.decision.value, proposal);
  });
});

describe('the CLI', () => {
  test('approvals list, show, approve with edits and a refused second decision', async () => {
    const { runId, approvalId } = await startApproval({ editable: true });
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'approvals', ...args, '--workflows', 'test/fixtures/workflows.ts'], {
        cwd: ROOT, env: { ...process.env, DATABASE_URL: env.url, LOG_LEVEL: 'warn' },
      });
    const listed = JSON.parse((await cli('list', '--status', 'pending', '--assignee', 'ada@example.com')).stdout);
    assert.ok(listed.approvals.some((a: any) => a.id === approvalId));
    assert.equal(JSON.parse((await cli('show', approvalId)).stdout).title, 'Pay the garage');
    await assert.rejects(cli('approve', approvalId, '--by', 'ada', '--edits', '{"amount": -1}'), /error \[invalid_edits\]/);
    const approved = JSON.parse((await cli('approve', approvalId, '--by', 'ada', '--edits', '{"note":"paid by card"}', '--comment', 'fine')).stdout);
    assert.equal(approved.status, 'approved');
    assert.equal(approved.decidedBy, 'ada');
    await assert.rejects(cli('reject', approvalId, '--by', 'bob'), /error \[approval_already_decided\]/);
    const run = await settled(runId);
    assert.deepEqual(run.output.decision.value, { ...proposal, note: 'paid by card' });
  });
});

describe('time', () => {
  test('reminders and an escalation go out once each, over the webhook and email; the escalated approval can be decided', async () => {
    const { runId, approvalId } = await startApproval({
      reminders: [300, 600],
      escalations: [{ afterMs: 900, to: { users: ['deputy@example.com'], roles: ['claims-lead'] } }],
      deadline: { afterMs: 60_000, outcome: 'reject' },
    });
    await waitFor('escalation', async () => (await api('GET', `/v1/runs/${runId}`)).body.phase === 'escalated');
    const mine = () => env.hooks.received.filter((h) => h.body.data.approvalId === approvalId);
    await waitFor('the escalation notice', () => Promise.resolve(mine().length === 4));
    assert.deepEqual(mine().map((h) => h.body.kind), ['approval.requested', 'approval.reminder', 'approval.reminder', 'approval.escalated']);
    assert.equal(new Set(mine().map((h) => h.key)).size, 4, 'each with its own idempotency key');
    assert.deepEqual(mine()[3]!.body.recipients, { users: ['deputy@example.com'], roles: ['claims-lead'] });
    const mails = await waitFor('four emails', () => {
      const m = env.mail.received.filter((x) => x.raw.includes(approvalId));
      return Promise.resolve(m.length >= 4 ? m : undefined);
    });
    assert.ok(mails.every((m) => m.from === 'waymark@test.example' && /@waymark>$/.test(m.messageId)));
    assert.deepEqual(mails.map((m) => m.to.join()), ['ada@example.com', 'ada@example.com', 'ada@example.com', 'deputy@example.com']);
    const shown = (await api('GET', `/v1/approvals/${approvalId}`)).body;
    assert.equal(shown.escalationLevel, 1);
    assert.equal(shown.remindersSent, 2);
    assert.ok((await api('GET', '/v1/approvals?role=claims-lead&status=pending')).body.approvals.some((a: any) => a.id === approvalId));

    // The escalation reassigned the approval: ada no longer decides it, the deputy does.
    const ada = await env.w.apiAs('ada@example.com', ['approver']);
    assert.equal((await ada('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve' })).body.code, 'not_an_assignee');
    const deputy = await env.w.apiAs('deputy@example.com', ['approver']);
    assert.equal((await deputy('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve' })).status, 200);
    const run = await settled(runId);
    assert.equal(run.phase, 'completed');
    assert.deepEqual((await events(runId)).map((e) => e.kind), [
      'approval_requested', 'approval_reminder_sent', 'approval_reminder_sent', 'approval_escalated', 'approval_decided',
    ]);
    assert.equal(mine().length, 4, 'nothing sent after the decision');
  });

  for (const outcome of ['reject', 'continue', 'fail'] as const) {
    test(`a deadline with outcome ${outcome} decides the approval; a later decision is refused`, async () => {
      const { runId, approvalId } = await startApproval({ deadline: { afterMs: 400, outcome } });
      const run = await settled(runId);
      if (outcome === 'fail') {
        assert.equal(run.status, 'ERROR');
        assert.equal(run.phase, 'failed');
        assert.match(run.error.message, /not decided before its deadline/);
      } else {
        assert.equal(run.status, 'SUCCESS');
        assert.equal(run.output.decision.expired, true);
        assert.equal(run.output.decision.decision, outcome === 'continue' ? 'approved' : 'rejected');
      }
      const late = await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve' });
      assert.equal(late.status, 409);
      assert.equal(late.body.code, 'approval_expired');
      assert.equal((await api('GET', `/v1/approvals/${approvalId}`)).body.status, 'expired');
    });
  }

  test('cancelling the run cancels its approval; resuming reopens it', async () => {
    const { runId, approvalId } = await startApproval({});
    await waitFor('waiting', async () => (await api('GET', `/v1/runs/${runId}`)).body.phase === 'waiting_for_approval');
    await api('POST', `/v1/runs/${runId}/cancel`);
    const refused = await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'approval_cancelled');
    await api('POST', `/v1/runs/${runId}/resume`);
    assert.equal((await api('GET', `/v1/approvals/${approvalId}`)).body.status, 'pending');
    const ok = await api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await settled(runId)).status, 'SUCCESS');
  });
});
