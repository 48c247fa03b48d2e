/**
 * Model calls across a SIGKILL of the worker process: a completed call is never sent again
 * (the scripted model server counts the requests), and a call in flight at the crash is sent
 * again after recovery, both attempts in the ledger; the run's live stream holds a replayed call once
 * and a re-issued one under a new attempt marker; a call refused by its run's budget, waiting for
 * an admin to raise it, is sent once after the raise however the crash and the decision interleave.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { killWorker, spawnWorker, waitFor } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';
import { reply } from './support/model-server.js';

// This process starts and reads runs and serves the model; the workers are separate processes.
const env = useFixtureEnv('model_crash', { modelServer: true, waymark: { worker: false, http: false } });

const workerEnv = (): Record<string, string> => ({
  MODEL_SERVER_URL: env.models.url,
  WAYMARK_MODEL_PRICES: JSON.stringify({ 'fixture-model': { inputPerMillion: 2, outputPerMillion: 4 } }),
});

const finished = (id: string) =>
  waitFor('the run to finish', async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR'].includes(r.status) ? r : undefined;
  });

test('SIGKILL during a model call: the completed call before it is not sent again, the interrupted one is re-issued and both attempts are recorded', async () => {
  env.models.script('crash-a', reply.text('first answer', { prompt: 100, completion: 20 }));
  env.models.script('crash-b', reply.hang());
  const first = await spawnWorker(env.url, workerEnv());
  const { run } = await env.w.runs.start({ workflow: 'models.two-calls', input: { tag: 'crash' } });
  await env.models.waitForRequests('crash-b', 1);
  await killWorker(first);
  env.models.script('crash-b', reply.text('second answer', { prompt: 120, completion: 30 }));

  const second = await spawnWorker(env.url, workerEnv());
  try {
    const done = await finished(run.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.deepEqual(done.output, { a: 'first answer', b: 'second answer' });
    assert.equal(env.models.count('crash-a'), 1, 'the completed call was answered from its checkpoint');
    assert.equal(env.models.count('crash-b'), 2, 'the interrupted call was sent again');

    const rows = (
      await env.pool.query(
        `SELECT call_site, attempt, step_id, status, input_tokens, output_tokens, cost::float8 AS cost
         FROM waymark.model_calls WHERE run_id = $1 ORDER BY call_site, attempt`,
        [run.id],
      )
    ).rows;
    assert.equal(rows.length, 3);
    const [a, b1, b2] = rows;
    assert.deepEqual([a.attempt, a.status, a.input_tokens, a.output_tokens, a.cost], [1, 'succeeded', 100, 20, (100 * 2 + 20 * 4) / 1e6]);
    assert.deepEqual([b1.attempt, b1.status, b1.input_tokens], [1, 'interrupted', null]);
    assert.deepEqual([b2.attempt, b2.status, b2.input_tokens, b2.output_tokens], [2, 'succeeded', 120, 30]);
    assert.equal(b1.call_site, b2.call_site);
    assert.equal(b1.step_id, b2.step_id, 'the re-issue is the same step, executed again');
    const events = (await env.pool.query(`SELECT data->>'status' AS status FROM waymark.run_events WHERE run_id = $1 AND kind = 'model_called' ORDER BY id`, [run.id])).rows;
    assert.deepEqual(events.map((e) => e.status), ['succeeded', 'interrupted', 'succeeded']);
    // The budgets: the interrupted attempt (perhaps billed) keeps its reservation as spent.
    const reserved = (await env.pool.query(`SELECT reserved_tokens::int AS t FROM waymark.model_calls WHERE run_id = $1 AND status = 'interrupted'`, [run.id])).rows[0].t;
    assert.ok(reserved > 0);
    const counter = (await env.pool.query(
      `SELECT spent_tokens::int AS spent, reserved_tokens::int AS reserved, spent_calls FROM waymark.budget_counters WHERE scope = 'run' AND key = $1`, [run.id],
    )).rows[0];
    assert.deepEqual(counter, { spent: 120 + reserved + 150, reserved: 0, spent_calls: 3 });
  } finally {
    await killWorker(second);
  }
});

test('SIGKILL during a streamed call: the re-issued stream completes and the run gets the whole answer once', async () => {
  env.models.script('crash-st', reply.hang());
  const first = await spawnWorker(env.url, workerEnv());
  const { run } = await env.w.runs.start({ workflow: 'models.stream', input: { prompt: '[scenario:crash-st] stream' } });
  await env.models.waitForRequests('crash-st', 1);
  await killWorker(first);
  env.models.script('crash-st', reply.text('the streamed answer', { prompt: 8, completion: 6 }));
  const second = await spawnWorker(env.url, workerEnv());
  try {
    const done = await finished(run.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.equal((done.output as { text: string }).text, 'the streamed answer');
    assert.equal(env.models.count('crash-st'), 2);
    const statuses = (await env.pool.query('SELECT status FROM waymark.model_calls WHERE run_id = $1 ORDER BY attempt', [run.id])).rows.map((r) => r.status);
    assert.deepEqual(statuses, ['interrupted', 'succeeded']);
  } finally {
    await killWorker(second);
  }
});

test('SIGKILL between two streamed calls: the live stream has the completed call once and the re-issued one under a new attempt marker', async () => {
  env.models.script('cst-a', reply.text('first streamed answer', { prompt: 4, completion: 3 }));
  env.models.script('cst-b', reply.hang());
  const first = await spawnWorker(env.url, workerEnv());
  const { run } = await env.w.runs.start({ workflow: 'models.stream-two', input: { tag: 'cst' } });
  await env.models.waitForRequests('cst-b', 1);
  await killWorker(first);
  env.models.script('cst-b', reply.text('second streamed answer', { prompt: 5, completion: 3 }));
  const second = await spawnWorker(env.url, workerEnv());
  try {
    const done = await finished(run.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.deepEqual(done.output, { texts: ['first streamed answer', 'second streamed answer'] });
    assert.equal(env.models.count('cst-a'), 1, 'the completed call was replayed from its checkpoint');
    const stream = (await env.pool.query('SELECT seq::int AS seq, type, data FROM waymark.run_stream WHERE run_id = $1 ORDER BY seq', [run.id])).rows;
    assert.deepEqual(stream.map((e) => e.seq), stream.map((_, i) => i + 1), 'numbered without gaps across the crash');
    const sites = [...new Set(stream.filter((e) => e.type === 'model-start').map((e) => e.data.callSite as number))];
    assert.equal(sites.length, 2);
    const [a, b] = sites;
    const of = (site: number) => stream.filter((e) => e.data.callSite === site);
    const text = (site: number, attempt: number) => of(site).filter((e) => e.type === 'text-delta' && e.data.attempt === attempt).map((e) => e.data.delta).join('');
    assert.deepEqual(of(a!).filter((e) => e.type.startsWith('model-')).map((e) => [e.type, e.data.attempt]), [['model-start', 1], ['model-finish', 1]]);
    assert.equal(text(a!, 1), 'first streamed answer', 'the replayed call streamed nothing again');
    // The attempt in flight at the crash left its marker; the re-issue streams as attempt 2.
    assert.deepEqual(of(b!).filter((e) => e.type.startsWith('model-')).map((e) => [e.type, e.data.attempt]), [['model-start', 1], ['model-start', 2], ['model-finish', 2]]);
    assert.equal(text(b!, 2), 'second streamed answer');
    assert.equal(stream.at(-1)!.type, 'end');
  } finally {
    await killWorker(second);
  }
});

/**
 * A run with a per-run budget of 1 call (policy `ask`, raise by 1) makes 2 calls: the second is
 * refused and waits for an admin. The crash: the worker is SIGKILLed while the run waits and the
 * admin approves with no worker running (`down`) or once a new worker has resumed the run
 * (`restarted`); or the admin approves and the worker dies when the raise is committed but its
 * step's checkpoint is not written (`raised`), so the new worker executes the raise again.
 */
async function budgetApprovalAcrossCrash(tag: string, crash: 'down' | 'restarted' | 'raised'): Promise<void> {
  env.models.script(tag, reply.text('one', { prompt: 10, completion: 2 }), reply.text('two', { prompt: 12, completion: 3 }));
  const first = await spawnWorker(env.url, { ...workerEnv(), ...(crash === 'raised' ? { WORKER_KILL_AT: 'after-effect budget:raise' } : {}) });
  const { run } = await env.w.runs.start({ workflow: 'models.budget-ask', input: { tag, calls: 2 } });
  const approval = await waitFor('the budget approval', async () =>
    (await env.pool.query(`SELECT id, proposal FROM waymark.approvals WHERE run_id = $1 AND status = 'pending'`, [run.id])).rows[0]);
  assert.deepEqual([approval.proposal.budget, approval.proposal.resource, approval.proposal.limit, approval.proposal.raiseBy], ['run', 'calls', 1, { calls: 1 }]);
  const decide = () => env.w.as({ actor: 'ada' }).approvals.decide(approval.id, { decision: 'approve' });
  const raisedEvents = async () => (await env.pool.query(`SELECT actor, data FROM waymark.run_events WHERE run_id = $1 AND kind = 'budget_raised'`, [run.id])).rows;
  if (crash === 'raised') {
    await decide();
    assert.equal(await first.exited, 'SIGKILL');
    assert.equal((await raisedEvents()).length, 1, 'the raise was committed before the crash');
  } else {
    await killWorker(first);
  }
  assert.equal(env.models.count(tag), 1, 'the refused call was not sent');

  if (crash === 'down') await decide();
  const second = await spawnWorker(env.url, workerEnv());
  try {
    if (crash === 'restarted') {
      // The resumed run waits for the same approval again: nothing is sent, nothing is asked twice.
      await waitFor('the run to be resumed', async () =>
        (await env.pool.query(`SELECT 1 FROM dbos.workflow_status WHERE workflow_uuid = $1 AND executor_id = $2`, [run.id, second.executorId])).rowCount);
      assert.equal(env.models.count(tag), 1);
      await decide();
    }
    const done = await finished(run.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.deepEqual(done.output, { texts: ['one', 'two'], refused: null });
    assert.equal(env.models.count(tag), 2, 'the refused call was sent once, after the raise');
    assert.equal((await env.pool.query(`SELECT 1 FROM waymark.approvals WHERE run_id = $1`, [run.id])).rowCount, 1, 'one approval asked for');

    const exceeded = (await env.pool.query(`SELECT data FROM waymark.run_events WHERE run_id = $1 AND kind = 'budget_exceeded'`, [run.id])).rows;
    assert.equal(exceeded.length, 1);
    const calls = (await env.pool.query(`SELECT call_site, attempt, status, input_tokens, output_tokens FROM waymark.model_calls WHERE run_id = $1 ORDER BY call_site, attempt`, [run.id])).rows;
    assert.deepEqual(calls.map((c) => [c.attempt, c.status, c.input_tokens, c.output_tokens]), [[1, 'succeeded', 10, 2], [1, 'succeeded', 12, 3]]);
    assert.equal(calls[1].call_site, exceeded[0].data.callSite, 'the call sent after the raise is the refused one');
    const raised = await raisedEvents();
    assert.equal(raised.length, 1, 'the raise is recorded once');
    assert.deepEqual([raised[0].actor, raised[0].data.raiseBy], ['ada', { calls: 1 }]);
    const counter = (await env.pool.query(
      `SELECT limit_calls, spent_calls, reserved_calls, spent_tokens::int AS tokens, reserved_tokens::int AS reserved FROM waymark.budget_counters WHERE scope = 'run' AND key = $1`, [run.id],
    )).rows[0];
    assert.deepEqual(counter, { limit_calls: 2, spent_calls: 2, reserved_calls: 0, tokens: 12 + 15, reserved: 0 }, 'raised once, each call counted once');
  } finally {
    await killWorker(second);
  }
}

test('SIGKILL while a call waits for a budget raise, approved with no worker running: the call is sent once after the raise', () =>
  budgetApprovalAcrossCrash('crash-ask-down', 'down'));

test('SIGKILL while a call waits for a budget raise, approved after the restart: the call is sent once after the raise', () =>
  budgetApprovalAcrossCrash('crash-ask-up', 'restarted'));

test('SIGKILL after the approved raise is committed but before its checkpoint: the raise is not applied twice', () =>
  budgetApprovalAcrossCrash('crash-ask-raised', 'raised'));
