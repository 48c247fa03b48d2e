/**
 * The runs API through a real listening server: start (idempotency keys), read, list with
 * cursors, timeline, cancel, resume, fork, workflows, health — and bad input that changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { executions } from './fixtures/workflows.js';
import { waitFor } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

const env = useFixtureEnv('http_runs');

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => env.w.api(method, path, body, headers);
const runCount = async (): Promise<number> => Number((await env.pool.query('SELECT count(*) AS n FROM waymark.runs')).rows[0].n);
const workflowCount = async (): Promise<number> => Number((await env.pool.query('SELECT count(*) AS n FROM dbos.workflow_status')).rows[0].n);
const finished = (id: string, status = 'SUCCESS') =>
  waitFor(`run ${id} ${status}`, async () => {
    const r = await api('GET', `/v1/runs/${id}`);
    return r.body.status === status ? r.body : undefined;
  });


function assertProblem(r: { status: number; type: string; body: any }, status: number, code: string): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.match(r.type, /^application\/problem\+json/);
  assert.equal(r.body.status, status);
  assert.equal(r.body.code, code);
  assert.equal(typeof r.body.title, 'string');
  assert.equal(typeof r.body.detail, 'string');
  assert.ok(!JSON.stringify(r.body).includes('    at '), 'no stack trace in a problem');
}

describe('starting runs', () => {
  test('POST /v1/runs starts a run that completes, with its output', async () => {
    const r = await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 3 } });
    assert.equal(r.status, 201);
    assert.equal(r.body.workflow, 'test.chain');
    assert.ok(['queued', 'running', 'completed'].includes(r.body.phase), r.body.phase); // a worker may already have it
    assert.ok(['ENQUEUED', 'PENDING', 'SUCCESS'].includes(r.body.status));
    const done = await finished(r.body.id);
    assert.deepEqual(done.output, [0, 10, 20]);
    assert.equal(done.phase, 'completed');
    assert.deepEqual(done.input, { steps: 3 });
    assert.ok(done.startedAt && done.completedAt);
  });

  test('the same Idempotency-Key returns the same run and never starts a second', async () => {
    const headers = { 'Idempotency-Key': 'order-42' };
    const body = { workflow: 'test.chain', input: { steps: 1 } };
    const first = await api('POST', '/v1/runs', body, headers);
    assert.equal(first.status, 201);
    // Key order and whitespace in the body do not make it a different request.
    const again = await api('POST', '/v1/runs', '{ "input": {"steps":1},  "workflow":"test.chain" }', headers);
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    const { rows } = await env.pool.query('SELECT count(*) AS n FROM waymark.runs WHERE idempotency_key = $1', ['order-42']);
    assert.equal(Number(rows[0].n), 1);
    await finished(first.body.id);
    assert.deepEqual(await executions(env.pool, first.body.id), { s0: 1 });
  });

  test('concurrent requests with one key create one run', async () => {
    const headers = { 'Idempotency-Key': 'burst-1' };
    const results = await Promise.all(Array.from({ length: 8 }, () => api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 } }, headers)));
    const ids = new Set(results.map((r) => r.body.id));
    assert.equal(ids.size, 1);
    assert.equal(results.filter((r) => r.status === 201).length, 1);
    assert.ok(results.every((r) => r.status === 201 || r.status === 200));
  });

  test('the same key with a different body is a 409 problem and changes nothing', async () => {
    const headers = { 'Idempotency-Key': 'order-43' };
    const first = await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 } }, headers);
    const before = [await runCount(), await workflowCount()];
    const other = await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 2 } }, headers);
    assertProblem(other, 409, 'idempotency_key_reused');
    assert.equal(other.body.runId, first.body.id);
    assert.deepEqual([await runCount(), await workflowCount()], before);
  });

  test('unknown workflow, invalid input, malformed JSON, wrong media type and oversized bodies change nothing', async () => {
    const before = [await runCount(), await workflowCount()];
    assertProblem(await api('POST', '/v1/runs', { workflow: 'nope', input: {} }), 404, 'workflow_not_found');
    const invalid = await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 'three' } });
    assertProblem(invalid, 422, 'invalid_input');
    assert.deepEqual(invalid.body.issues[0].path, ['steps']);
    assertProblem(await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 0 } }), 422, 'invalid_input');
    assertProblem(await api('POST', '/v1/runs', '{"workflow": "test.chain", '), 400, 'malformed_json');
    assertProblem(await api('POST', '/v1/runs', { workflow: 'test.chain', input: {}, extra: 1 }), 422, 'invalid_body');
    assertProblem(await api('POST', '/v1/runs', { input: {} }), 422, 'invalid_body');
    assertProblem(await api('POST', '/v1/runs', [1, 2]), 422, 'invalid_body');
    const wrongType = await env.w.api('POST', '/v1/runs', 'workflow=test.chain', { 'content-type': 'application/x-www-form-urlencoded' });
    assertProblem(wrongType, 415, 'unsupported_media_type');
    const huge = { workflow: 'test.chain', input: { steps: 1, pad: 'x'.repeat(1_100_000) } };
    assertProblem(await api('POST', '/v1/runs', huge), 413, 'body_too_large');
    assertProblem(await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 } }, { 'Idempotency-Key': 'has space' }), 422, 'invalid_headers');
    assert.deepEqual([await runCount(), await workflowCount()], before);
  });
});

describe('reading runs', () => {
  test('GET /v1/runs pages newest first with a cursor, and filters', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api('POST', '/v1/runs', { workflow: 'test.escalate', input: { reason: `r${i}` } })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/v1/runs?workflow=test.escalate&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await api('GET', q);
      assert.equal(page.status, 200);
      assert.ok(page.body.runs.length <= 2);
      seen.push(...page.body.runs.map((r: { id: string }) => r.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());
    await Promise.all(ids.map((id) => finished(id)));
    const succeeded = await api('GET', '/v1/runs?workflow=test.escalate&status=SUCCESS&limit=200');
    assert.equal(succeeded.body.runs.length, 5);
    const none = await api('GET', '/v1/runs?workflow=test.escalate&status=ERROR');
    assert.deepEqual(none.body.runs, []);
    assertProblem(await api('GET', '/v1/runs?status=DONE'), 422, 'invalid_query');
    assertProblem(await api('GET', '/v1/runs?limit=0'), 422, 'invalid_query');
    assertProblem(await api('GET', '/v1/runs?cursor=bogus'), 422, 'invalid_cursor');
  });

  test('GET /v1/runs/{id}/timeline lists steps and phase changes in order', async () => {
    const { body } = await api('POST', '/v1/runs', { workflow: 'test.escalate', input: { reason: 'amount over limit' } });
    await finished(body.id);
    const t = await api('GET', `/v1/runs/${body.id}/timeline`);
    assert.equal(t.status, 200);
    const summary = t.body.entries.map((e: any) => (e.type === 'step' ? `step:${e.name}` : `${e.name}:${e.toPhase ?? ''}`));
    assert.deepEqual(summary, [
      'created:queued',
      'phase_changed:running',
      // A phase step starts, then changes the phase: ordered by when things happened.
      'step:waymark.setRunPhase:escalated',
      'phase_changed:escalated',
      'step:chainStep',
      'step:waymark.setRunPhase:running',
      'phase_changed:running',
      'phase_changed:completed',
    ]);
    const escalated = t.body.entries.find((e: any) => e.toPhase === 'escalated');
    assert.equal(escalated.reason, 'amount over limit');
    assert.equal(escalated.actor, 'workflow');
    const step = t.body.entries.find((e: any) => e.name === 'chainStep');
    assert.equal(step.output, 0);
    assert.ok(step.startedAt <= step.endedAt);
  });

  test('values the database cannot hold (NUL characters) are 400 problems and change nothing', async () => {
    const before = [await runCount(), await workflowCount()];
    assertProblem(await api('GET', '/v1/runs/%00'), 400, 'invalid_value');
    assertProblem(await api('POST', '/v1/runs', '{"workflow":"test.escalate","input":{"reason":"a\\u0000b"}}'), 400, 'invalid_value');
    assertProblem(await api('GET', `/v1/runs?cursor=${Buffer.from('["1","x"]').toString('base64url')}`), 422, 'invalid_cursor');
    assert.deepEqual([await runCount(), await workflowCount()], before);
  });

  test('unknown run ids and routes are 404 problems', async () => {
    assertProblem(await api('GET', '/v1/runs/does-not-exist'), 404, 'run_not_found');
    assertProblem(await api('GET', '/v1/runs/does-not-exist/timeline'), 404, 'run_not_found');
    assertProblem(await api('POST', '/v1/runs/does-not-exist/cancel'), 404, 'run_not_found');
    assertProblem(await api('GET', '/v1/nothing-here'), 404, 'route_not_found');
    assertProblem(await api('DELETE', '/v1/runs'), 404, 'route_not_found');
  });

  test('GET /v1/workflows lists names, descriptions and input JSON Schemas', async () => {
    const r = await api('GET', '/v1/workflows');
    assert.equal(r.status, 200);
    const chain = r.body.workflows.find((x: any) => x.name === 'test.chain');
    assert.equal(chain.description, 'A chain of counted steps; one can block until a test opens its gate.');
    assert.equal(chain.inputSchema.type, 'object');
    assert.deepEqual(chain.inputSchema.required, ['steps']);
    assert.equal(chain.inputSchema.properties.steps.type, 'integer');
  });

  test('health and readiness', async () => {
    assert.deepEqual((await api('GET', '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await api('GET', '/readyz')).body, { status: 'ready' });
  });
});

describe('operating runs', () => {
  test('cancel stops a waiting run; resume continues it from its checkpoint', async () => {
    const { body } = await api('POST', '/v1/runs', { workflow: 'test.wait-for-go', input: {} });
    await waitFor('first step', async () => (await executions(env.pool, body.id)).s0 === 1);
    const cancelled = await api('POST', `/v1/runs/${body.id}/cancel`);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'CANCELLED');
    assert.equal(cancelled.body.phase, 'cancelled');
    assertProblem(await api('POST', `/v1/runs/${body.id}/cancel`), 409, 'run_not_cancellable');

    const resumed = await api('POST', `/v1/runs/${body.id}/resume`);
    assert.equal(resumed.status, 200);
    await waitFor('resumed run waiting again', async () => (await api('GET', `/v1/runs/${body.id}`)).body.status === 'PENDING');
    const dbos = (await import('@dbos-inc/dbos-sdk')).DBOS;
    await dbos.send(body.id, 'now', 'go');
    const done = await finished(body.id);
    assert.deepEqual(done.output, { got: 'now' });
    assert.equal(done.phase, 'completed');
    assert.deepEqual(await executions(env.pool, body.id), { s0: 1 }, 'the completed step was not re-run');
    const kinds = (await env.pool.query('SELECT kind, actor, to_phase FROM waymark.run_events WHERE run_id = $1 ORDER BY id', [body.id])).rows;
    assert.deepEqual(kinds.map((k) => `${k.kind}:${k.actor}:${k.to_phase ?? ''}`), [
      'created:test-admin:queued', 'phase_changed:dbos:running', 'cancel_requested:test-admin:', 'phase_changed:dbos:cancelled',
      'resume_requested:test-admin:', 'phase_changed:dbos:queued', 'phase_changed:dbos:running', 'phase_changed:dbos:completed',
    ]);
    assertProblem(await api('POST', `/v1/runs/${body.id}/resume`), 409, 'run_not_resumable');
  });

  test('a failed run has phase failed and its error without a stack', async () => {
    const { body } = await api('POST', '/v1/runs', { workflow: 'test.always-fails', input: {} });
    const failed = await finished(body.id, 'ERROR');
    assert.equal(failed.phase, 'failed');
    assert.deepEqual(failed.error, { name: 'Error', message: 'deliberate failure' });
  });

  test('fork replays earlier steps and re-executes from the given step', async () => {
    const { body } = await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 4 } });
    await finished(body.id);
    const fork = await api('POST', `/v1/runs/${body.id}/fork`, { fromStep: 2 });
    assert.equal(fork.status, 201);
    assert.notEqual(fork.body.id, body.id);
    assert.equal(fork.body.forkedFrom, body.id);
    assert.equal(fork.body.workflow, 'test.chain');
    const done = await finished(fork.body.id);
    assert.deepEqual(done.output, [0, 10, 20, 30]);
    assert.deepEqual(await executions(env.pool, fork.body.id), { s2: 1, s3: 1 }, 'steps 0 and 1 came from checkpoints');
    assertProblem(await api('POST', `/v1/runs/${body.id}/fork`, { fromStep: -1 }), 422, 'invalid_body');
    assertProblem(await api('POST', `/v1/runs/${body.id}/fork`, {}), 422, 'invalid_body');
  });
});
