/**
 * Authority that can be withdrawn: a run acts with the authority of the key that started it,
 * checked again when it is about to write. Revoking the key while the run is in flight — and
 * the worker is SIGKILLed and replaced meanwhile — stops its write: the call is not made, a
 * person (an admin) is asked instead, and the run continues with that person's authority or
 * fails with `authority_revoked`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useFixtureEnv } from './fixture-env.js';
import { killWorker, spawnWorker, waitFor, type Api } from './helpers.js';

const env = useFixtureEnv('authority', { toolServer: true, waymark: { worker: false } });

const worker = () => spawnWorker(env.url, { TOOL_SERVER_URL: env.server.url });
const openGate = (runId: string) => env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1) ON CONFLICT DO NOTHING', [runId]);
const charges = (ref: string) => env.server.charges.filter((c) => c.ref === ref).length;
const settled = (api: Api, id: string) =>
  waitFor(`run ${id} settled`, async () => {
    const r = (await api('GET', `/v1/runs/${id}`)).body;
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  }, 90_000);

async function startWithKey(ref: string): Promise<{ id: string; keyId: string; api: Api }> {
  const created = await env.w.api('POST', '/v1/keys', { name: `svc-${ref}`, roles: ['operator'] });
  const api: Api = (method, path, body, headers = {}) => env.w.api(method, path, body, { ...headers, authorization: `Bearer ${created.body.key}` });
  const started = await api('POST', '/v1/runs', { workflow: 'test.gate-then-charge', input: { ref } });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  return { id: started.body.id, keyId: created.body.apiKey.id, api };
}
const atGate = (id: string) =>
  waitFor(`run ${id} at its gate`, async () => (await env.pool.query(`SELECT 1 FROM test_executions WHERE run_id = $1 AND step = 's0'`, [id])).rowCount === 1);

test('a revoked key stops the writes of the runs it started, across a worker restart; an admin may approve the call', async () => {
  let w = await worker();
  try {
    const kept = await startWithKey('kept');
    const revoked = await startWithKey('revoked');
    await atGate(kept.id);
    await atGate(revoked.id);
    assert.equal((await env.w.api('POST', `/v1/keys/${revoked.keyId}/revoke`, {})).status, 200);

    // The worker dies while both runs are at their gates; another takes over.
    await killWorker(w);
    w = await worker();
    await openGate(kept.id);
    await openGate(revoked.id);

    // The run whose key still holds charges as before.
    assert.equal((await settled(env.w.api, kept.id)).status, 'SUCCESS');
    assert.equal(charges('kept'), 1);

    // The other asks an admin instead of charging.
    const approval = await waitFor('the authority approval', async () =>
      (await env.w.api('GET', `/v1/approvals?runId=${revoked.id}&status=pending`)).body.approvals[0]);
    assert.deepEqual(approval.assignees, { users: [], roles: ['admin'] });
    assert.deepEqual(approval.proposal, { tool: 'payments.charge', input: { ref: 'revoked', cents: 500 }, startedByKey: revoked.keyId });
    assert.equal((await env.w.api('GET', `/v1/runs/${revoked.id}`)).body.phase, 'waiting_for_approval');
    assert.equal(charges('revoked'), 0, 'the write was not made');
    const withdrawn = await env.pool.query(`SELECT data FROM waymark.run_events WHERE run_id = $1 AND kind = 'authority_withdrawn'`, [revoked.id]);
    assert.deepEqual(withdrawn.rows.map((r) => r.data), [{ keyId: revoked.keyId, tool: 'payments.charge' }]);

    // An operator cannot decide it (it is assigned to admins); an admin can.
    const operator = await env.w.apiAs('ops@example.com', ['operator', 'approver']);
    assert.equal((await operator('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' })).status, 403);
    assert.equal((await env.w.api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' })).status, 200);
    assert.equal((await settled(env.w.api, revoked.id)).status, 'SUCCESS');
    assert.equal(charges('revoked'), 1, 'charged once, with the admin\'s authority');
  } finally {
    await killWorker(w);
  }
});

test('when the admin refuses, the write is never made and the run fails with authority_revoked', async () => {
  const w = await worker();
  try {
    const run = await startWithKey('refused');
    await atGate(run.id);
    await env.w.api('POST', `/v1/keys/${run.keyId}/revoke`, {});
    await openGate(run.id);
    const approval = await waitFor('the authority approval', async () =>
      (await env.w.api('GET', `/v1/approvals?runId=${run.id}&status=pending`)).body.approvals[0]);
    assert.equal((await env.w.api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'reject', comment: 'key was leaked' })).status, 200);
    const done = await settled(env.w.api, run.id);
    assert.equal(done.status, 'ERROR');
    const dead = await waitFor('the dead letter', async () => {
      const r = await env.w.api('GET', `/v1/dead-letters/${run.id}`);
      return r.status === 200 ? r.body : undefined;
    });
    assert.match(dead.error.message, /payments\.charge.*not called.*revoked/);
    assert.equal(charges('refused'), 0);
  } finally {
    await killWorker(w);
  }
});
