/**
 * Tool calls in one process against a real local HTTP service: validation, deterministic keys,
 * the ledger, no repeat of a completed call, retries, timeouts, the run's retry budget, and
 * the resolve API's bad input.
 */
import assert from 'node:assert/strict';
import { useFixtureEnv } from './fixture-env.js';
import { describe, test } from 'node:test';
import { toolCallKey } from '../src/agent/tool-keys.js';
import { installationKeys, waitFor } from './helpers.js';

const env = useFixtureEnv('tools', { toolServer: true });

const start = async (workflow: string, input: unknown) => (await env.w.as({ actor: 'test' }).runs.start({ workflow, input })).run.id;
const settled = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  });
const ledger = async (runId: string) => (await env.pool.query('SELECT * FROM waymark.tool_calls WHERE run_id = $1 ORDER BY created_at', [runId])).rows;
const attempts = async (key: string) =>
  (await env.pool.query('SELECT attempt, outcome, is_retry, error FROM waymark.tool_call_attempts WHERE key = $1 ORDER BY attempt', [key])).rows;

describe('calls that succeed', () => {
  test('a read tool call returns the output and is recorded in the ledger and the timeline', async () => {
    const id = await start('tools.lookup', { customerId: 'c-7' });
    const run = await settled(id);
    assert.deepEqual(run.output, { id: 'c-7', name: 'Customer c-7', tier: 'gold' });
    const [row] = await ledger(id);
    assert.equal(row.tool, 'crm.lookup');
    assert.equal(row.effect, 'read');
    assert.equal(row.status, 'succeeded');
    assert.equal(row.attempts, 1);
    assert.deepEqual(row.result, run.output);
    assert.equal(row.key, toolCallKey(await installationKeys(env.pool), 'crm.lookup', { customerId: 'c-7' }, id));
    const timeline = await env.w.api('GET', `/v1/runs/${id}/timeline`);
    const entry = timeline.body.entries.find((e: any) => e.type === 'tool_call');
    assert.equal(entry.name, 'crm.lookup');
    assert.equal(entry.data.status, 'succeeded');
    const history = await env.pool.query(`SELECT name, data->>'key' AS key FROM waymark.run_history WHERE run_id = $1 AND entry_type = 'tool_call'`, [id]);
    assert.deepEqual(history.rows, [{ name: 'crm.lookup', key: row.key }]);
  });

  test('a write tool gets the deterministic key as Idempotency-Key; the same call again is answered from the ledger; secrets are redacted', async () => {
    const id = await start('tools.email', { to: 'ada@example.com', subject: 'Invoice 7', apiKey: 'sk-live-123', twice: true });
    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    const out = run.output as { first: { messageId: string }; again: { messageId: string } };
    assert.deepEqual(out.again, out.first);
    const sent = env.server.requests.filter((r) => r.path === '/emails' && r.body.subject === 'Invoice 7');
    assert.equal(sent.length, 1, 'the tool ran once');
    const rows = await ledger(id);
    assert.equal(rows.length, 1);
    assert.equal(sent[0]!.key, rows[0].key);
    assert.equal(rows[0].args.apiKey, '[redacted]');
    assert.equal(rows[0].args.to, 'ada@example.com');
    const raw = await env.pool.query(`SELECT count(*)::int AS n FROM waymark.run_history WHERE run_id = $1 AND (data::text LIKE '%sk-live%' OR output::text LIKE '%sk-live%')`, [id]);
    assert.equal(raw.rows[0].n, 0, 'no secret in the audit view');

    // A fork re-executing the call keeps its key and returns the recorded result without calling the tool.
    const fork = await env.w.api('POST', `/v1/runs/${id}/fork`, { fromStep: 0 });
    const forked = await settled(fork.body.id);
    assert.equal(forked.status, 'SUCCESS');
    assert.deepEqual((forked.output as typeof out).first, out.first);
    assert.equal(env.server.requests.filter((r) => r.path === '/emails' && r.body.subject === 'Invoice 7').length, 1);
  });

  test('a secret output field reaches the workflow but never a checkpoint or the ledger', async () => {
    const id = await start('tools.use-token', { user: 'u1' });
    const run = await settled(id);
    assert.deepEqual(run.output, { tokenLength: 'SECRET-u1-7f3a'.length, startsRight: true });
    const leaks = await env.pool.query(
      `SELECT (SELECT count(*) FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND output LIKE '%SECRET-u1%')
            + (SELECT count(*) FROM waymark.tool_calls WHERE run_id = $1 AND result::text LIKE '%SECRET-u1%') AS n`,
      [id],
    );
    assert.equal(Number(leaks.rows[0].n), 0);
    const timeline = await env.w.api('GET', `/v1/runs/${id}/timeline`);
    assert.ok(!JSON.stringify(timeline.body).includes('SECRET-u1'));
  });

  test('a business key holds across runs: two runs for one invoice pay it once', async () => {
    const a = await start('tools.pay-invoice', { invoiceId: 'INV-9', cents: 500 });
    const ra = await settled(a);
    const b = await start('tools.pay-invoice', { invoiceId: 'INV-9', cents: 500 });
    const rb = await settled(b);
    assert.deepEqual(rb.output, ra.output);
    assert.equal(env.server.requests.filter((r) => r.path === '/payments').length, 1);
    const keys = env.server.requests.filter((r) => r.path === '/payments').map((r) => r.key);
    assert.deepEqual(keys, ['payments.pay-invoice:invoice:INV-9']);
  });
});

describe('calls that fail', () => {
  test('invalid arguments fail at once, naming the tool and the field; nothing is called; the ledger shows it', async () => {
    const before = env.server.requests.length;
    const id = await start('tools.bad-input', { to: 'not-an-email' });
    const run = await settled(id);
    assert.equal(run.status, 'ERROR');
    assert.match(run.error!.message, /email\.send/);
    assert.match(run.error!.message, /to:/);
    assert.equal(env.server.requests.length, before);
    const [row] = await ledger(id);
    assert.equal(row.status, 'failed');
    assert.equal(row.attempts, 0);
    assert.equal(row.last_error.code, 'tool_input_invalid');
  });

  test('output that fails the schema is a non-retried failure', async () => {
    const id = await start('tools.bad-output', { customerId: 'c-1' });
    const run = await settled(id);
    assert.equal(run.status, 'ERROR');
    assert.match(run.error!.message, /crm\.bad-output/);
    assert.match(run.error!.message, /score/);
    const [row] = await ledger(id);
    assert.equal(row.attempts, 1);
    assert.equal(row.last_error.code, 'tool_output_invalid');
  });

  test('transient failures are retried with the same key; each attempt is recorded', async () => {
    env.server.scripts.set('f1', [{ status: 503 }, { status: 502 }]);
    const id = await start('tools.flaky', { id: 'f1' });
    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    const calls = env.server.requests.filter((r) => r.path === '/flaky/f1');
    assert.equal(calls.length, 3);
    assert.equal(new Set(calls.map((c) => c.key)).size, 1);
    const [row] = await ledger(id);
    assert.equal(row.attempts, 3);
    assert.equal(row.status, 'succeeded');
    assert.deepEqual((await attempts(row.key)).map((a) => `${a.attempt}:${a.outcome}:${a.is_retry}`), ['1:failed:false', '2:failed:true', '3:succeeded:true']);
  });

  test('a permanent error (4xx) is not retried', async () => {
    env.server.scripts.set('f2', [{ status: 422, body: { error: 'card declined' } }]);
    const id = await start('tools.flaky', { id: 'f2' });
    const run = await settled(id);
    assert.equal(run.status, 'ERROR');
    assert.match(run.error!.message, /permanent error.*422/);
    assert.equal(env.server.requests.filter((r) => r.path === '/flaky/f2').length, 1);
    const [row] = await ledger(id);
    assert.equal(row.status, 'failed');
    assert.equal(row.next_attempt_at, null);
  });

  test('a timeout aborts the attempt; exhausted attempts fail the run with the tool, key and last error', async () => {
    const id = await start('tools.slow', {});
    const run = await settled(id);
    assert.equal(run.status, 'ERROR');
    assert.equal(run.phase, 'failed');
    const [row] = await ledger(id);
    assert.deepEqual((await attempts(row.key)).map((a) => a.outcome), ['timed_out', 'timed_out']);
    const event = (await env.pool.query(`SELECT reason, data FROM waymark.run_events WHERE run_id = $1 AND to_phase = 'failed'`, [id])).rows[0];
    assert.equal(event.data.tool, 'slow.op');
    assert.equal(event.data.key, row.key);
    assert.equal(event.data.cause, 'attempts_exhausted');
    assert.match(event.data.lastError.message, /timed out after 300 ms/);
  });

  test('a non-idempotent write that times out is not retried: it is in doubt and the run escalates', async () => {
    env.server.hangAfterActing.set('/charges', 1);
    const id = await start('tools.charge-quick-timeout', { ref: 'slow-1', cents: 10 });
    await waitFor('escalation', async () => (await env.w.runs.get(id)).phase === 'escalated');
    const [row] = await ledger(id);
    assert.equal(row.status, 'in_doubt');
    assert.equal(row.attempts, 1);
    assert.deepEqual((await attempts(row.key)).map((a) => a.outcome), ['in_doubt']);
    assert.equal(env.server.charges.filter((c) => c.ref === 'slow-1').length, 1, 'charged once, never again');
    const r = await env.w.api('POST', `/v1/runs/${id}/tool-calls/${encodeURIComponent(row.key)}/resolve`, { happened: true, output: { chargeId: 'ch-seen' } });
    assert.equal(r.status, 200);
    assert.deepEqual((await settled(id)).output, { chargeId: 'ch-seen' });
  });

  test('the run-wide retry budget stops retries before the tool runs out of attempts', async () => {
    env.server.scripts.set('f3', Array.from({ length: 20 }, () => ({ status: 503 })));
    const id = await start('tools.budget', { id: 'f3' });
    const run = await settled(id);
    assert.equal(run.status, 'ERROR');
    assert.equal(run.phase, 'failed');
    // budget 2: the first attempt and two retries, though the tool allows ten attempts
    assert.equal(env.server.requests.filter((r) => r.path === '/flaky/f3').length, 3);
    const event = (await env.pool.query(`SELECT data FROM waymark.run_events WHERE run_id = $1 AND to_phase = 'failed'`, [id])).rows[0];
    assert.equal(event.data.cause, 'retry_budget_exhausted');
    assert.equal(event.data.tool, 'flaky.always');
  });
});

describe('resolving in-doubt calls: bad requests change nothing', () => {
  test('unknown run or key is 404, a call not in doubt is 409, a bad body is 422', async () => {
    const id = await start('tools.lookup', { customerId: 'c-8' });
    await settled(id);
    const [row] = await ledger(id);
    const path = (k: string) => `/v1/runs/${id}/tool-calls/${encodeURIComponent(k)}/resolve`;
    const nf = await env.w.api('POST', `/v1/runs/nope/tool-calls/x/resolve`, { happened: false });
    assert.equal(nf.status, 404);
    assert.equal(nf.body.code, 'run_not_found');
    assert.equal((await env.w.api('POST', path('nope'), { happened: false })).body.code, 'tool_call_not_found');
    const notInDoubt = await env.w.api('POST', path(row.key), { happened: false });
    assert.equal(notInDoubt.status, 409);
    assert.equal(notInDoubt.body.code, 'tool_call_not_in_doubt');
    const bad = await env.w.api('POST', path(row.key), { happened: 'yes' });
    assert.equal(bad.status, 422);
    assert.deepEqual((await ledger(id))[0], row);
    const list = await env.w.api('GET', `/v1/runs/${id}/tool-calls`);
    assert.equal(list.body.toolCalls[0].key, row.key);
  });
});
