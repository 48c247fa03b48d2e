/**
 * Cron schedules on the controllable clock: each due tick starts one run (id
 * `sched:<id>:<tick>`), catch-up `all` (capped) and `skip` after downtime, pause and resume,
 * schedules declared in code, the API's checks and tenants — and exactly once per tick with
 * three real worker processes ticking the same schedules at the same time.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { TestClock } from '../src/testing.js';
import { useFixtureEnv } from './fixture-env.js';
import { beforeLaunch, workflows } from './fixtures/workflows.js';
import { killWorker, spawnWorker, startTestWaymark, waitFor, type WorkerProcess } from './helpers.js';

const clock = new TestClock(new Date('2026-01-05T08:00:00Z'));
const env = useFixtureEnv('schedules', {
  waymark: {
    clock,
    // A lease tick (and so a housekeeping pass) every 200 ms.
    config: { leaseTtlMs: 600 },
    schedules: [{ name: 'declared-digest', workflow: 'test.chain', cron: '0 6 * * *', timezone: 'Europe/Paris', input: { steps: 1 } }],
  },
});

/** Resolves once `n` whole housekeeping passes of the worker have run (its heartbeat moved n+1 times). */
async function housekeepingPasses(pool: pg.Pool, executorId: string, n = 2): Promise<void> {
  const beat = async () => String((await pool.query('SELECT heartbeat_at::text AS h FROM waymark.workers WHERE executor_id = $1', [executorId])).rows[0]?.h);
  let last = await beat();
  for (let i = 0; i <= n; i++) {
    await waitFor('a housekeeping pass', async () => {
      const now = await beat();
      if (now === last) return false;
      last = now;
      return true;
    });
  }
}

async function scheduleRuns(pool: pg.Pool, name: string, tenant = 'default'): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT r.id FROM waymark.runs r JOIN waymark.schedules s ON r.id LIKE 'sched:' || s.id || ':%'
     WHERE s.name = $1 AND s.tenant_id = $2 ORDER BY r.id`,
    [name, tenant],
  );
  return rows.map((r) => r.id);
}
const ticksOf = (ids: string[]) => ids.map((id) => id.slice(-24));
const create = (body: Record<string, unknown>) => env.w.api('POST', '/v1/schedules', { workflow: 'test.chain', input: { steps: 1 }, ...body });

describe('ticks on the controllable clock', () => {
  test('catch-up all: every missed tick starts one run, with the schedule\'s business key, and the schedule moves on', async () => {
    const r = await create({ name: 'every-ten', cron: '*/10 * * * *', catchUp: 'all', businessKey: 'report:daily' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.nextTickAt, '2026-01-05T08:10:00.000Z');
    await clock.set(new Date('2026-01-05T09:00:30Z'));
    const ids = await waitFor('six runs', async () => {
      const got = await scheduleRuns(env.pool, 'every-ten');
      return got.length >= 6 && got;
    });
    assert.deepEqual(ticksOf(ids), ['08:10', '08:20', '08:30', '08:40', '08:50', '09:00'].map((t) => `2026-01-05T${t}:00.000Z`));
    const s = (await env.w.api('GET', '/v1/schedules/every-ten')).body;
    assert.equal(s.nextTickAt, '2026-01-05T09:10:00.000Z');
    assert.equal(s.lastTickAt, '2026-01-05T09:00:00.000Z');
    assert.equal(s.lastRunId, ids.at(-1));
    assert.equal(s.lastError, null);
    // The runs carry the business key and say in their audit trail which tick started them.
    assert.equal((await env.w.api('GET', '/v1/runs?key=report:daily&limit=50')).body.runs.length, 6);
    const timeline = (await env.w.api('GET', `/v1/runs/${encodeURIComponent(ids[0]!)}/timeline`)).body.entries;
    const origin = timeline.find((e: { name: string }) => e.name === 'started_by_schedule');
    assert.deepEqual([origin?.actor, origin?.data.tick], ['schedule:every-ten', '2026-01-05T08:10:00.000Z']);
    await housekeepingPasses(env.pool, env.w.executorId!);
    assert.equal((await scheduleRuns(env.pool, 'every-ten')).length, 6);
    assert.equal((await env.w.api('DELETE', '/v1/schedules/every-ten')).status, 204);
    assert.equal((await env.w.api('GET', '/v1/schedules/every-ten')).status, 404);
  });

  test('catch-up skip: after downtime only the latest missed tick runs', async () => {
    const r = await create({ name: 'hourly-skip', cron: '0 * * * *' });
    assert.equal(r.body.catchUp, 'skip');
    assert.equal(r.body.nextTickAt, '2026-01-05T10:00:00.000Z');
    await clock.advance('5h'); // 14:00:30; ticks 10:00 to 14:00 were missed
    await waitFor('a run', async () => (await scheduleRuns(env.pool, 'hourly-skip')).length > 0);
    await housekeepingPasses(env.pool, env.w.executorId!);
    assert.deepEqual(ticksOf(await scheduleRuns(env.pool, 'hourly-skip')), ['2026-01-05T14:00:00.000Z']);
    assert.equal((await env.w.api('GET', '/v1/schedules/hourly-skip')).body.nextTickAt, '2026-01-05T15:00:00.000Z');
    await env.w.api('DELETE', '/v1/schedules/hourly-skip');
  });

  test('catch-up all is capped at maxCatchUp: the latest ticks run, the audit says how many were left out', async () => {
    await create({ name: 'capped', cron: '*/10 * * * *', catchUp: 'all', maxCatchUp: 3 });
    await clock.advance('1h'); // 15:00:30; six ticks 14:10 to 15:00 missed
    const ids = await waitFor('three runs', async () => {
      const got = await scheduleRuns(env.pool, 'capped');
      return got.length >= 3 && got;
    });
    await housekeepingPasses(env.pool, env.w.executorId!);
    assert.deepEqual(ticksOf(await scheduleRuns(env.pool, 'capped')), ['14:40', '14:50', '15:00'].map((t) => `2026-01-05T${t}:00.000Z`));
    const timeline = (await env.w.api('GET', `/v1/runs/${encodeURIComponent(ids[0]!)}/timeline`)).body.entries;
    assert.equal(timeline.find((e: { name: string }) => e.name === 'started_by_schedule')?.data.skippedTicks, 3);
    await env.w.api('DELETE', '/v1/schedules/capped');
  });

  test('a paused schedule starts nothing; resumed, it ticks from the next cron time without the ticks it missed', async () => {
    await create({ name: 'pausable', cron: '*/10 * * * *', catchUp: 'all' });
    const paused = await env.w.api('POST', '/v1/schedules/pausable/pause');
    assert.equal(paused.status, 200);
    assert.equal(paused.body.paused, true);
    assert.equal(paused.body.pausedBy, 'test-admin');
    await clock.advance('1h'); // 16:00:30
    await housekeepingPasses(env.pool, env.w.executorId!);
    assert.deepEqual(await scheduleRuns(env.pool, 'pausable'), []);
    const resumed = await env.w.api('POST', '/v1/schedules/pausable/resume');
    assert.equal(resumed.body.paused, false);
    assert.equal(resumed.body.nextTickAt, '2026-01-05T16:10:00.000Z');
    await clock.advance('10m'); // 16:10:30
    await waitFor('a run', async () => (await scheduleRuns(env.pool, 'pausable')).length > 0);
    await housekeepingPasses(env.pool, env.w.executorId!);
    assert.deepEqual(ticksOf(await scheduleRuns(env.pool, 'pausable')), ['2026-01-05T16:10:00.000Z']);
    const audit = (await env.pool.query(`SELECT action FROM waymark.audit_log WHERE target = 'pausable' ORDER BY id`)).rows.map((r) => r.action);
    assert.deepEqual(audit, ['schedule.created', 'schedule.paused', 'schedule.resumed']);
    await env.w.api('DELETE', '/v1/schedules/pausable');
  });
});

describe('declaring and managing schedules', () => {
  test('a schedule declared in code is listed with its next tick in its time zone', async () => {
    const s = (await env.w.api('GET', '/v1/schedules/declared-digest')).body;
    assert.equal(s.declared, true);
    assert.equal(s.timezone, 'Europe/Paris');
    // 06:00 in Paris in January is 05:00 UTC; the clock stood at 08:00 UTC on the 5th at start-up.
    assert.equal(s.nextTickAt, '2026-01-06T05:00:00.000Z');
  });

  test('a schedule no longer declared in code is deleted at the next start-up; one made over the API stays', async () => {
    const url = await env.extraDatabase('undeclared');
    const declaring = await startTestWaymark(url, {
      workflows, beforeLaunch, worker: false, http: false,
      schedules: [{ name: 'old-report', workflow: 'test.chain', cron: '0 7 * * *', input: { steps: 1 } }],
    });
    await declaring.schedules.create({ name: 'made-over-api', workflow: 'test.chain', cron: '0 8 * * *', input: { steps: 1 } });
    await declaring.stop();
    const next = await startTestWaymark(url, { workflows, beforeLaunch, worker: false, http: false });
    try {
      assert.deepEqual((await next.schedules.list()).map((s) => s.name), ['made-over-api']);
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      const audit = await pool.query(`SELECT actor, target FROM waymark.audit_log WHERE action = 'schedule.undeclared'`);
      await pool.end();
      assert.deepEqual(audit.rows, [{ actor: 'code', target: 'old-report' }]);
    } finally {
      await next.stop();
    }
  });

  test('bad schedules are refused; names are unique per tenant; another tenant sees none of them', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ name: 'bad-cron', cron: '61 * * * *' }, 422, 'invalid_schedule'],
      [{ name: 'seconds', cron: '*/5 * * * * *' }, 422, 'invalid_schedule'],
      [{ name: 'bad-tz', cron: '0 9 * * *', timezone: 'Mars/Olympus' }, 422, 'invalid_schedule'],
      [{ name: 'bad-input', cron: '0 9 * * *', input: { steps: 'many' } }, 422, 'invalid_input'],
      [{ name: 'no-workflow', cron: '0 9 * * *', workflow: 'nope' }, 404, 'workflow_not_found'],
      [{ name: 'Bad Name', cron: '0 9 * * *' }, 422, 'invalid_schedule'],
    ];
    for (const [body, status, code] of cases) {
      const r = await create(body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.body.code, code, JSON.stringify(body));
    }
    assert.equal((await create({ name: 'nightly', cron: '0 2 * * *' })).status, 201);
    const again = await create({ name: 'nightly', cron: '0 3 * * *' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'schedule_name_taken');

    const acme = await env.w.apiAs('acme-admin', ['admin'], 'acme');
    assert.deepEqual((await acme('GET', '/v1/schedules')).body.schedules, []);
    assert.equal((await acme('POST', '/v1/schedules/nightly/pause')).status, 404);
    assert.equal((await acme('DELETE', '/v1/schedules/nightly')).status, 404);
    assert.equal((await acme('POST', '/v1/schedules', { name: 'nightly', workflow: 'test.chain', cron: '0 2 * * *', input: { steps: 1 } })).status, 201);
    const viewer = await env.w.apiAs('viewer', ['viewer']);
    assert.equal((await viewer('POST', '/v1/schedules/nightly/pause')).status, 403);
    assert.ok((await viewer('GET', '/v1/schedules')).body.schedules.some((s: { name: string }) => s.name === 'nightly'));
  });
});

describe('several workers', () => {
  const workers: WorkerProcess[] = [];
  after(async () => {
    for (const w of workers) await killWorker(w);
  });

  test('three worker processes ticking the same schedules start each tick exactly once', async () => {
    const url = await env.extraDatabase('three_workers');
    // Schedules made at 08:00 on a process that runs no workflows: each ticks first at 08:10.
    const maker = await startTestWaymark(url, { workflows, beforeLaunch, worker: false, http: false, clock: new TestClock(new Date('2026-01-05T08:00:00Z')) });
    const pool = new pg.Pool({ connectionString: url, max: 3 });
    const total = () => pool.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM waymark.runs WHERE id LIKE 'sched:%'`).then((r) => r.rows[0] as { n: number; d: number });
    try {
      const names = Array.from({ length: 10 }, (_, i) => `race-${i}`);
      for (const name of names) await maker.schedules.create({ name, workflow: 'test.chain', cron: '*/10 * * * *', input: { steps: 1 }, catchUp: 'all' });
      // Three workers started together, their clocks standing at 08:00:30 (nothing due yet);
      // SIGUSR2 moves a worker's clock to 09:00:30. A lease tick, so a housekeeping pass, every 200 ms.
      const settled = await Promise.allSettled([0, 1, 2].map(() =>
        // Their steps count their executions in this database, not in the file's.
        spawnWorker(url, { FIXTURE_DATABASE_URL: url, TEST_CLOCK_AT: '2026-01-05T08:00:30Z', TEST_CLOCK_THEN: '2026-01-05T09:00:30Z', WAYMARK_LEASE_TTL_MS: '600' })));
      for (const s of settled) if (s.status === 'fulfilled') workers.push(s.value);
      for (const s of settled) if (s.status === 'rejected') throw s.reason;
      const ids = workers.map((w) => w.executorId);
      assert.equal(new Set(ids).size, 3, ids.join(' '));
      // All three registered and ticking before anything is due: whole housekeeping passes of each, none of which started a run.
      const live = await pool.query(`SELECT executor_id FROM waymark.workers WHERE status = 'live' AND executor_id = ANY($1)`, [ids]);
      assert.equal(live.rowCount, 3);
      await Promise.all(ids.map((id) => housekeepingPasses(pool, id)));
      assert.deepEqual(await total(), { n: 0, d: 0 });

      // Every worker's clock jumps at once: six ticks (08:10 to 09:00) of each of the ten schedules
      // fall due for all three together, and their passes contend for each schedule's lock.
      for (const w of workers) w.child.kill('SIGUSR2');
      await Promise.all(workers.map((w) => waitFor(`the clock of ${w.executorId} to jump`, async () => w.output().includes('CLOCK 2026-01-05T09:00:30.000Z'))));
      await waitFor('60 runs', async () => (await total()).n >= 60);
      // Each worker keeps ticking: two more whole passes of every one of them start nothing.
      await Promise.all(ids.map((id) => housekeepingPasses(pool, id)));
      assert.deepEqual(await total(), { n: 60, d: 60 });
      for (const name of names) {
        assert.deepEqual(ticksOf(await scheduleRuns(pool, name)), ['08:10', '08:20', '08:30', '08:40', '08:50', '09:00'].map((t) => `2026-01-05T${t}:00.000Z`), name);
      }
      // Each run says once which tick started it, and executed once.
      const origins = await pool.query(`SELECT run_id FROM waymark.run_events WHERE kind = 'started_by_schedule' GROUP BY run_id HAVING count(*) = 1`);
      assert.equal(origins.rowCount, 60);
      await waitFor('all runs done', async () => (await pool.query(`SELECT count(*)::int AS n FROM dbos.workflow_status WHERE workflow_uuid LIKE 'sched:%' AND status = 'SUCCESS'`)).rows[0].n === 60);
      const once = await pool.query(`SELECT run_id FROM test_executions WHERE run_id LIKE 'sched:%' GROUP BY run_id HAVING count(*) = 1`);
      assert.equal(once.rowCount, 60);
    } finally {
      await pool.end();
      await maker.stop();
    }
  });
});
