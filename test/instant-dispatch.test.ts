/**
 * Instant dispatch: a worker that starts a run with a free slot executes it at once, without
 * the run queue's poll; the run executes exactly once however many starts race for it; the
 * worker's concurrency holds for direct starts and queue dispatches together; a start whose
 * worker died before the direct start is enqueued by the sweep.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DBOS, DBOSClient } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { Fixtures, beforeLaunch, executions, workflows } from './fixtures/workflows.js';
import { useFixtureEnv } from './fixture-env.js';
import { http, killWorker, spawnWorker, startTestWaymark, waitFor } from './helpers.js';
import { sweepStaleDispatches } from '../src/service/run-dispatch.js';
import { createLogger } from '../src/logger.js';

const env = useFixtureEnv('dispatch');

const dbosRow = async (id: string) =>
  (await env.pool.query<{ status: string; queue_name: string | null; executor_id: string }>('SELECT status, queue_name, executor_id FROM dbos.workflow_status WHERE workflow_uuid = $1', [id])).rows[0];

test('a run started over HTTP executes without the queue poll, started directly under its id', async () => {
  // The queue polls once a minute here: runs that depended on the poll would take minutes.
  const url = await env.extraDatabase('slow_poll');
  await env.w.stop();
  env.w = await startTestWaymark(url, { workflows, beforeLaunch, config: { queuePollMs: 60_000 } });
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    await startFive(pool);
  } finally {
    await env.w.stop();
    await pool.end();
    env.w = await startTestWaymark(env.url, { workflows, beforeLaunch });
  }
});

async function startFive(pool: pg.Pool): Promise<void> {
  const dbosRow = async (id: string) =>
    (await pool.query<{ queue_name: string | null; executor_id: string }>('SELECT queue_name, executor_id FROM dbos.workflow_status WHERE workflow_uuid = $1', [id])).rows[0];
  for (let i = 0; i < 5; i++) {
    const res = await env.w.api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 2 } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id = res.body.id as string;
    const run = await waitFor(`run ${id} completed`, async () => {
      const r = await env.w.runs.get(id);
      return r.status === 'SUCCESS' ? r : undefined;
    });
    assert.equal(run.phase, 'completed');
    // No queue claim stamped it: the start time is the direct start's.
    assert.ok(run.startedAt && run.completedAt && run.startedAt <= run.completedAt);
    // Started directly (no queue), by this worker; its dispatch row went with the workflow's insert.
    const row = await dbosRow(id);
    assert.equal(row?.queue_name, null);
    assert.equal(row?.executor_id, env.w.executorId);
    // The fixtures count executions in the file's own database.
    assert.deepEqual(await executions(env.pool, id), { s0: 1, s1: 1 });
    const left = await pool.query('SELECT 1 FROM waymark.run_dispatch WHERE run_id = $1', [id]);
    assert.equal(left.rowCount, 0);
    // The audit trail is the same as a queued run's: created, queued -> running -> completed.
    const kinds = (await pool.query<{ kind: string; to_phase: string | null }>('SELECT kind, to_phase FROM waymark.run_events WHERE run_id = $1 ORDER BY id', [id])).rows;
    assert.deepEqual(kinds.map((k) => `${k.kind}:${k.to_phase ?? ''}`), ['created:queued', 'phase_changed:running', 'phase_changed:completed']);
  }
}

test('the worker runs at most its concurrency, direct starts and queue dispatches together', async () => {
  await env.w.stop();
  env.w = await startTestWaymark(env.url, { workflows, beforeLaunch, config: { concurrency: 2 } });
  const pool = env.pool;
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await env.w.runs.start({ workflow: 'test.chain', input: { steps: 2, blockAt: 0 } })).run.id);
  try {
    // Two took the worker's slots at their start; the queue got the other four and dispatched
    // some of them (DBOS's own limit of 2, counting only its dispatches), which wait for a slot.
    await waitFor('two direct, two or more dispatched from the queue', async () => {
      const { rows } = await pool.query<{ status: string; direct: boolean; n: number }>(
        `SELECT status, queue_name IS NULL AS direct, count(*)::int AS n FROM dbos.workflow_status WHERE workflow_uuid = ANY($1) GROUP BY 1, 2`, [ids]);
      const n = (status: string, direct: boolean) => rows.find((r) => r.status === status && r.direct === direct)?.n ?? 0;
      return n('PENDING', true) === 2 && n('PENDING', false) >= 2;
    });
    await waitFor('the two direct runs at their gate', async () => {
      const r = await pool.query<{ n: number }>(`SELECT count(DISTINCT run_id)::int AS n FROM test_executions WHERE step = 's0' AND run_id = ANY($1)`, [ids]);
      return r.rows[0]!.n === 2;
    });
    const started = await pool.query<{ run_id: string }>(`SELECT DISTINCT run_id FROM test_executions WHERE step = 's0' AND run_id = ANY($1)`, [ids]);
    assert.equal(started.rowCount, 2, 'only two runs executed while both slots were taken');
    await pool.query('INSERT INTO test_gates (run_id) SELECT unnest($1::text[])', [ids]);
    for (const id of ids) {
      await waitFor(`run ${id}`, async () => (await env.w.runs.get(id)).status === 'SUCCESS');
      assert.deepEqual(await executions(pool, id), { s0: 1, s1: 1 });
    }
  } finally {
    await pool.query('INSERT INTO test_gates (run_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [ids]);
    await env.w.stop();
    env.w = await startTestWaymark(env.url, { workflows, beforeLaunch });
  }
});

test('a start whose worker died before the direct start executes once, however many processes start it', async () => {
  // Worker A commits the run with its dispatch row, then dies before starting the workflow.
  const a = await spawnWorker(env.url, { WORKER_HTTP: '1', WORKER_KILL_AT: 'after-effect run-dispatch' }, { ready: /READY (\S+)/ });
  const base = /HTTP (\S+)/.exec(a.output())?.[1];
  assert.ok(base, a.output());
  const id = `dispatch-orphan-${Date.now()}`;
  const res = await http(base, 'POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 2 }, id }, { authorization: `Bearer ${env.w.adminKey}` }).catch((e: unknown) => e);
  assert.ok(res instanceof Error, 'the worker died before answering');
  await killWorker(a);
  const orphan = await env.pool.query('SELECT executor_id FROM waymark.run_dispatch WHERE run_id = $1', [id]);
  assert.equal(orphan.rows[0]?.executor_id, a.executorId);
  assert.equal(await dbosRow(id), undefined, 'no workflow yet');

  // The sweep and a direct start of the same id race: the run executes once.
  const client = await DBOSClient.create({ systemDatabaseUrl: env.url, systemDatabaseSchemaName: 'dbos', applicationName: 'waymark' });
  const sweep = () => sweepStaleDispatches({ db: env.w.db, dbos: client, registry: env.w.registry, log: createLogger('silent') }, 0);
  try {
    // Whichever inserts the workflow first executes it; the other only finds it.
    await Promise.all([sweep(), DBOS.startWorkflow(Fixtures.chain, { workflowID: id })({ steps: 2 })]);
    await Promise.all([sweep(), DBOS.startWorkflow(Fixtures.chain, { workflowID: id })({ steps: 2 })]);
  } finally {
    await client.destroy();
  }
  await waitFor(`run ${id}`, async () => (await env.w.runs.get(id)).status === 'SUCCESS');
  assert.deepEqual(await executions(env.pool, id), { s0: 1, s1: 1 });
  const left = await env.pool.query('SELECT 1 FROM waymark.run_dispatch WHERE run_id = $1', [id]);
  assert.equal(left.rowCount, 0);
});

test('the sweep enqueues a dead start once its dispatch row is stale', async () => {
  const a = await spawnWorker(env.url, { WORKER_HTTP: '1', WORKER_KILL_AT: 'after-effect run-dispatch' });
  const base = /HTTP (\S+)/.exec(a.output())?.[1];
  assert.ok(base, a.output());
  const id = `dispatch-stale-${Date.now()}`;
  await http(base, 'POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 }, id }, { authorization: `Bearer ${env.w.adminKey}` }).catch(() => undefined);
  await killWorker(a);
  // This worker's housekeeping (lease 2 s here) finds the row once it is older than the lease.
  await env.w.stop();
  env.w = await startTestWaymark(env.url, { workflows, beforeLaunch, config: { leaseTtlMs: 2_000 } });
  await waitFor(`run ${id}`, async () => (await env.w.runs.get(id)).status === 'SUCCESS');
  assert.deepEqual(await executions(env.pool, id), { s0: 1 });
  assert.equal((await dbosRow(id))?.queue_name, 'waymark_runs');
});
