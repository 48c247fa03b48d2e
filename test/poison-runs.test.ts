/**
 * Poison runs with real worker processes: a run whose step SIGKILLs its worker is dead-lettered
 * (cause `poison_run`, naming the step) after its workflow's `maxCrashesWithoutProgress`
 * crashes, while the pool of workers keeps serving other runs; a run killed as often but
 * progressing between kills completes; graceful restarts are not crashes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useFixtureEnv } from './fixture-env.js';
import { executions } from './fixtures/workflows.js';
import { killWorker, spawnWorker, waitFor, type WorkerProcess } from './helpers.js';

const env = useFixtureEnv('poison_runs', { toolServer: true, waymark: { worker: false } });

const TTL = 2_000;
const spawn = () => spawnWorker(env.url, { TOOL_SERVER_URL: env.server.url, WAYMARK_LEASE_TTL_MS: String(TTL) });
const alive = (w: WorkerProcess) => w.child.exitCode === null && w.child.signalCode === null;
const start = async (workflow: string, input: unknown) => (await env.w.runs.start({ workflow, input })).run.id;
const status = async (id: string) => (await env.w.runs.get(id)).status;
const crashRow = async (id: string) =>
  (await env.pool.query<{ crashes: number; crashes_without_progress: number; poisoned_at: Date | null; last_crash: any }>(
    'SELECT crashes, crashes_without_progress, poisoned_at, last_crash FROM waymark.run_executions WHERE run_id = $1', [id],
  )).rows[0];

/**
 * Keeps `n` workers running (a dead one is replaced, as a process supervisor would) until
 * `done` says so; returns the live workers and how many died.
 */
async function supervise(n: number, done: () => Promise<boolean>, timeoutMs = 180_000): Promise<{ workers: WorkerProcess[]; deaths: number }> {
  const workers: (WorkerProcess | undefined)[] = Array.from({ length: n }, () => undefined);
  let deaths = 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await Promise.all(workers.map(async (w, i) => {
      if (w && alive(w)) return;
      if (w) deaths++;
      // A worker recovering a poison run at launch may die before it reports READY.
      workers[i] = await spawn().catch((e: Error) => {
        if (!/exited \(SIGKILL\) before READY/.test(e.message)) throw e;
        deaths++;
        return undefined;
      });
    }));
    if (await done()) return { workers: workers.filter((w): w is WorkerProcess => w !== undefined && alive(w)), deaths };
    if (Date.now() > deadline) throw new Error('timed out supervising the workers');
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Each test restarts worker processes several times: generous bounds for a loaded machine.
const SLOW = { timeout: 600_000 };

test('a run whose step kills its worker is dead-lettered after its limit of crashes, naming the step; the pool keeps serving', SLOW, async () => {
  const poison = await start('test.poison-step', {});
  const healthy = await Promise.all(Array.from({ length: 6 }, () => start('test.chain', { steps: 3 })));
  const { workers } = await supervise(2, async () => (await status(poison)) === 'ERROR', 480_000);
  try {
    const ex = await executions(env.pool, poison);
    assert.equal(ex.crash, 2, 'the worker was killed exactly maxCrashesWithoutProgress (2) times');
    assert.equal(ex.prepare, 1, 'the step before it ran once');
    const run = await env.w.runs.get(poison);
    assert.equal(run.phase, 'failed');
    assert.match(JSON.stringify(run.error), /poison_run/);
    assert.match(JSON.stringify(run.error), /2 times in a row without progress, in step 1 \(the step after 'preparePoison'\)/);

    const dead = await env.w.deadLetters.get(poison);
    assert.equal(dead.cause, 'poison_run');
    assert.equal(dead.status, 'open');
    const events = await env.pool.query(`SELECT reason, data FROM waymark.run_events WHERE run_id = $1 AND kind = 'poison_run'`, [poison]);
    assert.equal(events.rowCount, 1, 'one audit event');
    assert.match(events.rows[0].reason, /step 1 \(the step after 'preparePoison'\)/);
    assert.equal(events.rows[0].data.after, 'preparePoison');
    const alerts = await env.pool.query(`SELECT data FROM waymark.alerts WHERE run_id = $1 AND kind = 'dead_letter'`, [poison]);
    assert.equal(alerts.rows[0]?.data.cause, 'poison_run', 'an alert names the cause');
    assert.ok((await crashRow(poison))?.poisoned_at);

    // Every other run completed, and the pool still takes new work.
    for (const id of healthy) assert.equal(await waitFor(`run ${id}`, async () => ((await status(id)) === 'SUCCESS' ? 'SUCCESS' : undefined), 180_000), 'SUCCESS');
    const after = await start('test.chain', { steps: 2 });
    await waitFor('a run started after the poison run', async () => (await status(after)) === 'SUCCESS', 180_000);
    assert.equal(workers.filter(alive).length, 2, 'both workers alive');
  } finally {
    for (const w of workers) await killWorker(w);
  }
});

test('a run killed in every step but progressing between the kills is not dead-lettered', SLOW, async () => {
  const id = await start('test.crash-progress', { steps: 3 });
  const { workers, deaths } = await supervise(1, async () => ['SUCCESS', 'ERROR'].includes((await status(id)) ?? ''), 480_000);
  try {
    const run = await env.w.runs.get(id);
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    assert.equal(run.output, 3);
    assert.ok(deaths >= 3, `its worker died in each of its 3 steps (${deaths} deaths)`);
    const row = await crashRow(id);
    assert.equal(row?.crashes, 3, 'three crashes counted');
    assert.ok((row?.crashes_without_progress ?? 9) <= 1, 'never two in a row without progress (the limit is 2)');
    assert.equal((await env.pool.query('SELECT 1 FROM waymark.dead_letters WHERE run_id = $1', [id])).rowCount, 0);
  } finally {
    for (const w of workers) await killWorker(w);
  }
});

test('graceful restarts are not crashes; a SIGKILL is', SLOW, async () => {
  const id = await start('test.chain-guarded', { steps: 2, blockAt: 0 });
  const atGate = (n: number) =>
    waitFor(`execution ${n} of the gated step`, async () => ((await executions(env.pool, id)).s0 ?? 0) >= n, 60_000);
  let worker = await spawn();
  try {
    // Two graceful stops while the run blocks in its step: counted as crashes, they would reach the limit (2).
    for (let n = 1; n <= 2; n++) {
      await atGate(n);
      worker.child.kill('SIGTERM');
      assert.equal(await worker.exited, 0, 'the worker stopped gracefully');
      worker = await spawn();
    }
    await atGate(3);
    assert.deepEqual({ ...(await crashRow(id)), last_crash: undefined, poisoned_at: undefined }, { crashes: 0, crashes_without_progress: 0, last_crash: undefined, poisoned_at: undefined });

    await killWorker(worker);
    worker = await spawn();
    await atGate(4);
    const row = await crashRow(id);
    assert.equal(row?.crashes, 1, 'the SIGKILL counted');
    assert.equal(row?.crashes_without_progress, 1);
    assert.match(row?.last_crash.site ?? '', /step 0 \(its first step\)/);

    await env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1)', [id]);
    await waitFor('the run to complete', async () => (await status(id)) === 'SUCCESS', 180_000);
    assert.equal((await env.pool.query('SELECT 1 FROM waymark.dead_letters WHERE run_id = $1', [id])).rowCount, 0);
  } finally {
    await killWorker(worker);
  }
});
