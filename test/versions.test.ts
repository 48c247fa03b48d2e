/**
 * Deploys: runs of an old application version keep running on old-version workers until
 * drained, GET /v1/versions shows what each version still holds, and an operator moves a run
 * to the new version by forking it from a chosen step.
 */
import assert from 'node:assert/strict';
import { useFixtureEnv } from './fixture-env.js';
import { test } from 'node:test';
import { executions } from './fixtures/workflows.js';
import { killWorker, spawnWorker, waitFor } from './helpers.js';

const env = useFixtureEnv('versions', { waymark: { worker: false, config: { appVersion: 'v1' } } });

const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);
const done = (id: string) =>
  waitFor(`run ${id}`, async () => {
    const r = (await api('GET', `/v1/runs/${id}`)).body;
    return r.status === 'SUCCESS' ? r : undefined;
  });

test('old runs drain on old workers; /v1/versions shows them; a fork moves a run to the new version', async () => {
  const v1 = await spawnWorker(env.url, { WAYMARK_APP_VERSION: 'v1' });
  const v2 = await spawnWorker(env.url, { WAYMARK_APP_VERSION: 'v2' });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 2, blockAt: 0 } })).body.id);
    for (const id of ids) await waitFor('the run to start', async () => (await executions(env.pool, id)).s0 === 1);
    const owners = (await env.pool.query('SELECT executor_id FROM dbos.workflow_status WHERE workflow_uuid = ANY($1)', [ids])).rows.map((r) => r.executor_id);
    assert.deepEqual(owners, [v1.executorId, v1.executorId], 'only the v1 worker takes v1 runs');

    const versions = (await api('GET', '/v1/versions')).body.versions as { appVersion: string; inFlight: number; liveWorkers: string[] }[];
    const byVersion = Object.fromEntries(versions.map((v) => [v.appVersion, v]));
    assert.equal(byVersion.v1!.inFlight, 2);
    assert.deepEqual(byVersion.v1!.liveWorkers, [v1.executorId]);
    assert.equal(byVersion.v2!.inFlight, 0);
    assert.deepEqual(byVersion.v2!.liveWorkers, [v2.executorId]);

    // Move the first run to v2: fork it from step 0 onto the new version, stop the old one.
    const moved = await api('POST', `/v1/runs/${ids[0]}/fork`, { fromStep: 0, appVersion: 'v2' });
    assert.equal(moved.status, 201, JSON.stringify(moved.body));
    await api('POST', `/v1/runs/${ids[0]}/cancel`);
    await env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1), ($2)', [moved.body.id, ids[1]]);
    const onV2 = await done(moved.body.id);
    assert.equal(onV2.executorId, v2.executorId);
    assert.equal(onV2.appVersion, 'v2');
    const drained = await done(ids[1]!);
    assert.equal(drained.executorId, v1.executorId, 'the old run finished on the old worker');
    const after = (await api('GET', '/v1/versions')).body.versions as { appVersion: string; inFlight: number }[];
    assert.equal(after.find((v) => v.appVersion === 'v1')?.inFlight ?? 0, 0, 'v1 has drained');
  } finally {
    await killWorker(v1);
    await killWorker(v2);
  }
});
