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
  const started = await http(env.w.httpUrl, 'POST', '/v1/runs', { workflow: 'invoice-reminder', input });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  return waitFor('reminder run', async () => {
    const r = await http(env.w.httpUrl, 'GET', `/v1/runs/${started.body.id}`);
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
  const calls = await http(env.w.httpUrl, 'GET', `/v1/runs/${first.id}/tool-calls`);
  assert.deepEqual(calls.body.toolCalls.map((c: any) => `${c.tool}:${c.effect}:${c.status}`), [
    'crm.customer:read:succeeded', 'email.reminder:write:succeeded', 'billing.late-fee:write:succeeded',
  ]);
});

test('the document pipeline stores the extracted document', async () => {
  const started = await http(env.w.httpUrl, 'POST', '/v1/runs', {
    workflow: 'document-pipeline',
    input: { documentId: 'doc-ex-1', fileName: 'inv.txt', content: 'Invoice 2026-02-03 amount due EUR 99.90 billing@acme.example' },
  });
  const done = await waitFor('pipeline', async () => {
    const r = await http(env.w.httpUrl, 'GET', `/v1/runs/${started.body.id}`);
    return r.body.status === 'SUCCESS' ? r.body : undefined;
  });
  assert.equal(done.output.kind, 'invoice');
  assert.deepEqual(done.output.fields, { amounts: [99.9], dates: ['2026-02-03'], emails: ['billing@acme.example'] });
  const row = await env.w.pool.query('SELECT kind, run_id FROM public.documents WHERE id = $1', ['doc-ex-1']);
  assert.deepEqual(row.rows, [{ kind: 'invoice', run_id: started.body.id }]);
});
