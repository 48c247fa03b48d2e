/**
 * The sales-agent example end to end over HTTP, against the bundled local model server and
 * the demo vendor service, on a controllable clock: a lead is researched and drafted for, a
 * person approves the draft (with an edit), the email goes out once, and then either the lead's
 * signed reply ends the run or, three days later, exactly one follow-up goes out. The run's
 * model calls are priced and visible over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { Output, generateText, streamText } from 'ai';
import pg from 'pg';
import { z } from 'zod';
import { signWebhook } from '../src/server.js';
import { TestClock } from '../src/testing.js';
import { beforeLaunch, triggers, workflows } from '../examples/index.js';
import { DEMO_MODEL_ID, startDemoModelServer } from '../examples/demo-model-server.js';
import { vendor } from '../examples/invoice-reminder.js';
import { Draft } from '../examples/sales-agent.js';
import { createTestDatabase, dropTestDatabase, http, startTestWaymark, waitFor, type TestWaymark } from './helpers.js';

const SECRET = 'crm-secret';
let url: string;
let pool: pg.Pool;
let w: TestWaymark;
const clock = new TestClock(new Date('2026-03-02T09:00:00Z'));

before(async () => {
  url = await createTestDatabase('sales');
  pool = new pg.Pool({ connectionString: url, max: 2 });
  w = await startTestWaymark(url, { workflows, beforeLaunch, triggers, clock, config: { webhookSecrets: { crm: SECRET } } });
});
after(async () => {
  await w.stop();
  await pool.end();
  await dropTestDatabase(url);
});

interface SentEmail {
  key: string;
  messageId: string;
  to: string;
  leadId?: string;
  subject?: string;
  text?: string;
}
const emailsTo = async (leadId: string): Promise<SentEmail[]> => ((await http(vendor(), 'GET', '/activity')).body.emails as SentEmail[]).filter((e) => e.leadId === leadId);

const startLead = async (leadId: string) => {
  const lead = { leadId, name: 'Dana Kim', email: `dana.${leadId.toLowerCase()}@acme.example`, company: 'acme.example', message: 'We lose agent runs whenever a pod restarts.' };
  const started = await w.api('POST', '/v1/runs', { workflow: 'sales-agent', input: lead }, { 'idempotency-key': `lead-${leadId}` });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  return { id: started.body.id as string, lead };
};
const pendingApproval = (runId: string) =>
  waitFor('the draft to review', async () => (await w.api('GET', '/v1/approvals?status=pending&role=sales')).body.approvals.find((a: any) => a.runId === runId));
/** The run waits for the lead's reply, on the clock. */
const waitingForReply = (runId: string) =>
  waitFor('the wait for the reply', async () => (await pool.query(`SELECT 1 FROM waymark.event_waits WHERE run_id = $1 AND status = 'waiting'`, [runId])).rowCount === 1 && clock.waiting > 0);
const finished = (runId: string) =>
  waitFor('the run to finish', async () => {
    const r = (await w.api('GET', `/v1/runs/${runId}`)).body;
    return r.status === 'SUCCESS' || r.status === 'ERROR' ? r : undefined;
  });
const reply = (leadId: string, eventId: string) => {
  const body = JSON.stringify({ id: eventId, type: 'lead.replied', key: leadId, data: { text: 'Sounds good, Tuesday works.' } });
  return w.api('POST', '/v1/events/crm', body, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, body) });
};

let repliedRun = '';

test('a lead is researched and drafted for; the approved, edited email goes out once; the reply ends the run without a follow-up', async () => {
  const { id, lead } = await startLead('L-100');
  const approval = await pendingApproval(id);

  // The draft: from the company lookup (a read tool the agent called), with the model's confidence.
  assert.equal(approval.proposal.to, lead.email);
  assert.equal(approval.proposal.confidence, 0.82);
  assert.match(approval.proposal.subject, /Acme/);
  assert.match(approval.proposal.body, /^Hi Dana,/);
  assert.match(approval.title, /confidence 0\.82/);
  const calls = (await w.api('GET', `/v1/runs/${id}/tool-calls`)).body.toolCalls.map((c: any) => `${c.tool}:${c.status}`);
  assert.deepEqual(calls, ['companies.lookup:succeeded']);
  assert.equal((await w.api('GET', `/v1/runs/${id}`)).body.phase, 'waiting_for_approval');

  // The recipient is not the reviewer's to change; the subject and body are.
  const sam = await w.apiAs('sales.sam', ['approver', 'sales']);
  const refused = await sam('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve', edits: { to: 'someone@else.example' } });
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  const body = 'Hi Dana,\n\nsorry to hear about the lost runs. Waymark resumes them after a restart. Call on Tuesday?\n\nSam';
  const decided = await sam('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve', edits: { body }, comment: 'more personal' });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));

  await waitingForReply(id);
  const sent = await emailsTo('L-100');
  assert.deepEqual(sent.map((e) => ({ to: e.to, subject: e.subject, text: e.text })), [{ to: lead.email, subject: approval.proposal.subject, text: body }]);
  assert.equal((await w.api('GET', `/v1/runs/${id}`)).body.phase, 'waiting_for_event');

  const hook = await reply('L-100', 'evt-reply-1');
  assert.deepEqual(hook.body.deliveredTo, [id]);
  const run = await finished(id);
  assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
  assert.deepEqual(run.output, {
    leadId: 'L-100', confidence: 0.82, edited: true, decidedBy: 'sales.sam', outcome: 'replied', emails: [sent[0]!.messageId],
    reply: { text: 'Sounds good, Tuesday works.' },
  });

  // Three days later nothing more goes out.
  await clock.advance('3d');
  assert.equal((await emailsTo('L-100')).length, 1, 'one email, no follow-up');
  const kinds = (await pool.query(`SELECT kind FROM waymark.run_events WHERE run_id = $1 ORDER BY id`, [id])).rows.map((r) => r.kind as string);
  for (const k of ['approval_requested', 'approval_decided', 'event_received']) assert.ok(kinds.includes(k), `${k} in the audit trail`);
  assert.ok(!kinds.includes('event_wait_timed_out'));
  repliedRun = id;
});

test('without a reply, exactly one follow-up goes out three days after the email', async () => {
  const { id, lead } = await startLead('L-200');
  const approval = await pendingApproval(id);
  const decided = await w.api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));
  await waitingForReply(id);
  assert.equal((await emailsTo('L-200')).length, 1);

  const wait = (await pool.query(`SELECT deadline_at FROM waymark.event_waits WHERE run_id = $1 AND status = 'waiting'`, [id])).rows[0];
  assert.equal(wait.deadline_at.getTime() - clock.now(), 3 * 24 * 3600 * 1000, 'the follow-up is due three days after the email');
  await clock.advance('3d');
  const run = await finished(id);
  assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
  assert.equal(run.output.outcome, 'followed_up');
  assert.equal(run.output.edited, false);
  const sent = await emailsTo('L-200');
  assert.deepEqual(sent.map((e) => e.subject), [approval.proposal.subject, `Re: ${approval.proposal.subject}`]);
  assert.equal(sent[0]!.text, approval.proposal.body, 'the draft as approved');
  assert.match(sent[1]!.text!, /^Hi Dana,\n\njust following up/);
  assert.ok(sent.every((e) => e.to === lead.email));
  assert.equal(new Set(sent.map((e) => e.key)).size, 2, 'each email with a key of its own');

  // A reply after the follow-up changes nothing; neither does more time.
  await reply('L-200', 'evt-reply-late');
  await clock.advance('3d');
  assert.equal((await emailsTo('L-200')).length, 2, 'exactly one follow-up');
});

test("the run's model calls are priced: its cost over HTTP is not zero", async () => {
  assert.ok(repliedRun, 'the first test ran');
  const res = await w.api('GET', `/v1/runs/${repliedRun}/cost`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // Research: a turn that calls the tool and one that sums up; then the draft.
  assert.equal(res.body.totals.calls, 3);
  assert.ok(res.body.calls.every((c: any) => c.status === 'succeeded' && c.model === 'waymark-demo-drafter' && c.cost > 0));
  assert.ok(res.body.totals.inputTokens > 0 && res.body.totals.outputTokens > 0);
  assert.ok(res.body.totals.cost > 0, JSON.stringify(res.body.totals));
  assert.equal(res.body.totals.unpricedAttempts, 0);
});

test('the bundled model answers the same draft plain and streamed, with usage, and calls the lookup tool when offered', async () => {
  const server = await startDemoModelServer(0);
  try {
    const demo = createOpenAICompatible({ name: 'demo', baseURL: server.baseURL, includeUsage: true, supportsStructuredOutputs: true })(DEMO_MODEL_ID);
    const prompt = 'Lead name: Ada Park\nCompany: Globex\nResearch notes: Globex (globex.example) is a retail company with about 300 employees.';
    const plain = await generateText({ model: demo, prompt, output: Output.object({ schema: Draft }), maxRetries: 0 });
    assert.equal(plain.output.confidence, 0.82);
    assert.match(plain.output.body, /^Hi Ada,/);
    assert.equal(plain.output.subject, "Durable AI workflows for Globex's retail team");
    assert.ok(plain.usage.inputTokens! > 0 && plain.usage.outputTokens! > 0);
    const streamed = streamText({ model: demo, prompt, output: Output.object({ schema: Draft }), maxRetries: 0 });
    assert.deepEqual(await streamed.output, plain.output);
    assert.ok((await streamed.usage).outputTokens! > 0, 'usage reported when streaming');

    const lookup = await generateText({
      model: demo, prompt: 'Lead name: Ada Park\nDomain: globex.example', maxRetries: 0,
      tools: { lookup_company: { description: 'Company profile', inputSchema: z.object({ domain: z.string() }) } },
    });
    assert.deepEqual(lookup.toolCalls.map((c) => [c.toolName, c.input]), [['lookup_company', { domain: 'globex.example' }]]);
  } finally {
    await server.close();
  }
});

test("a new lead arriving as the CRM's signed webhook starts the agent once, however often it is delivered", async () => {
  const lead = { leadId: 'L-300', name: 'Ravi Rao', email: 'ravi@acme.example', company: 'acme.example', message: 'Do you run on our Postgres?' };
  const body = JSON.stringify({ id: 'crm-evt-300', type: 'lead.created', key: lead.leadId, data: lead });
  const deliver = () => w.api('POST', '/v1/events/crm', body, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, body) });
  const first = await deliver();
  assert.equal(first.status, 202, JSON.stringify(first.body));
  assert.deepEqual(first.body.triggeredRuns, ['event:crm:crm-evt-300:sales-agent']);
  const again = await deliver();
  assert.ok(again.status < 300 && again.body.duplicate === true, `a retried delivery is accepted as a duplicate: ${JSON.stringify(again.body)}`);
  const runs = (await w.api('GET', `/v1/runs?key=${lead.leadId}`)).body.runs;
  assert.equal(runs.length, 1, JSON.stringify(runs));
  assert.equal(runs[0].workflow, 'sales-agent');
  const approval = await pendingApproval(runs[0].id);
  assert.equal(approval.proposal.to, lead.email);
  const decided = await w.api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'reject', comment: 'not now' });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));
  assert.equal((await finished(runs[0].id)).status, 'SUCCESS');
  assert.equal((await emailsTo(lead.leadId)).length, 0, 'a rejected draft sends nothing');
});
