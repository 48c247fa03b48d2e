/**
 * A workflow's own business states against a real Postgres, over the real HTTP API: declared
 * moves from code are made and audited; a move the declaration does not allow throws, is recorded
 * and leaves the state; an event delivered to a run moves it as declared, or is recorded as
 * refused; `GET /v1/runs?state=` filters within the tenant; bad declarations fail when declared;
 * and a worker SIGKILLed right after a move's commit (before its checkpoint) leaves the move
 * recorded once after the restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { Waymark, WaymarkError } from '../src/index.js';
import { signWebhook } from '../src/server.js';
import { beforeLaunch, workflows } from './fixtures/workflows.js';
import { useFixtureEnv } from './fixture-env.js';
import { killWorker, spawnWorker, startTestWaymark, waitFor, type Api } from './helpers.js';

const SECRET = 'states-secret';
const config = { webhookSecrets: { police: SECRET } };
const env = useFixtureEnv('business_states', { waymark: { config } });

type Step = { set: string; reason?: string } | { wait: { type: string; key: string } };
const api: Api = (method, path, body, headers) => env.w.api(method, path, body, headers);

async function start(steps: Step[], opts: { throwRefusals?: boolean; as?: Api } = {}): Promise<string> {
  const r = await (opts.as ?? api)('POST', '/v1/runs', { workflow: 'test.states', input: { steps, ...(opts.throwRefusals ? { throwRefusals: true } : {}) } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}
const settled = (id: string, as: Api = api) =>
  waitFor(`run ${id} to end`, async () => {
    const r = await as('GET', `/v1/runs/${id}`);
    return ['SUCCESS', 'ERROR'].includes(r.body.status) ? r.body : undefined;
  }, 90_000);
/** The run's state events from the audit view, as {kind, from, to, by, reason}. */
const stateHistory = async (id: string) =>
  (await env.pool.query(
    `SELECT name AS kind, actor, reason, data FROM waymark.run_history
     WHERE run_id = $1 AND name IN ('state_changed', 'state_refused') ORDER BY at, entry_type DESC, entry_order`,
    [id],
  )).rows.map((r) => ({ kind: r.kind, from: r.data.from, to: r.data.to, by: r.data.by, actor: r.actor, reason: r.reason }));
const sendEvent = (id: string, type: string, key: string) => {
  const body = JSON.stringify({ id, type, key, data: {} });
  return api('POST', '/v1/events/police', body, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, body) });
};

test('declared moves from code are made, shown on the run and audited with from, to, by and reason', async () => {
  const id = await start([{ set: 'awaiting_report', reason: 'report requested' }, { set: 'confirmed' }, { set: 'confirmed' }, { set: 'paid', reason: 'approved' }]);
  const run = await settled(id);
  assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
  assert.equal(run.state, 'paid');
  assert.deepEqual(run.output, ['moved to awaiting_report', 'moved to confirmed', 'moved to confirmed', 'moved to paid']);
  assert.deepEqual(await stateHistory(id), [
    { kind: 'state_changed', from: null, to: 'drafted', by: 'test-admin', actor: 'test-admin', reason: 'initial state' },
    { kind: 'state_changed', from: 'drafted', to: 'awaiting_report', by: 'workflow', actor: 'workflow', reason: 'report requested' },
    // The repeated move to the state the run is in wrote nothing.
    { kind: 'state_changed', from: 'awaiting_report', to: 'confirmed', by: 'workflow', actor: 'workflow', reason: null },
    { kind: 'state_changed', from: 'confirmed', to: 'paid', by: 'workflow', actor: 'workflow', reason: 'approved' },
  ]);
  const timeline = (await api('GET', `/v1/runs/${id}/timeline`)).body.entries.filter((e: any) => e.name === 'state_changed');
  assert.deepEqual(timeline.map((e: any) => [e.data.from, e.data.to, e.data.by]), [[null, 'drafted', 'test-admin'], ['drafted', 'awaiting_report', 'workflow'], ['awaiting_report', 'confirmed', 'workflow'], ['confirmed', 'paid', 'workflow']]);
  // The live stream (server-sent events) carries the moves too, in order, before the end.
  const stream = await fetch(`${env.w.httpUrl}/v1/runs/${id}/stream`, { headers: { authorization: `Bearer ${env.w.adminKey}`, accept: 'text/event-stream' } });
  assert.equal(stream.status, 200);
  const events = (await stream.text()).split('\n\n').flatMap((block) => {
    const data = block.split('\n').find((l) => l.startsWith('data: '));
    return data ? [JSON.parse(data.slice(6)) as { type: string; from?: string | null; to?: string; by?: string; reason?: string | null }] : [];
  });
  assert.deepEqual(events.filter((e) => e.type === 'state').map((e) => [e.from, e.to, e.by, e.reason]), [
    [null, 'drafted', 'test-admin', 'initial state'], ['drafted', 'awaiting_report', 'workflow', 'report requested'],
    ['awaiting_report', 'confirmed', 'workflow', null], ['confirmed', 'paid', 'workflow', 'approved'],
  ]);
  assert.equal(events.at(-1)?.type, 'end');
  // escalated is reachable from any state, even paid.
  const escalated = await settled(await start([{ set: 'awaiting_report' }, { set: 'escalated', reason: 'no report' }, { set: 'confirmed' }]));
  assert.equal(escalated.state, 'confirmed');
});

test('a move the declaration does not allow throws a clear error, is recorded as refused and leaves the state', async () => {
  const id = await start([{ set: 'paid', reason: 'too early' }, { set: 'bogus' }, { set: 'awaiting_report' }]);
  const run = await settled(id);
  assert.equal(run.status, 'SUCCESS');
  assert.equal(run.state, 'awaiting_report');
  assert.deepEqual(run.output, [
    'state_transition_refused: State move refused: drafted -> paid is not an allowed transition (from drafted: awaiting_report, escalated, rolled_back)',
    "state_transition_refused: State move refused: 'bogus' is not a declared state (declared: drafted, awaiting_report, confirmed, paid, escalated, rolled_back)",
    'moved to awaiting_report',
  ]);
  assert.deepEqual((await stateHistory(id)).map((e) => [e.kind, e.from, e.to, e.reason]), [
    ['state_changed', null, 'drafted', 'initial state'],
    ['state_refused', 'drafted', 'paid', 'too early'],
    ['state_refused', 'drafted', 'bogus', null],
    ['state_changed', 'drafted', 'awaiting_report', null],
  ]);
  const refused = (await api('GET', `/v1/runs/${id}/timeline`)).body.entries.find((e: any) => e.name === 'state_refused');
  assert.match(refused.data.refusal, /drafted -> paid is not an allowed transition/);

  // Not caught, the error fails the run with its code; the refusal is still recorded.
  const failing = await start([{ set: 'confirmed' }], { throwRefusals: true });
  const failed = await settled(failing);
  assert.equal(failed.status, 'ERROR');
  assert.match(failed.error.message, /drafted -> confirmed is not an allowed transition/);
  assert.equal(failed.state, 'drafted');
  assert.deepEqual((await stateHistory(failing)).map((e) => e.kind), ['state_changed', 'state_refused']);

  // A workflow that declares no states has none, and setState says why.
  const plain = await api('POST', '/v1/runs', { workflow: 'test.no-states', input: {} });
  const ended = await settled(plain.body.id);
  assert.equal(ended.state, null);
  assert.match(ended.output, /^state_transition_refused: .*the run has no business states/);
});

test('an event delivered to a run moves its state as declared; a move the declaration refuses is recorded and leaves the state', async () => {
  const moved = await start([{ set: 'awaiting_report' }, { wait: { type: 'report.received', key: 'claim-1' } }]);
  const early = await start([{ wait: { type: 'claim.paid', key: 'claim-2' } }]);
  for (const id of [moved, early]) await waitFor('the wait', async () => (await env.pool.query(`SELECT 1 FROM waymark.event_waits WHERE run_id = $1 AND status = 'waiting'`, [id])).rowCount === 1);
  assert.deepEqual((await sendEvent('e-1', 'report.received', 'claim-1')).body.deliveredTo, [moved]);
  assert.deepEqual((await sendEvent('e-2', 'claim.paid', 'claim-2')).body.deliveredTo, [early]);
  // The state moved in the webhook's own transaction, before the run went on.
  const first = await settled(moved);
  assert.equal(first.state, 'confirmed');
  assert.deepEqual(first.output, ['moved to awaiting_report', 'received e-1']);
  const changed = (await stateHistory(moved)).at(-1)!;
  assert.deepEqual(changed, { kind: 'state_changed', from: 'awaiting_report', to: 'confirmed', by: 'webhook:police', actor: 'webhook:police', reason: 'event report.received claim-1' });
  const second = await settled(early);
  assert.equal(second.state, 'drafted', 'drafted -> paid is not allowed: the state stays');
  assert.deepEqual(second.output, ['received e-2'], 'the run still received its event');
  const refused = (await api('GET', `/v1/runs/${early}/timeline`)).body.entries.find((e: any) => e.name === 'state_refused');
  assert.equal(refused.actor, 'webhook:police');
  assert.deepEqual([refused.data.from, refused.data.to, refused.data.event.id], ['drafted', 'paid', 'e-2']);
  assert.match(refused.data.refusal, /drafted -> paid is not an allowed transition/);

  // An event that arrived before the wait moves the state when the wait finds it.
  await sendEvent('e-3', 'report.received', 'claim-3');
  const late = await settled(await start([{ set: 'escalated' }, { wait: { type: 'report.received', key: 'claim-3' } }]));
  assert.equal(late.state, 'confirmed');
  assert.deepEqual((await stateHistory(late.id)).map((e) => [e.from, e.to, e.by]), [[null, 'drafted', 'test-admin'], ['drafted', 'escalated', 'workflow'], ['escalated', 'confirmed', 'webhook:police']]);
});

test('GET /v1/runs?state= lists the runs in that state, of the caller\'s tenant only; bad input is a 422 problem', async () => {
  const other = await env.w.apiAs('other-admin', ['admin'], 'other');
  const mine = await start([{ set: 'rolled_back' }]);
  const theirs = await start([{ set: 'rolled_back' }], { as: other });
  await settled(mine);
  await settled(theirs, other);
  const ids = async (as: Api, query: string) => (await as('GET', `/v1/runs?${query}`)).body.runs.map((r: any) => r.id);
  assert.deepEqual(await ids(api, 'state=rolled_back'), [mine]);
  assert.deepEqual(await ids(other, 'state=rolled_back'), [theirs]);
  assert.deepEqual(await ids(api, 'state=rolled_back&workflow=test.chain'), []);
  assert.ok((await ids(api, 'state=paid')).length >= 1);
  assert.ok(!(await ids(api, 'state=paid')).includes(mine));

  for (const bad of ['Rolled Back', 'x'.repeat(65), '1st', 'a;drop']) {
    const r = await api('GET', `/v1/runs?state=${encodeURIComponent(bad)}`);
    assert.equal(r.status, 422, bad);
    assert.match(r.type, /application\/problem\+json/);
    assert.equal(r.body.code, 'invalid_query');
    assert.match(JSON.stringify(r.body), /state/);
  }
});

test('GET /v1/workflows shows each workflow\'s declared states and transitions', async () => {
  const list = (await api('GET', '/v1/workflows')).body.workflows;
  const states = list.find((w: any) => w.name === 'test.states').states;
  assert.equal(states.initial, 'drafted');
  assert.deepEqual(states.states, ['drafted', 'awaiting_report', 'confirmed', 'paid', 'escalated', 'rolled_back']);
  assert.deepEqual(states.transitions.filter((t: any) => t.from === '*'), [{ from: '*', to: 'escalated' }, { from: '*', to: 'rolled_back' }]);
  assert.deepEqual(states.events, [{ type: 'report.received', to: 'confirmed' }, { type: 'claim.paid', to: 'paid' }]);
  assert.equal(list.find((w: any) => w.name === 'test.chain').states, null);
});

test('a declaration naming an undeclared state fails when the workflow is declared, with a clear message', () => {
  const declare = (states: any) => () => Waymark.registerWorkflow({ name: 'test.bad-states', description: 'never registered', input: z.object({}), states }, async () => null);
  const fails = (states: any, message: RegExp) => assert.throws(declare(states), (e: unknown) => e instanceof WaymarkError && e.code === 'invalid_workflow' && message.test(e.message));
  fails({ initial: 'drafted', transitions: { drafted: ['payed'], paid: [] } },
    /^Workflow 'test.bad-states': the transition drafted -> payed names the undeclared state 'payed'; declare it as a key of states.transitions/);
  fails({ initial: 'new', transitions: { drafted: [] } }, /states.initial names the undeclared state 'new'/);
  fails({ initial: 'drafted', transitions: { drafted: [], '*': ['gone'] } }, /the transition \* -> gone names the undeclared state 'gone'/);
  fails({ initial: 'drafted', transitions: { drafted: [] }, events: { 'x.y': 'paid' } }, /states.events\['x.y'\] names the undeclared state 'paid'/);
  fails({ initial: 'Drafted', transitions: { Drafted: [] } }, /state 'Drafted' must be lower-case words/);
  fails({ initial: 'drafted', transitions: {} }, /declares no state/);
});

test('a fork starts in the state its run was in at the fork\'s step, and moves on from there', async () => {
  const stepOf = async (id: string, name: string) =>
    (await env.pool.query(`SELECT function_id FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_name = $2`, [id, name])).rows[0].function_id as number;
  const fork = async (id: string, fromStep: number) => {
    const r = await api('POST', `/v1/runs/${id}/fork`, { fromStep });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const id = await start([{ set: 'awaiting_report' }, { set: 'confirmed' }, { set: 'paid' }]);
  const origin = await settled(id);
  assert.equal(origin.state, 'paid');
  const fromConfirmed = await fork(id, await stepOf(id, 'waymark.state:confirmed'));
  assert.equal(fromConfirmed.state, 'awaiting_report');
  const again = await settled(fromConfirmed.id);
  assert.deepEqual([again.status, again.state, again.output], ['SUCCESS', 'paid', origin.output]);
  assert.deepEqual((await stateHistory(fromConfirmed.id)).map((e) => [e.from, e.to, e.by]), [[null, 'awaiting_report', 'fork'], ['awaiting_report', 'confirmed', 'workflow'], ['confirmed', 'paid', 'workflow']]);
  // From the first step the whole claim runs again, from its initial state.
  const fromStart = await fork(id, 0);
  assert.equal(fromStart.state, 'drafted');
  assert.deepEqual((await settled(fromStart.id)).output, origin.output);

  // An event's move belongs to its wait: a fork from the wait opens it again and the event moves the fork.
  const waited = await start([{ set: 'awaiting_report' }, { wait: { type: 'report.received', key: 'claim-fork' } }]);
  await waitFor('the wait', async () => (await env.pool.query(`SELECT 1 FROM waymark.event_waits WHERE run_id = $1 AND status = 'waiting'`, [waited])).rowCount === 1);
  await sendEvent('e-fork', 'report.received', 'claim-fork');
  assert.equal((await settled(waited)).state, 'confirmed');
  const fromWait = await fork(waited, await stepOf(waited, 'waymark.event.wait'));
  assert.equal(fromWait.state, 'awaiting_report');
  const refound = await settled(fromWait.id);
  assert.deepEqual([refound.state, refound.output], ['confirmed', ['moved to awaiting_report', 'received e-fork']]);
  assert.deepEqual((await stateHistory(fromWait.id)).map((e) => [e.from, e.to, e.by]), [[null, 'awaiting_report', 'fork'], ['awaiting_report', 'confirmed', 'webhook:police']]);
  const steps = Number((await env.pool.query(`SELECT max(function_id) + 1 AS n FROM dbos.operation_outputs WHERE workflow_uuid = $1`, [waited])).rows[0].n);
  const fromEnd = await fork(waited, steps);
  assert.equal(fromEnd.state, 'confirmed', 'after the answer, the move is behind the fork');
  assert.equal((await settled(fromEnd.id)).state, 'confirmed');
});

/**
 * Runs `steps` on a worker that SIGKILLs itself when the first step named `killAt` has committed
 * its move but not written its checkpoint; then on a new worker to the end. Returns the run.
 */
async function acrossKill(steps: Step[], killAt: string): Promise<any> {
  const first = await spawnWorker(env.url, { WORKER_KILL_AT: `after-effect ${killAt}` });
  const id = await start(steps);
  assert.equal(await first.exited, 'SIGKILL');
  const second = await spawnWorker(env.url);
  try {
    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    // The move's step was executed again after the restart (once checkpointed in all).
    const steps = (await env.pool.query(`SELECT count(*)::int AS n FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_name = $2`, [id, killAt])).rows[0].n;
    assert.ok(steps >= 1);
    return run;
  } finally {
    await killWorker(second);
  }
}

test('a worker SIGKILLed right after a move commits (before its checkpoint) has the move, or the refusal, recorded once after the restart', async () => {
  // This test's runs are executed by worker processes only.
  await env.w.stop();
  env.w = await startTestWaymark(env.url, { workflows, beforeLaunch, worker: false, config });

  const moved = await acrossKill([{ set: 'awaiting_report' }, { set: 'confirmed', reason: 'report checked' }, { set: 'paid' }], 'waymark.state:confirmed');
  assert.equal(moved.state, 'paid');
  assert.deepEqual((await stateHistory(moved.id)).map((e) => [e.kind, e.from, e.to]), [
    ['state_changed', null, 'drafted'],
    ['state_changed', 'drafted', 'awaiting_report'],
    ['state_changed', 'awaiting_report', 'confirmed'],
    ['state_changed', 'confirmed', 'paid'],
  ]);

  // A refusal changes no state, so only the step's own record keeps it from being written twice.
  const refused = await acrossKill([{ set: 'awaiting_report' }, { set: 'paid' }, { set: 'confirmed' }, { set: 'paid' }], 'waymark.state:paid');
  assert.equal(refused.state, 'paid');
  assert.match(refused.output[1], /^state_transition_refused: .*awaiting_report -> paid is not an allowed transition/, 'the replayed step threw the recorded refusal');
  assert.deepEqual((await stateHistory(refused.id)).map((e) => [e.kind, e.from, e.to]), [
    ['state_changed', null, 'drafted'],
    ['state_changed', 'drafted', 'awaiting_report'],
    ['state_refused', 'awaiting_report', 'paid'],
    ['state_changed', 'awaiting_report', 'confirmed'],
    ['state_changed', 'confirmed', 'paid'],
  ]);
});
