/**
 * Durable model calls in one process, through the AI SDK's OpenAI-compatible provider against
 * the scripted local model server: the ledger and its audit events, retries (429 with
 * Retry-After, 500, timeouts), permanent errors, structured output, tool calls, streaming
 * with usage, and cost from the configured price table.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useFixtureEnv } from './fixture-env.js';
import { waitFor } from './helpers.js';
import { reply } from './support/model-server.js';

const env = useFixtureEnv('model_calls', {
  modelServer: true,
  waymark: { config: { modelPrices: { 'fixture-model': { inputPerMillion: 1, outputPerMillion: 2 } } } },
});

const start = async (workflow: string, input: unknown) => (await env.w.runs.start({ workflow, input })).run.id;
const settled = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  });
const succeeded = async (id: string) => {
  const r = await settled(id);
  assert.equal(r.status, 'SUCCESS', JSON.stringify(r.error));
  return r;
};
const ledger = async (runId: string) =>
  (await env.pool.query('SELECT * FROM waymark.model_calls WHERE run_id = $1 ORDER BY call_site, attempt', [runId])).rows;
const modelEvents = async (runId: string) =>
  (await env.pool.query(`SELECT data FROM waymark.run_events WHERE run_id = $1 AND kind = 'model_called' ORDER BY id`, [runId])).rows.map((r) => r.data);

describe('calls that succeed', () => {
  test('a call returns the model text and is one ledger row with tokens, cost from the price table, latency and an audit event', async () => {
    env.models.script('ok1', reply.text('Hello, Ada.', { prompt: 1200, completion: 300, cached: 200, reasoning: 40 }));
    const id = await start('models.generate', { prompt: '[scenario:ok1] greet Ada' });
    const run = await succeeded(id);
    assert.deepEqual(run.output, { text: 'Hello, Ada.', finishReason: 'stop', inputTokens: 1200, outputTokens: 300 });
    assert.equal(env.models.count('ok1'), 1);
    const [row, ...more] = await ledger(id);
    assert.equal(more.length, 0);
    assert.equal(row.status, 'succeeded');
    assert.equal(row.attempt, 1);
    assert.equal(row.workflow, 'models.generate');
    assert.equal(row.tenant_id, 'default');
    assert.equal(row.name, 'fixture-model');
    assert.equal(row.provider, 'local.chat');
    assert.equal(row.model, 'mock-1');
    assert.equal(row.mode, 'generate');
    assert.deepEqual([row.input_tokens, row.output_tokens, row.cached_input_tokens, row.reasoning_tokens], [1200, 300, 200, 40]);
    // 1200 input at 1/M (no cached price: cached input costs the input price) + 300 output at 2/M.
    assert.equal(Number(row.cost), (1200 * 1 + 300 * 2) / 1e6);
    assert.equal(row.finish_reason, 'stop');
    assert.ok(row.latency_ms >= 0);
    const step = await env.pool.query('SELECT function_name FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_id = $2', [id, row.step_id]);
    assert.equal(step.rows[0].function_name, 'model:fixture-model');
    const [event] = await modelEvents(id);
    assert.equal(event.status, 'succeeded');
    assert.equal(event.inputTokens, 1200);
    assert.equal(event.cost, row.cost === null ? null : Number(row.cost));
    const timeline = await env.w.runs.timeline(id);
    assert.ok(timeline.some((e) => e.type === 'event' && e.name === 'model_called'), 'the call is in the timeline');
  });

  test('a model priced on its own declaration uses that price, cached input at the cached price; an unpriced model costs null', async () => {
    env.models.script('price1', reply.text('x', { prompt: 1000, completion: 100, cached: 600 }));
    const priced = await start('models.generate', { prompt: '[scenario:price1] a', variant: 'priced' });
    await succeeded(priced);
    const [p] = await ledger(priced);
    assert.equal(p.name, 'fixture-priced');
    assert.equal(Number(p.cost), (400 * 3 + 600 * 0.3 + 100 * 15) / 1e6);
    env.models.script('price2', reply.text('x'));
    const unpriced = await start('models.generate', { prompt: '[scenario:price2] a', variant: 'quick-timeout' });
    await succeeded(unpriced);
    const [u] = await ledger(unpriced);
    assert.equal(u.cost, null);
    assert.equal(u.input_tokens, 10);
  });

  test('structured output comes back parsed; the request asked for a JSON schema', async () => {
    env.models.script('obj1', reply.json({ name: 'Ada', age: 36 }));
    const id = await start('models.structured', { prompt: '[scenario:obj1] who?' });
    const run = await succeeded(id);
    assert.deepEqual(run.output, { name: 'Ada', age: 36 });
    assert.equal(env.models.seen('obj1')[0]!.body.response_format.type, 'json_schema');
    assert.equal((await ledger(id))[0].status, 'succeeded');
  });

  test('tool calls the model asks for reach the workflow; the finish reason is recorded', async () => {
    env.models.script('tool1', reply.toolCalls([{ name: 'weather', args: { city: 'Oslo' } }]));
    const id = await start('models.tool-call', { prompt: '[scenario:tool1] weather in Oslo?' });
    const run = await succeeded(id);
    assert.deepEqual(run.output, { finishReason: 'tool-calls', calls: [{ tool: 'weather', input: { city: 'Oslo' } }] });
    assert.equal((await ledger(id))[0].finish_reason, 'tool-calls');
  });

  test('a streamed call reaches the workflow in pieces, with the usage chunk recorded in the ledger', async () => {
    env.models.script('st1', reply.text('A streamed answer, in several pieces.', { prompt: 33, completion: 9 }));
    const id = await start('models.stream', { prompt: '[scenario:st1] stream it' });
    const run = await succeeded(id);
    const out = run.output as { text: string; deltas: number; inputTokens: number; outputTokens: number; finishReason: string };
    assert.equal(out.text, 'A streamed answer, in several pieces.');
    assert.ok(out.deltas > 1, 'more than one delta');
    assert.deepEqual([out.inputTokens, out.outputTokens, out.finishReason], [33, 9, 'stop']);
    assert.equal(env.models.seen('st1')[0]!.includeUsage, true);
    const [row] = await ledger(id);
    assert.deepEqual([row.mode, row.status, row.input_tokens, row.output_tokens], ['stream', 'succeeded', 33, 9]);
    assert.equal(Number(row.cost), (33 + 9 * 2) / 1e6);
  });
});

describe('failures', () => {
  test('a 429 with Retry-After is retried no sooner than it asks, then succeeds; both attempts are in the ledger', async () => {
    env.models.script('rl1', reply.rateLimited(1), reply.text('after the limit'));
    const id = await start('models.generate', { prompt: '[scenario:rl1] x' });
    const run = await succeeded(id);
    assert.equal((run.output as { text: string }).text, 'after the limit');
    const [first, second] = env.models.seen('rl1');
    assert.ok(second!.at - first!.at >= 1000, `the retry waited for Retry-After (${second!.at - first!.at} ms)`);
    const rows = await ledger(id);
    assert.deepEqual(rows.map((r) => [r.attempt, r.status]), [[1, 'failed'], [2, 'succeeded']]);
    assert.equal(rows[0].error.status, 429);
    assert.equal(rows[0].error.retryAfterMs, 1000);
    assert.equal(rows[0].call_site, rows[1].call_site);
    assert.notEqual(rows[0].step_id, rows[1].step_id, 'each attempt is its own step, the backoff a durable sleep between them');
    const sleep = await env.pool.query(`SELECT count(*)::int AS n FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_name = 'DBOS.sleep'`, [id]);
    assert.equal(sleep.rows[0].n, 1);
  });

  test('a 500 is retried and then succeeds', async () => {
    env.models.script('e500', reply.serverError(), reply.serverError(), reply.text('third time'));
    const id = await start('models.generate', { prompt: '[scenario:e500] x' });
    const run = await succeeded(id);
    assert.equal((run.output as { text: string }).text, 'third time');
    assert.equal(env.models.count('e500'), 3);
    assert.deepEqual((await ledger(id)).map((r) => r.status), ['failed', 'failed', 'succeeded']);
  });

  test('a context-length error is not retried: the call fails with model_context_length_exceeded, recorded', async () => {
    env.models.script('ctx1', reply.contextLengthExceeded());
    const id = await start('models.catch-failure', { prompt: '[scenario:ctx1] a very long prompt' });
    const run = await succeeded(id);
    assert.deepEqual(run.output, { code: 'model_context_length_exceeded', attempts: 1 });
    assert.equal(env.models.count('ctx1'), 1);
    const [row] = await ledger(id);
    assert.equal(row.status, 'failed');
    assert.equal(row.final, true);
    assert.equal(row.error.code, 'model_context_length_exceeded');
    assert.equal(row.error.providerCode, 'context_length_exceeded');
    assert.ok(!JSON.stringify(row.error).includes('a very long prompt'), 'the prompt is not in the ledger');
  });

  test('an uncaught permanent failure fails the run with the Waymark code', async () => {
    env.models.script('bad1', { kind: 'error', status: 400, message: 'Unsupported parameter', type: 'invalid_request_error', code: 'unsupported_parameter' });
    const id = await start('models.generate', { prompt: '[scenario:bad1] x' });
    const run = await settled(id);
    assert.equal(run.status, 'ERROR');
    assert.match(JSON.stringify(run.error), /model_request_invalid|Unsupported parameter/);
    assert.equal(env.models.count('bad1'), 1);
  });

  test('a hang is cut by the attempt timeout and retried; every attempt failing exhausts the policy', async () => {
    env.models.script('hang1', reply.hang(), reply.text('answered'));
    const ok = await start('models.generate', { prompt: '[scenario:hang1] x', variant: 'quick-timeout' });
    assert.equal(((await succeeded(ok)).output as { text: string }).text, 'answered');
    const rows = await ledger(ok);
    assert.deepEqual(rows.map((r) => r.status), ['failed', 'succeeded']);
    assert.equal(rows[0].error.name, 'TimeoutError');

    env.models.script('e500x4', reply.serverError(), reply.serverError(), reply.serverError(), reply.serverError());
    const id = await start('models.catch-failure', { prompt: '[scenario:e500x4] x' });
    assert.deepEqual((await succeeded(id)).output, { code: 'model_attempts_exhausted', attempts: 4 });
    assert.equal(env.models.count('e500x4'), 4);
  });

  test('a streamed call that is rate limited before any content is retried unseen', async () => {
    env.models.script('st429', reply.rateLimited(0), reply.text('streamed after all', { prompt: 5, completion: 4 }));
    const id = await start('models.stream', { prompt: '[scenario:st429] x' });
    const out = (await succeeded(id)).output as { text: string; outputTokens: number };
    assert.equal(out.text, 'streamed after all');
    assert.equal(out.outputTokens, 4);
    assert.deepEqual((await ledger(id)).map((r) => r.status), ['failed', 'succeeded']);
  });
});

test('a fork replays a completed model call from its checkpoint: no request', async () => {
  env.models.script('fork1', reply.text('only once'));
  const id = await start('models.generate', { prompt: '[scenario:fork1] x' });
  await succeeded(id);
  const fork = await env.w.runs.fork(id, 1);
  const forked = await succeeded(fork.id);
  assert.equal((forked.output as { text: string }).text, 'only once');
  assert.equal(env.models.count('fork1'), 1);
});

describe('the cost API', () => {
  test('GET /v1/runs/{id}/cost: every attempt and the totals; an unknown run is a 404 problem', async () => {
    env.models.script('cost-a', reply.serverError(), reply.text('a', { prompt: 1000, completion: 100 }));
    env.models.script('cost-b', reply.text('b', { prompt: 500, completion: 50, cached: 100, reasoning: 20 }));
    const id = await start('models.two-calls', { tag: 'cost' });
    await succeeded(id);
    const res = await env.w.api('GET', `/v1/runs/${id}/cost`);
    assert.equal(res.status, 200);
    assert.equal(res.body.workflow, 'models.two-calls');
    assert.deepEqual(res.body.calls.map((c: any) => [c.attempt, c.status]), [[1, 'failed'], [2, 'succeeded'], [1, 'succeeded']]);
    assert.equal(res.body.calls[0].error.status, 500);
    assert.deepEqual(
      { ...res.body.totals, cost: undefined },
      { calls: 2, attempts: 3, inputTokens: 1500, outputTokens: 150, cachedInputTokens: 100, reasoningTokens: 20, cost: undefined, unpricedAttempts: 0 },
    );
    assert.equal(res.body.totals.cost, (1000 + 100 * 2 + 500 + 50 * 2) / 1e6);

    const missing = await env.w.api('GET', '/v1/runs/no-such-run/cost');
    assert.equal(missing.status, 404);
    assert.match(missing.type, /application\/problem\+json/);
    assert.equal(missing.body.code, 'run_not_found');
  });

  test('GET /v1/costs groups the tenant\'s calls by workflow, day and tenant within [from, to); bad queries are 422 problems', async () => {
    env.models.script('rep1', reply.text('r', { prompt: 7, completion: 3 }));
    await succeeded(await start('models.generate', { prompt: '[scenario:rep1] x' }));
    const byWorkflow = await env.w.api('GET', '/v1/costs?groupBy=workflow');
    assert.equal(byWorkflow.status, 200);
    const all = (await env.pool.query('SELECT workflow, count(*)::int AS n, coalesce(sum(input_tokens), 0)::int AS input FROM waymark.model_calls GROUP BY 1 ORDER BY 1')).rows;
    assert.deepEqual(byWorkflow.body.groups.map((g: any) => [g.key, g.attempts, g.inputTokens]), all.map((r) => [r.workflow, r.n, r.input]));
    assert.equal(byWorkflow.body.totals.attempts, all.reduce((n, r) => n + r.n, 0));

    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const byDay = await env.w.api('GET', `/v1/costs?groupBy=day&from=${today}&to=${tomorrow}`);
    assert.equal(byDay.status, 200);
    assert.deepEqual(byDay.body.groups.map((g: any) => g.key), [today]);
    assert.equal(byDay.body.groups[0].attempts, byWorkflow.body.totals.attempts);
    const past = await env.w.api('GET', '/v1/costs?groupBy=day&from=2020-01-01&to=2020-01-02');
    assert.deepEqual(past.body.groups, []);
    assert.equal(past.body.totals.cost, null);
    const byTenant = await env.w.api('GET', '/v1/costs?groupBy=tenant');
    assert.deepEqual(byTenant.body.groups.map((g: any) => g.key), ['default']);

    // Another tenant sees nothing of these.
    const other = await env.w.server.as({ actor: 'test', tenantId: 'other' }).costs.report({ groupBy: 'workflow' });
    assert.deepEqual(other.groups, []);

    for (const q of ['groupBy=model', 'from=yesterday', 'from=2026-02-01&to=2026-01-01', 'limit=3']) {
      const bad = await env.w.api('GET', `/v1/costs?${q}`);
      assert.equal(bad.status, 422, q);
      assert.equal(bad.body.code, 'invalid_query', q);
      assert.match(bad.type, /application\/problem\+json/);
    }
  });
});
