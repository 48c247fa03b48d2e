/**
 * Tool calls across SIGKILL of a real worker process, while the remote side has acted but not
 * answered: idempotent calls are repeated with the same key (acting once), reconcilable calls
 * are asked, other writes are never repeated but escalated to a person; backoff waits survive.
 */
import assert from 'node:assert/strict';
import { CLOCK_TOLERANCE_MS } from '../src/store/ledger-rules.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { useFixtureEnv } from './fixture-env.js';
import { ROOT, killWorker, spawnWorker, waitFor, type WorkerProcess } from './helpers.js';

const env = useFixtureEnv('tools_crash', { toolServer: true, waymark: { worker: false } });

const worker = () => spawnWorker(env.url, { TOOL_SERVER_URL: env.server.url });
const start = async (workflow: string, input: unknown) => (await env.w.as({ actor: 'test' }).runs.start({ workflow, input })).run.id;
const settled = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  }, 90_000);
const callOf = async (runId: string) => (await env.pool.query('SELECT * FROM waymark.tool_calls WHERE run_id = $1', [runId])).rows[0];
const outcomes = async (key: string) =>
  (await env.pool.query('SELECT outcome FROM waymark.tool_call_attempts WHERE key = $1 ORDER BY attempt', [key])).rows.map((r) => r.outcome as string);

/** Starts a run whose first request to `path` acts remotely and never answers, then kills the worker. */
async function crashMidCall(path: string, workflow: string, input: unknown, acted: () => boolean): Promise<{ id: string; next: WorkerProcess }> {
  env.server.hangAfterActing.set(path, 1);
  const first = await worker();
  const id = await start(workflow, input);
  await waitFor('the remote side to act', () => Promise.resolve(acted()));
  assert.equal((await callOf(id)).status, 'started', 'intent recorded, no outcome');
  await killWorker(first);
  return { id, next: await worker() };
}

test('an idempotent write in doubt is called again with the same key, and the provider acts once', async () => {
  const { id, next } = await crashMidCall('/emails', 'tools.email', { to: 'bo@example.com', subject: 'crash-1' }, () =>
    env.server.requests.some((r) => r.path === '/emails' && r.body.subject === 'crash-1'));
  try {
    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    const seen = env.server.requests.filter((r) => r.path === '/emails' && r.body.subject === 'crash-1');
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.key, seen[1]!.key);
    assert.equal([...env.server.emails.keys()].filter((k) => k === seen[0]!.key).length, 1);
    const call = await callOf(id);
    assert.equal(call.status, 'succeeded');
    assert.deepEqual(await outcomes(call.key), ['in_doubt', 'succeeded']);
  } finally {
    await killWorker(next);
  }
});

test('a write with reconcile in doubt is asked, recorded as reconciled, and not called again', async () => {
  const { id, next } = await crashMidCall('/charges', 'tools.charge-reconciled', { ref: 'r-1', cents: 100 }, () =>
    env.server.charges.some((c) => c.ref === 'r-1'));
  try {
    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    const charged = env.server.charges.filter((c) => c.ref === 'r-1');
    assert.equal(charged.length, 1);
    assert.deepEqual(run.output, { chargeId: charged[0]!.chargeId });
    assert.equal(env.server.requests.filter((r) => r.method === 'GET' && r.path === '/charges').length, 1);
    const call = await callOf(id);
    assert.equal(call.status, 'reconciled');
    assert.deepEqual(call.result, { chargeId: charged[0]!.chargeId });
  } finally {
    await killWorker(next);
  }
});

test('a non-idempotent write in doubt is never repeated: the run escalates until a person says it happened', async () => {
  const { id, next } = await crashMidCall('/charges', 'tools.charge', { ref: 'r-2', cents: 250 }, () => env.server.charges.some((c) => c.ref === 'r-2'));
  try {
    await waitFor('the run to escalate', async () => (await env.w.runs.get(id)).phase === 'escalated');
    const call = await callOf(id);
    assert.equal(call.status, 'in_doubt');
    assert.equal(env.server.charges.filter((c) => c.ref === 'r-2').length, 1);
    const escalation = (await env.pool.query(`SELECT reason, data FROM waymark.run_events WHERE run_id = $1 AND to_phase = 'escalated'`, [id])).rows[0];
    assert.equal(escalation.data.key, call.key);
    assert.match(escalation.reason, /in doubt/);

    const badOutput = await env.w.api('POST', `/v1/runs/${id}/tool-calls/${encodeURIComponent(call.key)}/resolve`, { happened: true, output: { charge: 1 } });
    assert.equal(badOutput.status, 422);
    const resolved = await env.w.api('POST', `/v1/runs/${id}/tool-calls/${encodeURIComponent(call.key)}/resolve`, {
      happened: true, output: { chargeId: 'ch-from-dashboard' }, comment: 'seen in the payment dashboard',
    });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.status, 'reconciled');
    const again = await env.w.api('POST', `/v1/runs/${id}/tool-calls/${encodeURIComponent(call.key)}/resolve`, { happened: false });
    assert.equal(again.status, 409);

    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS');
    assert.deepEqual(run.output, { chargeId: 'ch-from-dashboard' });
    assert.equal(run.phase, 'completed');
    assert.equal(env.server.charges.filter((c) => c.ref === 'r-2').length, 1, 'never charged twice');
    const kinds = (await env.pool.query('SELECT kind, to_phase, actor FROM waymark.run_events WHERE run_id = $1 ORDER BY id', [id])).rows
      .map((e) => `${e.kind}:${e.to_phase ?? ''}:${e.actor}`);
    assert.ok(kinds.includes('tool_call_resolved::test-admin'));
    assert.deepEqual(kinds.slice(-3), ['tool_call_resolved::test-admin', 'phase_changed:running:test-admin', 'phase_changed:completed:dbos']);
  } finally {
    await killWorker(next);
  }
});

test('"it did not happen" (said with the CLI) makes the run call the tool again', async () => {
  const { id, next } = await crashMidCall('/charges', 'tools.charge', { ref: 'r-3', cents: 75 }, () => env.server.charges.some((c) => c.ref === 'r-3'));
  try {
    await waitFor('the run to escalate', async () => (await env.w.runs.get(id)).phase === 'escalated');
    const call = await callOf(id);
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'runs', ...args, '--workflows', 'test/fixtures/workflows.ts'], {
        cwd: ROOT, env: { ...process.env, DATABASE_URL: env.url, LOG_LEVEL: 'warn' },
      });
    await assert.rejects(cli('resolve', id, call.key), /exactly one of --happened or --not-happened/);
    const { stdout } = await cli('resolve', id, call.key, '--not-happened', '--comment', 'no charge in the dashboard');
    assert.equal(JSON.parse(stdout).status, 'failed');
    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS');
    const charged = env.server.charges.filter((c) => c.ref === 'r-3');
    assert.equal(charged.length, 2);
    assert.deepEqual(run.output, { chargeId: charged[1]!.chargeId });
  } finally {
    await killWorker(next);
  }
});

test('a SIGKILL during a backoff wait: the next attempt happens at the planned time, not from scratch', async () => {
  env.server.scripts.set('d1', [{ status: 503, retryAfter: '4' }]);
  const first = await worker();
  const id = await start('tools.flaky', { id: 'd1' });
  const planned = await waitFor('a planned retry', async () => (await callOf(id))?.next_attempt_at as Date | undefined);
  await killWorker(first);
  const next = await worker();
  try {
    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    assert.equal(env.server.requests.filter((r) => r.path === '/flaky/d1').length, 2, 'attempt 1 was not repeated');
    const rows = (await env.pool.query(`SELECT attempt, outcome, started_at FROM waymark.tool_call_attempts WHERE key = $1 ORDER BY attempt`, [(await callOf(id)).key])).rows;
    assert.deepEqual(rows.map((r) => `${r.attempt}:${r.outcome}`), ['1:failed', '2:succeeded']);
    // The ledger starts a planned attempt up to its clock tolerance early (workers' clocks differ).
    assert.ok(rows[1].started_at.getTime() >= planned.getTime() - CLOCK_TOLERANCE_MS, `attempt 2 at ${rows[1].started_at.toISOString()} before the planned ${planned.toISOString()}`);
  } finally {
    await killWorker(next);
  }
});
