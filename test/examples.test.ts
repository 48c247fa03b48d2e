/**
 * The examples `npm start` registers work end to end: the invoice reminder against its own
 * vendor service (a read, an idempotent write, a non-idempotent write).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beforeLaunch, workflows } from '../examples/index.js';
import { vendor } from '../examples/invoice-reminder.js';
import { http, waitFor } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

const env = useFixtureEnv('examples', { waymark: { workflows, beforeLaunch } });

const run = async (input: unknown) => {
  const started = await env.w.api('POST', '/v1/runs', { workflow: 'invoice-reminder', input });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  return waitFor('reminder run', async () => {
    const r = await env.w.api('GET', `/v1/runs/${started.body.id}`);
    return r.body.status === 'SUCCESS' || r.body.status === 'ERROR' ? r.body : undefined;
  });
};

test('the invoice reminder reads, emails once per invoice and charges one late fee per invoice', async () => {
  const first = await run({ invoiceId: 'INV-100', customerId: 'ACME', amountCents: 12_000, lateFeeCents: 500 });
  assert.equal(first.status, 'SUCCESS', JSON.stringify(first.error));
  assert.deepEqual(first.output, { customer: 'Customer ACME', messageId: 'msg-1', feeId: 'fee-1' });
  const second = await run({ invoiceId: 'INV-100', customerId: 'ACME', amountCents: 12_000, lateFeeCents: 500 });
  assert.deepEqual(second.output, first.output, 'answered from the ledger');
  const activity = (await http(vendor(), 'GET', '/activity')).body;
  assert.equal(activity.emails.length, 1);
  assert.equal(activity.fees.length, 1);
  const calls = await env.w.api('GET', `/v1/runs/${first.id}/tool-calls`);
  assert.deepEqual(calls.body.toolCalls.map((c: any) => `${c.tool}:${c.effect}:${c.status}`), [
    'crm.customer:read:succeeded', 'email.reminder:write:succeeded', 'billing.late-fee:write:succeeded',
  ]);
});

test('the document pipeline stores the extracted document', async () => {
  const started = await env.w.api('POST', '/v1/runs', {
    workflow: 'document-pipeline',
    input: { documentId: 'doc-ex-1', fileName: 'inv.txt', content: 'Invoice 2026-02-03 amount due EUR 99.90 billing@acme.example' },
  });
  const done = await waitFor('pipeline', async () => {
    const r = await env.w.api('GET', `/v1/runs/${started.body.id}`);
    return r.body.status === 'SUCCESS' ? r.body : undefined;
  });
  assert.equal(done.output.kind, 'invoice');
  assert.deepEqual(done.output.fields, { amounts: [99.9], dates: ['2026-02-03'], emails: ['billing@acme.example'] });
  const row = await env.w.pool.query('SELECT kind, run_id FROM public.documents WHERE id = $1', ['doc-ex-1']);
  assert.deepEqual(row.rows, [{ kind: 'invoice', run_id: started.body.id }]);
});

test('research-companies fans out one child per company under its cap, fans in, and reports the one that failed', async () => {
  const started = await env.w.api('POST', '/v1/runs', {
    workflow: 'research-companies', input: { topic: 'agents', companies: ['acme', 'globex', 'fail-co', 'initech', 'umbrella'], concurrency: 2 },
  });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const done = await waitFor('the research', async () => {
    const r = await env.w.api('GET', `/v1/runs/${started.body.id}`);
    return r.body.status === 'SUCCESS' || r.body.status === 'ERROR' ? r.body : undefined;
  }, 120_000);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
  assert.equal(done.output.researched, 4);
  assert.deepEqual(done.output.failed, ['fail-co']);
  assert.match(done.output.summary, /^4 companies researched on agents\. Largest: /);
  const children = (await env.w.api('GET', `/v1/runs/${started.body.id}/children`)).body.children as { id: string; workflow: string; status: string; businessKey: string }[];
  assert.deepEqual(children.map((c) => [c.workflow, c.businessKey, c.status]), [
    ['research-company', 'company:acme', 'SUCCESS'], ['research-company', 'company:globex', 'SUCCESS'], ['research-company', 'company:fail-co', 'ERROR'],
    ['research-company', 'company:initech', 'SUCCESS'], ['research-company', 'company:umbrella', 'SUCCESS'],
  ]);
  const rows = await env.w.pool.query('SELECT company FROM public.company_research WHERE run_id = ANY($1) ORDER BY company', [children.map((c) => c.id)]);
  assert.deepEqual(rows.rows.map((r) => r.company), ['acme', 'globex', 'initech', 'umbrella']);
  const report = await env.w.pool.query('SELECT researched, failed FROM public.research_reports WHERE run_id = $1', [started.body.id]);
  assert.deepEqual(report.rows, [{ researched: 4, failed: ['fail-co'] }]);
});
