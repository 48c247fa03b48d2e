/**
 * The agent loop across a SIGKILL of its worker, between the model's tool call and the tool's
 * execution: once while the run waits for a person's approval of the call (decided with no
 * worker running), once in the bare gap right after the model turn's checkpoint, before the tool
 * is called. A new worker resumes the run: the model turn that asked for the charge is not sent
 * (or paid) again, the charge is made exactly once, the transcript has each message once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { killWorker, spawnWorker, waitFor } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';
import { reply } from './support/model-server.js';

// This process starts runs, decides approvals and serves the model and the tools; workers are separate processes.
const env = useFixtureEnv('agent_crash', { modelServer: true, toolServer: true, waymark: { worker: false, http: false } });

const workerEnv = (): Record<string, string> => ({ MODEL_SERVER_URL: env.models.url, TOOL_SERVER_URL: env.server.url });

const charges = (ref: string) => env.server.charges.filter((c) => c.ref === ref).length;

/**
 * A new worker resumes run `runId` of scenario `tag` (a charge `ref`, then the answer `text`) and
 * finishes it; nothing was done twice: two model turns (the one that asked for the charge answered
 * from its checkpoint), each sent and counted once, one charge, one request, one ledger attempt,
 * each message once in the transcript. `usage`: each turn's input and output tokens.
 */
async function resumesOnce(runId: string, s: { tag: string; ref: string; text: string; usage: [number, number][] }): Promise<void> {
  const second = await spawnWorker(env.url, workerEnv());
  try {
    const done = await waitFor('the run to finish', async () => {
      const r = await env.w.runs.get(runId);
      return ['SUCCESS', 'ERROR'].includes(r.status) ? r : undefined;
    });
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.equal((done.output as { text: string }).text, s.text);
    assert.equal(env.models.count(s.tag), 2, 'the turn that asked for the charge was answered from its checkpoint');
    assert.equal(charges(s.ref), 1, 'the charge was made once');
    assert.equal(env.server.requests.filter((r) => r.path === '/charges' && r.body?.ref === s.ref).length, 1, 'one request to the payment API');

    const calls = (await env.pool.query(`SELECT status, attempt, input_tokens FROM waymark.model_calls WHERE run_id = $1 ORDER BY call_site, attempt`, [runId])).rows;
    assert.deepEqual(calls, s.usage.map(([input]) => ({ status: 'succeeded', attempt: 1, input_tokens: input })));
    const counter = (await env.pool.query(`SELECT spent_tokens::int AS tokens, spent_calls, reserved_calls FROM waymark.budget_counters WHERE scope = 'run' AND key = $1`, [runId])).rows[0];
    assert.deepEqual(counter, { tokens: s.usage.reduce((t, [i, o]) => t + i + o, 0), spent_calls: 2, reserved_calls: 0 }, 'the budget counted each turn once');
    const ledger = (await env.pool.query(`SELECT status, attempts FROM waymark.tool_calls WHERE run_id = $1`, [runId])).rows;
    assert.deepEqual(ledger, [{ status: 'succeeded', attempts: 1 }]);
    const messages = (await env.pool.query(`SELECT seq, turn, role, content FROM waymark.transcript_messages WHERE run_id = $1 ORDER BY seq`, [runId])).rows;
    assert.deepEqual(messages.map((r) => [r.seq, r.turn, r.role]), [[1, 0, 'user'], [2, 1, 'assistant'], [3, 1, 'tool'], [4, 2, 'assistant']], 'the transcript has each message once');
    const toolCallId = (await env.pool.query(`SELECT content->0->>'toolCallId' AS id FROM waymark.transcript_messages WHERE run_id = $1 AND seq = 3`, [runId])).rows[0].id;
    assert.equal(JSON.stringify(messages).split(`"toolCallId":"${toolCallId}"`).length - 1, 2, 'the call and its result, once each');
  } finally {
    await killWorker(second);
  }
}

test('SIGKILL between a model’s tool call and its execution, while a person approves it: after resume nothing is paid twice and the tool runs once', async () => {
  env.models.script(
    'crash-agent',
    reply.toolCalls([{ id: 'k1', name: 'charge', args: { ref: 'crash-agent-1', cents: 4200 } }], { prompt: 300, completion: 40 }),
    reply.text('Charged 42.00.', { prompt: 400, completion: 10 }),
  );
  const first = await spawnWorker(env.url, workerEnv());
  const { run } = await env.w.runs.start({ workflow: 'agent.run', input: { tag: 'crash-agent', approval: 'always' } });
  const approval = await waitFor('the approval of the charge', async () =>
    (await env.pool.query(`SELECT id, proposal FROM waymark.approvals WHERE run_id = $1 AND status = 'pending'`, [run.id])).rows[0]);
  assert.deepEqual(approval.proposal, { ref: 'crash-agent-1', cents: 4200 });
  await killWorker(first);
  assert.equal(charges('crash-agent-1'), 0);

  await env.w.approvals.decide(approval.id, { decision: 'approve' });
  await resumesOnce(run.id, { tag: 'crash-agent', ref: 'crash-agent-1', text: 'Charged 42.00.', usage: [[300, 40], [400, 10]] });
});

test('SIGKILL right after the model turn that asked for a tool is checkpointed, before the tool runs: the turn is not sent again and the tool runs once', async () => {
  env.models.script(
    'gap-agent',
    reply.toolCalls([{ id: 'g1', name: 'charge', args: { ref: 'gap-agent-1', cents: 900 } }], { prompt: 200, completion: 30 }),
    reply.text('Charged 9.00.', { prompt: 250, completion: 8 }),
  );
  // This worker kills itself as soon as the first model step's checkpoint is written.
  const first = await spawnWorker(env.url, { ...workerEnv(), WORKER_KILL_AT: 'after-checkpoint model:agent-model' });
  const { run } = await env.w.runs.start({ workflow: 'agent.run', input: { tag: 'gap-agent' } });
  assert.equal(await first.exited, 'SIGKILL');
  assert.equal(env.models.count('gap-agent'), 1);
  const before = (await env.pool.query(`SELECT status FROM waymark.model_calls WHERE run_id = $1`, [run.id])).rows;
  assert.deepEqual(before, [{ status: 'succeeded' }], 'the turn was answered and recorded before the crash');
  assert.equal((await env.pool.query(`SELECT 1 FROM waymark.tool_calls WHERE run_id = $1`, [run.id])).rowCount, 0, 'the tool was not called yet');
  assert.equal(charges('gap-agent-1'), 0);

  await resumesOnce(run.id, { tag: 'gap-agent', ref: 'gap-agent-1', text: 'Charged 9.00.', usage: [[200, 30], [250, 8]] });
});
