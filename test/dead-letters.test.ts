/**
 * Dead letters: runs that fail for good are listed with the reason, the failing step, the
 * failed tool call and the attempts; retry forks from the failing step (earlier steps are not
 * re-run); discard keeps the run for audit and refuses any later retry; a poison run that
 * kills its worker every time ends up here instead of crashing workers forever.
 */
import assert from 'node:assert/strict';
import { useFixtureEnv } from './fixture-env.js';
import { test } from 'node:test';
import { beforeLaunch, executions, workflows } from './fixtures/workflows.js';
import { killWorker, spawnWorker, startTestWaymark, waitFor } from './helpers.js';

const env = useFixtureEnv('dead_letters', { toolServer: true });

const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);
const start = async (workflow: string, input: unknown) => (await api('POST', '/v1/runs', { workflow, input })).body.id as string;
const settled = (id: string) =>
  waitFor(`run ${id}`, async () => {
    const r = (await api('GET', `/v1/runs/${id}`)).body;
    return ['SUCCESS', 'ERROR', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'].includes(r.status) ? r : undefined;
  }, 60_000);

test('a tool that exhausts its attempts dead-letters the run; a retry forks from the tool call and succeeds', async () => {
  env.server.scripts.set('dl1', Array.from({ length: 4 }, () => ({ status: 503 })));
  const id = await start('test.step-then-flaky', { id: 'dl1' });
  assert.equal((await settled(id)).status, 'ERROR');
  const list = await api('GET', '/v1/dead-letters?status=open');
  const d = list.body.deadLetters.find((x: any) => x.runId === id);
  assert.ok(d, 'listed');
  assert.equal(d.cause, 'error');
  assert.equal(d.toolFailure.tool, 'flaky.op');
  assert.equal(d.toolFailure.cause, 'attempts_exhausted');
  assert.equal(d.toolAttempts, 4);
  assert.match(d.error.message, /flaky\.op.*failed after 4 attempts/);
  assert.match(d.failingStep.error?.message ?? '', /answered 503/, 'the failing step names its error');
  // Step 0 is the counted step, step 1 the check that the starting key still may write.
  assert.equal(d.retryFromStep, 2, 'the tool call');

  // The service is healthy again: retry.
  const ops = await env.w.apiAs('ops@example.com', ['operator']);
  const retried = await ops('POST', `/v1/dead-letters/${id}/retry`, { reason: 'provider back', by: 'ops@example.com' });
  assert.equal(retried.status, 200, JSON.stringify(retried.body));
  assert.equal(retried.body.status, 'retried');
  const next = await settled(retried.body.retryRunId);
  assert.equal(next.status, 'SUCCESS', JSON.stringify(next.error));
  assert.deepEqual(await executions(env.pool, next.id), {}, 'the step before the failing call was not re-run');
  assert.equal(env.server.requests.filter((r) => r.path === '/flaky/dl1').length, 5);
  const again = await api('POST', `/v1/dead-letters/${id}/retry`, {});
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'dead_letter_not_open');
  const audit = (await env.pool.query(`SELECT actor, reason, data FROM waymark.run_events WHERE run_id = $1 AND kind = 'dead_letter_retried'`, [id])).rows;
  assert.deepEqual(audit, [{ actor: 'ops@example.com', reason: 'provider back', data: { retryRunId: retried.body.retryRunId, fromStep: 2 } }]);
});

test('discard needs a reason, keeps the run, and refuses a later retry', async () => {
  const id = await start('test.always-fails', {});
  await settled(id);
  const d = (await api('GET', `/v1/dead-letters/${id}`)).body;
  assert.equal(d.status, 'open');
  assert.equal(d.failingStep.name, 'chainStep');
  const noReason = await api('POST', `/v1/dead-letters/${id}/discard`, {});
  assert.equal(noReason.status, 422);
  const discarded = await (await env.w.apiAs('ops@example.com', ['operator']))('POST', `/v1/dead-letters/${id}/discard`, { reason: 'test data' });
  assert.equal(discarded.body.status, 'discarded');
  assert.equal(discarded.body.resolvedBy, 'ops@example.com');
  const retry = await api('POST', `/v1/dead-letters/${id}/retry`, {});
  assert.equal(retry.status, 409);
  assert.equal((await api('GET', `/v1/runs/${id}`)).status, 200, 'kept for audit');
  assert.equal((await api('GET', '/v1/dead-letters/nope')).status, 404);
});

test('a run that fails on a permanent tool error has a dead letter that names the tool call', async () => {
  const id = await start('tools.bad-input', { to: 'not-an-email' });
  assert.equal((await settled(id)).status, 'ERROR');
  const d = (await api('GET', `/v1/dead-letters/${id}`)).body;
  assert.equal(d.toolFailure.tool, 'email.send');
  assert.equal(d.toolFailure.cause, 'tool_input_invalid');
  assert.match(d.toolFailure.reason, /Invalid arguments for tool 'email\.send'/);
  assert.match(JSON.stringify(d.toolFailure.lastError), /Invalid email/, "the ledger's last error");
  assert.equal(d.retryFromStep, 0, 'a retry starts again at the tool call');
});

test('a provider answering 401 dead-letters the run with a dead letter that names the tool, the 401 and the failing step', async () => {
  env.server.scripts.set('dl401', [{ status: 401, body: { error: 'unauthorized', message: 'API key revoked' } }]);
  const id = await start('tools.flaky', { id: 'dl401' });
  assert.equal((await settled(id)).status, 'ERROR');
  assert.equal(env.server.requests.filter((r) => r.path === '/flaky/dl401').length, 1, 'a 401 is not retried');
  const got = await api('GET', `/v1/dead-letters/${id}`);
  assert.equal(got.status, 200);
  const d = got.body;
  assert.equal(d.status, 'open');
  assert.ok(d.toolFailure, 'the dead letter names the failed tool call');
  assert.equal(d.toolFailure.tool, 'flaky.op');
  assert.equal(d.toolFailure.cause, 'tool_call_failed');
  assert.match(d.toolFailure.lastError.message, /answered 401/, "the provider's answer");
  assert.equal(d.failingStep?.name, 'tool:flaky.op', 'the failing step is the tool call');
  assert.ok(d.failingStep.error, 'the failing step has its error');
  assert.match(d.failingStep.error.message, /answered 401/);
  assert.match(d.error.message, /flaky\.op/);
  // The credentials are fixed: a retry starts again at the tool call and succeeds.
  const retried = await api('POST', `/v1/dead-letters/${id}/retry`, { reason: 'key rotated' });
  assert.equal(retried.status, 200, JSON.stringify(retried.body));
  assert.equal((await settled(retried.body.retryRunId)).status, 'SUCCESS');
});

test('a retry that would fork from inside an answered wait is refused and leaves the dead letter open; one after the answer succeeds', async () => {
  env.server.scripts.set('dlwait', Array.from({ length: 4 }, () => ({ status: 503 })));
  const id = await start('test.approval-then-flaky', { id: 'dlwait', title: 'Pay Hal', proposal: { amount: 5, payee: 'Hal' }, assignees: { users: ['ops'] } });
  const approval = await waitFor('the approval', async () => (await api('GET', `/v1/approvals?runId=${id}&status=pending`)).body.approvals[0]);
  assert.equal((await api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' })).status, 200);
  assert.equal((await settled(id)).status, 'ERROR');
  const before = (await api('GET', `/v1/dead-letters/${id}`)).body;
  assert.equal(before.status, 'open');
  const opened = (await api('GET', `/v1/runs/${id}/timeline`)).body.entries.find((e: any) => e.type === 'step' && e.name === 'waymark.approval.request');
  assert.ok(opened, 'the approval step is on the timeline');
  assert.ok(before.retryFromStep > opened.stepId + 1, `the default retry (${before.retryFromStep}) starts after the answer`);

  const ops = await env.w.apiAs('ops-wait@example.com', ['operator']);
  const inside = await ops('POST', `/v1/dead-letters/${id}/retry`, { fromStep: opened.stepId + 1, reason: 'try from the wait' });
  assert.equal(inside.status, 409, JSON.stringify(inside.body));
  assert.match(inside.type, /application\/problem\+json/);
  assert.equal(inside.body.code, 'fork_inside_wait');
  assert.equal(inside.body.stepId, opened.stepId);
  assert.equal(inside.body.waitId, approval.id);

  const after = (await api('GET', `/v1/dead-letters/${id}`)).body;
  assert.equal(after.status, 'open', 'the refused retry left the dead letter open');
  assert.equal(after.retryRunId, null);
  assert.equal(after.resolvedBy, null);
  assert.equal(after.resolution, null);
  const forks = (await api('GET', '/v1/runs?workflow=test.approval-then-flaky&limit=200')).body.runs.filter((r: any) => r.forkedFrom === id);
  assert.deepEqual(forks, [], 'no fork run was created');
  const retriedEvents = (await api('GET', `/v1/runs/${id}/timeline`)).body.entries.filter((e: any) => e.type === 'event' && e.name === 'dead_letter_retried');
  assert.deepEqual(retriedEvents, [], 'the audit trail does not say it was retried');

  // From the failing tool call (after the answer), with the provider back: a fork that succeeds.
  const ok = await ops('POST', `/v1/dead-letters/${id}/retry`, { reason: 'provider back' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.status, 'retried');
  const next = await settled(ok.body.retryRunId);
  assert.equal(next.status, 'SUCCESS', JSON.stringify(next.error));
  assert.equal(next.output.decision.decision, 'approved', 'the answer given to the original run');
  assert.equal((await api('GET', `/v1/approvals?runId=${next.id}`)).body.approvals.length, 0, 'the fork asked nobody again');
});

test('a poison run that kills its worker every time becomes a dead letter, and workers keep serving other runs', async () => {
  // This file's in-process worker must not pick the poison run up: stop it, use real workers.
  await env.w.stop();
  env.w = await startTestWaymark(env.url, { workflows, beforeLaunch, worker: false });
  const poisonId = await start('test.poison', {});
  let attempts = 0;
  for (; attempts < 6; attempts++) {
    // A restarted worker recovers the poison run at launch: it may die before it reports READY.
    const worker = await spawnWorker(env.url, { TOOL_SERVER_URL: env.server.url }).catch((e: Error) => {
      if (/exited \(SIGKILL\) before READY/.test(e.message)) return undefined;
      throw e;
    });
    if (!worker) continue;
    const outcome = await Promise.race([worker.exited.then(() => 'died'), settled(poisonId).then(() => 'settled')]);
    if (outcome === 'settled') {
      const healthy = await start('test.chain', { steps: 1 });
      assert.equal((await settled(healthy)).status, 'SUCCESS', 'the worker still serves other runs');
      await killWorker(worker);
      break;
    }
  }
  const run = (await api('GET', `/v1/runs/${poisonId}`)).body;
  assert.equal(run.status, 'MAX_RECOVERY_ATTEMPTS_EXCEEDED');
  assert.equal(run.phase, 'failed');
  assert.ok(attempts <= 4, `stopped after ${attempts} crashed workers`);
  const d = (await api('GET', `/v1/dead-letters/${poisonId}`)).body;
  assert.equal(d.cause, 'max_recovery_attempts_exceeded');
  assert.equal(d.status, 'open');
});
