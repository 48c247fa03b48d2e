/**
 * Worker processes started at the same moment on one host each claim their own executor id:
 * the ids the workers report, the ids DBOS runs under, the workers' leases and the advisory
 * locks in the database agree, one lock per live worker. A worker killed gives its id up at
 * once, and the next worker takes exactly that slot while the others keep theirs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useFixtureEnv } from './fixture-env.js';
import { killWorker, spawnWorker, waitFor, type WorkerProcess } from './helpers.js';

// No worker in this process: every executor id in the database belongs to a spawned process.
const env = useFixtureEnv('executor_ids', { waymark: { worker: false, http: false } });

const WORKERS = 3;
/** Unpinned (spawnWorker passes no WAYMARK_EXECUTOR_ID on), with small pools: several run at once. */
const spawn = (): Promise<WorkerProcess> => spawnWorker(env.url, { WAYMARK_DB_POOL_SIZE: '2' });

/** The executor id DBOS itself runs under, as the fixture worker prints it after READY. */
const dbosId = (w: WorkerProcess): string | undefined => /READY \S+ dbos=(\S+)/.exec(w.output())?.[1];

/**
 * The advisory locks granted in this database, with the executor id each stands for (of `ids`)
 * and whether its session is an executor-lock connection.
 */
async function executorLocks(ids: string[]): Promise<{ id: string | null; lockConnection: boolean }[]> {
  const { rows } = await env.pool.query<{ id: string | null; lock_connection: boolean }>(
    `SELECT (SELECT i FROM unnest($1::text[]) AS i WHERE hashtextextended('waymark.executor:' || i, 0) = (l.classid::bigint << 32) | l.objid::bigint) AS id,
            a.application_name = 'waymark-executor-lock' AS lock_connection
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [ids],
  );
  return rows.map((r) => ({ id: r.id, lockConnection: r.lock_connection })).sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
}

/** Distinct ids, one lock each on an executor-lock connection, and one live lease per process. */
async function assertOneIdPerWorker(workers: WorkerProcess[]): Promise<void> {
  const ids = workers.map((w) => w.executorId);
  assert.equal(new Set(ids).size, workers.length, `distinct executor ids, got ${ids.join(', ')}`);
  assert.deepEqual(workers.map(dbosId), ids, 'DBOS runs under the claimed id');
  assert.deepEqual(await executorLocks(ids), [...ids].sort((a, b) => a.localeCompare(b)).map((id) => ({ id, lockConnection: true })), 'one advisory lock per live worker, on its lock connection');
  // The lease is registered after launch, a moment after READY may be read.
  const byId = (a: { id: string }, b: { id: string }): number => a.id.localeCompare(b.id);
  const expected = workers.map((w) => ({ id: w.executorId, pid: w.child.pid })).sort(byId);
  const leases = async () =>
    (await env.pool.query<{ executor_id: string; pid: number }>(`SELECT executor_id, pid FROM waymark.workers WHERE status = 'live'`)).rows
      .map((r) => ({ id: r.executor_id, pid: r.pid })).sort(byId);
  await waitFor('each live lease to name its own process', async () => JSON.stringify(await leases()) === JSON.stringify(expected));
}

test('workers spawned at once get distinct executor ids, each held by one advisory lock; a killed worker\'s slot goes to the next', async () => {
  const workers: WorkerProcess[] = [];
  try {
    const started = await Promise.allSettled(Array.from({ length: WORKERS }, spawn));
    for (const s of started) if (s.status === 'fulfilled') workers.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    await assertOneIdPerWorker(workers);
    const host = workers[0]!.executorId.replace(/-\d+$/, '');
    assert.deepEqual(workers.map((w) => w.executorId).sort(), Array.from({ length: WORKERS }, (_, n) => `${host}-${n}`), 'the first free slots of the host');

    // SIGKILL the middle slot: Postgres drops its lock with its connection, the others keep theirs.
    const victim = workers.find((w) => w.executorId === `${host}-1`)!;
    await killWorker(victim);
    workers.splice(workers.indexOf(victim), 1);
    await waitFor('the killed worker\'s lock to go', async () => (await executorLocks([victim.executorId])).every((l) => l.id === null));
    const next = await spawn();
    workers.push(next);
    assert.equal(next.executorId, victim.executorId, 'the next worker takes the freed slot');
    await assertOneIdPerWorker(workers);
  } finally {
    for (const w of workers) await killWorker(w);
  }
});
