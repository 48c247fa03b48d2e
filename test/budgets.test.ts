/**
 * Model-call budgets, enforced before a call is sent, against the scripted local model server:
 * a per-run limit that fails the run into a dead letter (`fail`), one the workflow catches and
 * returns from (`stop`), one an admin raises by approval (`ask`), the same for streamed calls
 * (`streamText`: the refusal is the stream's error part), the audit events, the budget
 * state in `GET /v1/runs/{id}/cost`, `ask` for a workflow's and a tenant's daily budget (the
 * raise kept on that day's counter), and one tenant's daily budget shared by 16 runs started at
 * once: refusals happen and the settled spend stays within the limit plus the estimates' error.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useFixtureEnv } from './fixture-env.js';
import { waitFor } from './helpers.js';

const SHARED = 'budget-shared';
const TENANT_TOKENS = 600;
/** A tenant limited to one model call per day, for the tenant-day `ask`. */
const ONE_CALL = 'budget-one-call';

const env = useFixtureEnv('budgets', {
  modelServer: true,
  waymark: { config: { tenantDailyBudgets: { [SHARED]: { tokens: TENANT_TOKENS }, [ONE_CALL]: { calls: 1 } } } },
});

const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);
const start = async (workflow: string, input: unknown) => {
  const res = await api('POST', '/v1/runs', { workflow, input });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
};
const settled = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  });
const events = async (runId: string, kind: string) =>
  (await env.pool.query(`SELECT actor, data FROM waymark.run_events WHERE run_id = $1 AND kind = $2 ORDER BY id`, [runId, kind])).rows;
const ledger = async (runId: string) =>
  (await env.pool.query('SELECT * FROM waymark.model_calls WHERE run_id = $1 ORDER BY call_site, attempt', [runId])).rows;
const costOf = async (runId: string) => {
  const res = await api('GET', `/v1/runs/${runId}/cost`);
  assert.equal(res.status, 200);
  return res.body;
};

describe('a run budget', () => {
  test('fail: the call past the limit is refused unsent, the run fails into a dead letter, audited and shown in the cost', async () => {
    const id = await start('models.budget-fail', { tag: 'bf1', calls: 5 });
    const run = await settled(id);
    assert.equal(run.status, 'ERROR');
    assert.match(JSON.stringify(run.error), /budget_exceeded|refused/);
    assert.equal(env.models.count('bf1'), 3, 'three calls sent, the fourth refused before sending');
    assert.equal((await ledger(id)).length, 3);
    const [refused, ...more] = await events(id, 'budget_exceeded');
    assert.equal(more.length, 0);
    assert.deepEqual(
      { budget: refused.data.budget, resource: refused.data.resource, limit: refused.data.limit, spent: refused.data.spent, estimate: refused.data.estimate, policy: refused.data.policy },
      { budget: 'run', resource: 'calls', limit: 3, spent: 3, estimate: 1, policy: 'fail' },
    );
    const dead = await waitFor('the dead letter', async () =>
      (await api('GET', '/v1/dead-letters?status=open')).body.deadLetters.find((d: { runId: string }) => d.runId === id));
    assert.match(JSON.stringify(dead.error), /budget/);
    const cost = await costOf(id);
    const mine = cost.budgets.find((b: { scope: string }) => b.scope === 'run');
    assert.deepEqual(mine.limits, { tokens: null, cost: null, calls: 3 });
    assert.deepEqual(mine.reserved, { tokens: 0, cost: 0, calls: 0 });
    assert.equal(mine.spent.calls, 3);
    const rows = await ledger(id);
    assert.equal(mine.spent.tokens, rows.reduce((t, r) => t + r.input_tokens + r.output_tokens, 0), 'settled at the actual tokens');
    assert.ok(cost.budgets.some((b: { scope: string }) => b.scope === 'tenant_day'));
    assert.ok(cost.budgets.some((b: { scope: string; key: string }) => b.scope === 'workflow_day' && b.key.endsWith(' models.budget-fail')));
  });

  test('stop: the workflow catches the refusal and returns what it has', async () => {
    const id = await start('models.budget-stop', { tag: 'bs1', calls: 20 });
    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    const out = run.output as { texts: string[]; refused: { code: string; budget: string; resource: string; limit: number; spent: number } };
    assert.ok(out.texts.length >= 1 && out.texts.length < 20, `some calls made (${out.texts.length})`);
    assert.deepEqual([out.refused.code, out.refused.budget, out.refused.resource, out.refused.limit], ['budget_exceeded', 'run', 'tokens', 100]);
    assert.equal(env.models.count('bs1'), out.texts.length);
    const rows = await ledger(id);
    const actual = rows.reduce((t, r) => t + r.input_tokens + r.output_tokens, 0);
    assert.equal(out.refused.spent, actual);
    const [event] = await events(id, 'budget_exceeded');
    assert.ok(actual + event.data.estimate > 100, 'refused only because the estimate did not fit');
    assert.ok(actual <= 100);
    const mine = (await costOf(id)).budgets.find((b: { scope: string }) => b.scope === 'run');
    assert.deepEqual([mine.limits.tokens, mine.spent.tokens, mine.reserved.tokens], [100, actual, 0]);
  });

  test('ask: an admin approves raising the run budget and the call proceeds; a rejection fails the call', async () => {
    const id = await start('models.budget-ask', { tag: 'ba1', calls: 3 });
    const pending = async () =>
      waitFor('the budget approval', async () => {
        const list = (await api('GET', `/v1/approvals?runId=${id}&status=pending`)).body.approvals as { id: string; proposal: any; assignees: any }[];
        return list[0];
      });
    const first = await pending();
    assert.deepEqual(
      { budget: first.proposal.budget, resource: first.proposal.resource, limit: first.proposal.limit, spent: first.proposal.spent, raiseBy: first.proposal.raiseBy },
      { budget: 'run', resource: 'calls', limit: 1, spent: 1, raiseBy: { calls: 1 } },
    );
    assert.equal(env.models.count('ba1'), 1);
    assert.equal((await api('POST', `/v1/approvals/${first.id}/decision`, { decision: 'approve' })).status, 200);
    const second = await waitFor('the second budget approval', async () => {
      const a = await pending();
      return a.id !== first.id ? a : undefined;
    });
    assert.equal(env.models.count('ba1'), 2, 'the raised budget let the second call through');
    assert.equal(second.proposal.limit, 2);
    assert.equal((await api('POST', `/v1/approvals/${second.id}/decision`, { decision: 'reject' })).status, 200);
    const run = await settled(id);
    assert.equal(run.status, 'ERROR');
    assert.equal(env.models.count('ba1'), 2);
    const raised = await events(id, 'budget_raised');
    assert.equal(raised.length, 1);
    assert.deepEqual(raised[0].data.raiseBy, { calls: 1 });
    assert.equal((await events(id, 'budget_exceeded')).length, 2);
    const mine = (await costOf(id)).budgets.find((b: { scope: string }) => b.scope === 'run');
    assert.deepEqual([mine.limits.calls, mine.spent.calls], [2, 2]);
  });
});

describe('a streaming call', () => {
  const streamEvents = async (runId: string) =>
    (await env.pool.query(`SELECT seq::int AS seq, type, data FROM waymark.run_stream WHERE run_id = $1 ORDER BY seq`, [runId])).rows;

  test('fail: the refusal reaches the workflow as the stream\'s error, nothing is sent, the run fails; the live stream says why', async () => {
    const id = await start('models.budget-stream-fail', { tag: 'bsf1', calls: 3 });
    const run = await settled(id);
    assert.equal(run.status, 'ERROR');
    assert.match(JSON.stringify(run.error), /budget_exceeded/);
    assert.equal(env.models.count('bsf1'), 2, 'two streamed calls sent, the third refused before sending');
    assert.deepEqual((await ledger(id)).map((r) => [r.mode, r.status]), [['stream', 'succeeded'], ['stream', 'succeeded']]);
    const [refused, ...more] = await events(id, 'budget_exceeded');
    assert.equal(more.length, 0);
    assert.deepEqual([refused.data.budget, refused.data.resource, refused.data.limit, refused.data.policy], ['run', 'calls', 2, 'fail']);
    const stream = await streamEvents(id);
    const model = stream.filter((e) => e.type.startsWith('model-')).map((e) => e.type);
    assert.deepEqual(model, ['model-start', 'model-finish', 'model-start', 'model-finish', 'model-refused']);
    const shown = stream.find((e) => e.type === 'model-refused')!;
    assert.deepEqual([shown.data.budget, shown.data.resource, shown.data.limit, shown.data.policy, shown.data.attempt], ['run', 'calls', 2, 'fail', null]);
    assert.deepEqual(stream.at(-1)!.type, 'end');
  });

  test('ask: the streamed call waits for an admin; approved, it is sent and streams; the run completes', async () => {
    const id = await start('models.budget-stream-ask', { tag: 'bsa1', calls: 2 });
    const approval = await waitFor('the budget approval', async () =>
      ((await api('GET', `/v1/approvals?runId=${id}&status=pending`)).body.approvals as { id: string; proposal: any }[])[0]);
    assert.deepEqual([approval.proposal.budget, approval.proposal.resource, approval.proposal.limit, approval.proposal.raiseBy], ['run', 'calls', 1, { calls: 1 }]);
    assert.equal(env.models.count('bsa1'), 1, 'the second streamed call is not sent while it waits');
    assert.equal((await env.w.runs.get(id)).phase, 'waiting_for_approval');
    assert.equal((await api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' })).status, 200);
    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    assert.deepEqual((run.output as { texts: string[] }).texts, ['ok', 'ok']);
    assert.equal(env.models.count('bsa1'), 2);
    assert.equal((await events(id, 'budget_raised')).length, 1);
    const rows = await ledger(id);
    assert.deepEqual(rows.map((r) => [r.mode, r.status, r.attempt]), [['stream', 'succeeded', 1], ['stream', 'succeeded', 1]]);
    const stream = await streamEvents(id);
    const seq = stream.filter((e) => e.type.startsWith('model-') || e.type === 'phase').map((e) => (e.type === 'phase' ? `phase:${e.data.to}` : e.type));
    assert.deepEqual(seq, [
      'phase:running', 'model-start', 'model-finish', 'model-refused', 'phase:waiting_for_approval', 'phase:running', 'model-start', 'model-finish', 'phase:completed',
    ]);
    const refused = stream.find((e) => e.type === 'model-refused')!;
    const second = stream.filter((e) => e.type === 'model-start')[1]!;
    assert.equal(second.data.callSite, refused.data.callSite, 'the approved call is the refused one, sent now');
    const mine = (await costOf(id)).budgets.find((b: { scope: string }) => b.scope === 'run');
    assert.deepEqual([mine.limits.calls, mine.spent.calls], [2, 2]);
  });
});

describe('a tenant budget per day', () => {
  test('16 runs started at once share it: refusals happen and the settled spend stays within the limit plus the estimates\' error', async () => {
    const shared = env.w.as({ actor: 'budget-test', tenantId: SHARED });
    const ids = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => (await shared.runs.start({ workflow: 'models.until-budget', input: { tag: `tb${i}`, calls: 10, maxOutputTokens: 5 } })).run.id),
    );
    const runs = await Promise.all(ids.map((id) => waitFor(`run ${id}`, async () => {
      const r = await shared.runs.get(id);
      return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
    })));
    for (const r of runs) assert.equal(r.status, 'SUCCESS', JSON.stringify(r.error));
    const outs = runs.map((r) => r.output as { texts: string[]; refused: { budget: string } | null });
    const refusals = outs.filter((o) => o.refused !== null);
    assert.ok(refusals.length > 0, 'the tenant budget refused calls');
    for (const o of refusals) assert.equal(o.refused!.budget, 'tenant_day');
    const { rows } = await env.pool.query(
      `SELECT input_tokens + output_tokens AS actual, reserved_tokens::int AS reserved, status FROM waymark.model_calls WHERE tenant_id = $1`, [SHARED],
    );
    assert.ok(rows.length > 0);
    for (const r of rows) assert.equal(r.status, 'succeeded');
    const settledTokens = rows.reduce((t, r) => t + r.actual, 0);
    const maxError = Math.max(0, ...rows.map((r) => r.actual - r.reserved));
    assert.ok(settledTokens <= TENANT_TOKENS + maxError, `settled ${settledTokens} tokens within ${TENANT_TOKENS} + ${maxError}`);
    assert.equal(rows.length, outs.reduce((t, o) => t + o.texts.length, 0), 'every call made is in the ledger');
    // Each refusal was for a call whose estimate did not fit what was spent and reserved then.
    const refused = await env.pool.query(`SELECT data FROM waymark.run_events WHERE tenant_id = $1 AND kind = 'budget_exceeded'`, [SHARED]);
    assert.equal(refused.rowCount, refusals.length);
    for (const { data } of refused.rows) assert.ok(data.spent + data.estimate > TENANT_TOKENS && data.spent <= TENANT_TOKENS, JSON.stringify(data));
    const counter = await env.pool.query(
      `SELECT spent_tokens::int AS spent, reserved_tokens::int AS reserved, reserved_calls, limit_tokens::int AS "limit"
       FROM waymark.budget_counters WHERE tenant_id = $1 AND scope = 'tenant_day'`, [SHARED],
    );
    assert.equal(counter.rows.length, 1);
    assert.deepEqual(counter.rows[0], { spent: settledTokens, reserved: 0, reserved_calls: 0, limit: TENANT_TOKENS });
    // Another tenant's calls are not counted against it.
    assert.ok(!(await env.pool.query(`SELECT 1 FROM waymark.budget_counters WHERE tenant_id = 'default' AND scope = 'tenant_day' AND limit_tokens IS NOT NULL`)).rowCount);
  });
});

describe('ask for a day budget', () => {
  /**
   * In `tenantId`: a run making 2 calls whose second is refused by a day budget asks that
   * tenant's admins; approved, the day's counter is raised once and the call is sent. A second
   * run that day is refused at the raised limit (the raise outlived the limits' refresh from the
   * declaration or configuration) and asks again; rejected, it fails.
   */
  async function askApproveThenReject(r: { tenantId: string; workflow: string; budget: 'workflow_day' | 'tenant_day'; tag: string; raiseBy: Record<string, number> }) {
    const tenant = env.w.as({ actor: 'budget-test', tenantId: r.tenantId });
    const admin = await env.w.apiAs(`${r.tag}-admin`, ['admin'], r.tenantId);
    const pending = (runId: string) =>
      waitFor('the budget approval', async () => ((await admin('GET', `/v1/approvals?runId=${runId}&status=pending`)).body.approvals as { id: string; title: string; proposal: any; assignees: any }[])[0]);
    const finished = (runId: string) => waitFor(`run ${runId}`, async () => {
      const run = await tenant.runs.get(runId);
      return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(run.status) ? run : undefined;
    });
    const counter = async () => (await env.pool.query(
      `SELECT key, limit_calls, raised_calls, raised_tokens::int AS raised_tokens, spent_calls, reserved_calls FROM waymark.budget_counters WHERE tenant_id = $1 AND scope = $2`,
      [r.tenantId, r.budget],
    )).rows;

    const first = (await tenant.runs.start({ workflow: r.workflow, input: { tag: `${r.tag}a`, calls: 2 } })).run.id;
    const ask = await pending(first);
    const day = ask.proposal.day as string;
    assert.match(day, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(
      { budget: ask.proposal.budget, resource: ask.proposal.resource, limit: ask.proposal.limit, spent: ask.proposal.spent, estimate: ask.proposal.estimate, raiseBy: ask.proposal.raiseBy },
      { budget: r.budget, resource: 'calls', limit: 1, spent: 1, estimate: 1, raiseBy: r.raiseBy },
    );
    assert.deepEqual(ask.assignees.roles, ['admin']);
    assert.match(ask.title, new RegExp(day));
    assert.equal((await api('GET', `/v1/approvals/${ask.id}`)).status, 404, 'another tenant\'s admin does not see it');
    assert.equal(env.models.count(`${r.tag}a`), 1, 'the refused call waits unsent');
    assert.equal((await admin('POST', `/v1/approvals/${ask.id}/decision`, { decision: 'approve' })).status, 200);
    const approved = await finished(first);
    assert.equal(approved.status, 'SUCCESS', JSON.stringify(approved.error));
    assert.equal(env.models.count(`${r.tag}a`), 2, 'the approved call was sent');
    const key = r.budget === 'tenant_day' ? day : `${day} ${r.workflow}`;
    const [raised, ...more] = await events(first, 'budget_raised');
    assert.equal(more.length, 0, 'raised once');
    const decided = (await admin('GET', `/v1/approvals/${ask.id}`)).body;
    assert.deepEqual(raised.data, { budget: r.budget, key, raiseBy: r.raiseBy, approvalId: ask.id });
    assert.equal(raised.actor, decided.decidedBy);
    assert.deepEqual(await counter(), [{ key, limit_calls: 2, raised_calls: 1, raised_tokens: 0, spent_calls: 2, reserved_calls: 0 }]);

    const second = (await tenant.runs.start({ workflow: r.workflow, input: { tag: `${r.tag}b`, calls: 1 } })).run.id;
    const again = await pending(second);
    assert.deepEqual([again.proposal.budget, again.proposal.limit, again.proposal.spent], [r.budget, 2, 2], 'the raised limit held for the day');
    assert.equal((await admin('POST', `/v1/approvals/${again.id}/decision`, { decision: 'reject' })).status, 200);
    const rejected = await finished(second);
    assert.equal(rejected.status, 'ERROR');
    assert.match(JSON.stringify(rejected.error), /budget_exceeded/);
    assert.equal(env.models.count(`${r.tag}b`), 0);
    assert.equal((await events(second, 'budget_raised')).length, 0);
    assert.deepEqual((await events(second, 'budget_exceeded')).map((e) => [e.data.budget, e.data.policy]), [[r.budget, 'ask']]);
    assert.deepEqual((await counter()).map((c) => [c.limit_calls, c.raised_calls, c.spent_calls]), [[2, 1, 2]]);
  }

  test('workflow day: approved, that day\'s workflow limit rises once and the call proceeds; a later refusal rejected fails the run', () =>
    askApproveThenReject({ tenantId: 'budget-day-ask', workflow: 'models.day-ask', budget: 'workflow_day', tag: 'wda', raiseBy: { calls: 1 } }));

  test('tenant day: the configured limit is raised for that day by what the call needs; a later refusal rejected fails the run', () =>
    askApproveThenReject({ tenantId: ONE_CALL, workflow: 'models.tenant-day-ask', budget: 'tenant_day', tag: 'tda', raiseBy: { tokens: 1000, calls: 1 } }));
});
