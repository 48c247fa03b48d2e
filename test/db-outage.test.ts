/**
 * A workflow's business transaction whose database connection goes away (a restart, a failover,
 * an outage) waits for the database and completes: no dead letter, the earlier steps are not
 * run again, and the business row is written once. Then the whole server: an embedded Postgres
 * of this file's own is stopped for 20 s while a worker process is in a pipeline's write step;
 * and stopped for longer than a lease while two workers live, one of them slow to come back:
 * nobody is declared dead, nothing is adopted, no crash is counted; and restarted while a
 * non-idempotent tool call is in flight: its outcome is recorded once the server is back.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { createLogger } from '../src/logger.js';
import { startEmbeddedPostgres, startWaymark, type EmbeddedPostgres } from '../src/server.js';
import { migrate } from '../src/store/migrate.js';
import { useFixtureEnv } from './fixture-env.js';
import { ToolServer } from './fixtures/tool-server.js';
import { workflows } from './fixtures/workflows.js';
import { killWorker, spawnWorker, useTempDirs, waitFor } from './helpers.js';

const env = useFixtureEnv('db_outage');
/** How long the server stays down: the scenario (an outage of 20 s), not a measured bound. */
const OUTAGE_MS = 20_000;
const servers: (() => EmbeddedPostgres)[] = [];
after(async () => {
  for (const s of servers) await s().stop().catch(() => {});
});
const tempDir = useTempDirs('waymark-outage-');

/** A migrated embedded Postgres of one test's own, which the test can stop and start again. */
async function ownServer(): Promise<{ url: string; pool: pg.Pool; restart(downMs: number, during?: () => void): Promise<void>; startRun(workflow: string, input: unknown): Promise<string> }> {
  const dataDir = tempDir();
  let server = await startEmbeddedPostgres({ dataDir, persistent: true });
  servers.push(() => server);
  const url = server.withDatabase('postgres');
  await migrate(url);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {}); // its idle connections die with the server
  return {
    url,
    pool,
    // Stopped and started again on the same directory and port; `during` runs once it is down.
    async restart(downMs, during) {
      const port = server.port;
      await server.stop();
      during?.();
      await new Promise((r) => setTimeout(r, downMs));
      server = await startEmbeddedPostgres({ dataDir, port, persistent: true });
    },
    async startRun(workflow, input) {
      const client = await startWaymark({ workflows, worker: false, logger: createLogger('silent'), env: {}, config: { databaseUrl: url, appVersion: 'test-1', logLevel: 'silent' } });
      try {
        return (await client.as({ actor: 'test' }).runs.start({ workflow, input })).run.id;
      } finally {
        await client.stop();
      }
    },
  };
}

/** Waits until a run has ended; returns its DBOS status and executor. */
const ended = (pool: pg.Pool, id: string) =>
  waitFor('the run to finish', async () => {
    const { rows } = await pool.query<{ status: string; executor_id: string }>('SELECT status, executor_id FROM dbos.workflow_status WHERE workflow_uuid = $1', [id]);
    return ['SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'].includes(rows[0]?.status ?? '') ? rows[0] : undefined;
  }, 180_000);

test('a business transaction that loses its connection is tried again and the run completes, writing once', async () => {
  const { run } = await env.w.runs.start({ workflow: 'test.order-connection-lost', input: { orderId: 'outage-1' } });
  const done = await waitFor('the run to finish', async () => {
    const r = await env.w.runs.get(run.id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  });
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
  assert.deepEqual(done.output, { orderId: 'outage-1' });
  const orders = await env.pool.query(`SELECT run_id FROM test_orders WHERE id = 'outage-1'`);
  assert.deepEqual(orders.rows, [{ run_id: run.id }], 'one business row');
  const steps = await env.pool.query(`SELECT step FROM test_executions WHERE run_id = $1`, [run.id]);
  assert.deepEqual(steps.rows, [{ step: 's0' }], 'the step before it ran once');
  assert.equal((await env.pool.query('SELECT 1 FROM waymark.dead_letters WHERE run_id = $1', [run.id])).rowCount, 0);
});

test('a whole-server outage of 20 s in the write step of a pipeline: the run waits it out and completes, once', async () => {
  const { url, pool, restart, startRun } = await ownServer();
  const worker = await spawnWorker(url, { WAYMARK_LEASE_TTL_MS: '3000', FIXTURE_DATABASE_URL: url });
  try {
    const id = await startRun('test.pipeline', { documentId: 'doc-outage-1' });
    // The run is inside its write step (its transaction is open): the whole server goes down.
    await waitFor('the write step', async () =>
      (await pool.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE '%pipeline-store-step%' AND pid <> pg_backend_pid()`)).rowCount);
    await restart(OUTAGE_MS);

    const done = await ended(pool, id);
    assert.equal(done.status, 'SUCCESS', worker.output());
    const docs = await pool.query('SELECT run_id FROM test_documents WHERE id = $1', ['doc-outage-1']);
    assert.deepEqual(docs.rows, [{ run_id: id }], 'one business row');
    const steps = await pool.query<{ step: string; n: number }>('SELECT step, count(*)::int AS n FROM test_executions WHERE run_id = $1 GROUP BY step ORDER BY step', [id]);
    assert.deepEqual(Object.fromEntries(steps.rows.map((r) => [r.step, r.n])), { classify: 1, extract: 1, ocr: 1, read: 1, validate: 1 }, 'the earlier steps ran once');
    assert.equal((await pool.query('SELECT 1 FROM waymark.dead_letters WHERE run_id = $1', [id])).rowCount, 0, 'no dead letter');
    assert.equal(worker.child.exitCode, null, `the worker lived through the outage:\n${worker.output()}`);
    const crashes = await pool.query('SELECT crashes FROM waymark.run_executions WHERE run_id = $1', [id]);
    assert.equal(crashes.rows[0]?.crashes, 0, 'no crash counted');
  } finally {
    await killWorker(worker);
    await pool.end();
  }
});

test('a server restart longer than the lease: the first worker back adopts nobody, the slower live one keeps its run', async () => {
  const ttl = 15_000;
  const { url, pool, restart, startRun } = await ownServer();
  const spawn = () => spawnWorker(url, { WAYMARK_LEASE_TTL_MS: String(ttl), FIXTURE_DATABASE_URL: url });
  const workers = [await spawn(), await spawn()];
  try {
    const id = await startRun('test.chain', { steps: 2, blockAt: 0 });
    await waitFor('the run at its gate', async () => (await pool.query(`SELECT 1 FROM test_executions WHERE run_id = $1 AND step = 's0'`, [id])).rowCount);
    const owner = (await pool.query<{ executor_id: string }>('SELECT executor_id FROM dbos.workflow_status WHERE workflow_uuid = $1', [id])).rows[0]!.executor_id;
    const holder = workers.find((w) => w.executorId === owner)!;
    const other = workers.find((w) => w !== holder)!;

    // The server goes away for longer than a lease; the run's worker is frozen meanwhile, so the
    // other one is back first and finds the holder's lease run out and its executor id free.
    holder.child.kill('SIGSTOP');
    await restart(ttl + 2_000);
    // The other has renewed since the restart: without the grace, that same tick adopted the holder.
    await waitFor('the other worker to renew its lease', async () =>
      (await pool.query(`SELECT 1 FROM waymark.workers WHERE executor_id = $1 AND heartbeat_at > pg_postmaster_start_time()`, [other.executorId]).catch(() => ({ rowCount: 0 }))).rowCount, 60_000);
    holder.child.kill('SIGCONT');

    await pool.query('INSERT INTO test_gates (run_id) VALUES ($1)', [id]);
    const done = await ended(pool, id);
    assert.equal(done.status, 'SUCCESS', holder.output());
    assert.equal(done.executor_id, owner, 'the run stayed with its live worker');
    const states = await pool.query<{ executor_id: string; status: string; adopted_by: string | null }>(
      'SELECT executor_id, status, adopted_by FROM waymark.workers WHERE executor_id = ANY($1) ORDER BY executor_id', [workers.map((w) => w.executorId)]);
    for (const w of states.rows) assert.deepEqual([w.status, w.adopted_by], ['live', null], `worker ${w.executor_id} was never declared dead`);
    const crashes = await pool.query('SELECT crashes FROM waymark.run_executions WHERE run_id = $1', [id]);
    assert.equal(crashes.rows[0]?.crashes, 0, 'no crash counted');
    const steps = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM test_executions WHERE run_id = $1 AND step = 's0'`, [id]);
    assert.equal(steps.rows[0]!.n, 1, `the step at the gate ran once\n--- holder\n${holder.output()}\n--- other\n${other.output()}`);
  } finally {
    for (const w of workers) {
      if (w.child.signalCode === 'SIGSTOP') w.child.kill('SIGCONT');
      if (w.child.exitCode === null) await killWorker(w);
    }
    await pool.end();
  }
});

test('a server restart while a non-idempotent tool call is in flight: the answer is recorded when it is back, no dead letter, one charge', async () => {
  const { url, pool, restart, startRun } = await ownServer();
  const tools = new ToolServer();
  await tools.start();
  const worker = await spawnWorker(url, { WAYMARK_LEASE_TTL_MS: '3000', FIXTURE_DATABASE_URL: url, TOOL_SERVER_URL: tools.url });
  try {
    const id = await startRun('test.gate-then-charge', { ref: 'restart-1' });
    await waitFor('the run at its gate', async () => (await pool.query(`SELECT 1 FROM test_executions WHERE run_id = $1 AND step = 's0'`, [id])).rowCount);
    // The provider charges at once but answers late; meanwhile the server goes down and comes back.
    tools.holdAnswers.add('/charges');
    await pool.query('INSERT INTO test_gates (run_id) VALUES ($1)', [id]);
    await waitFor('the charge made, its answer held', () => Promise.resolve(tools.heldCount === 1 && tools.charges.length === 1));
    // The answer reaches the worker while the server is down.
    await restart(5_000, () => tools.releaseHeld());

    const done = await ended(pool, id);
    assert.equal(done.status, 'SUCCESS', worker.output());
    assert.equal(tools.charges.length, 1, 'charged once');
    const calls = await pool.query<{ status: string }>('SELECT status FROM waymark.tool_calls WHERE owner_run_id = $1', [id]);
    assert.deepEqual(calls.rows.map((r) => r.status), ['succeeded'], 'the call recorded as succeeded, not in doubt');
    assert.equal((await pool.query('SELECT 1 FROM waymark.dead_letters WHERE run_id = $1', [id])).rowCount, 0, 'no dead letter');
    assert.equal(worker.child.exitCode, null, `the worker lived through the restart:\n${worker.output()}`);
  } finally {
    await killWorker(worker);
    await tools.stop();
    await pool.end();
  }
});
