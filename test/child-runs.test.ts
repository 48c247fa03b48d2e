/**
 * Child runs: a workflow fans out runs of its own under a concurrency cap and fans in (all, any,
 * first k) while parked — against real Postgres, real DBOS and real worker processes killed
 * with SIGKILL. Children record their start and end as business writes (`test_child_spans`,
 * with the number of their call's children in progress at each start), so the cap is read from
 * what the children did, not from timing.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { TestClock } from '../src/testing.js';
import { beforeLaunch, workflows } from './fixtures/workflows.js';
import { killWorker, runCli, spawnWorker, startTestWaymark, waitFor } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

const clock = new TestClock(new Date('2026-03-02T09:00:00Z'));
// Every wait parks at once: a parent waiting for its children holds no worker.
const env = useFixtureEnv('children', {
  poolSize: 4,
  toolServer: true,
  waymark: { clock, config: { hotWaitMs: 0, concurrency: 32, leaseTtlMs: 1500, parkedSweepMs: 100 } },
});
const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);

interface Outcome { position: number; status: string; label?: string; error?: string }
interface ChildView { id: string; workflow: string; status: string; phase: string; held: boolean; position: number; endedAt: string | null; businessKey: string | null }

const settled = (id: string) =>
  waitFor(`run ${id} to end`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) && !r.parked ? r : undefined;
  }, 180_000);
const parked = (runId: string) =>
  waitFor(`run ${runId} to park`, async () => (await env.pool.query(`SELECT 1 FROM waymark.parked_runs WHERE run_id = $1 AND state = 'parked'`, [runId])).rowCount === 1, 120_000);
const children = async (runId: string): Promise<ChildView[]> => {
  const r = await api('GET', `/v1/runs/${runId}/children`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.children as ChildView[];
};
const spans = async (group: string, kind: 'start' | 'end') =>
  (await env.pool.query<{ run_id: string; label: string; running: number }>('SELECT run_id, label, running FROM test_child_spans WHERE grp = $1 AND kind = $2 ORDER BY id', [group, kind])).rows;
const started = (group: string, n: number) => waitFor(`${n} children of ${group} started`, async () => (await spans(group, 'start')).length >= n, 120_000);
const openGates = (runIds: string[]) => env.pool.query('INSERT INTO test_gates (run_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [runIds]);
const countEvents = async (runId: string, kind: string): Promise<number> =>
  Number((await env.pool.query('SELECT count(*) AS n FROM waymark.run_events WHERE run_id = $1 AND kind = $2', [runId, kind])).rows[0].n);
const afterJoins = async (runId: string, group: string): Promise<number> =>
  Number((await env.pool.query('SELECT count(*) AS n FROM test_executions WHERE run_id = $1 AND step = $2', [runId, `afterJoin:${group}`])).rows[0].n);
const startFanOut = async (input: Record<string, unknown>) => (await env.w.runs.start({ workflow: 'test.fan-out', input })).run;

describe('fan-out under a concurrency cap, fan-in of all', () => {
  test('12 children with cap 3: never more than 3 in progress, each runs once, the parent gets every outcome in order', async () => {
    const group = 'cap12';
    const parent = await startFanOut({ group, count: 12, concurrency: 3, gated: true });
    await started(group, 3);
    await parked(parent.id);
    const listed = await children(parent.id);
    assert.equal(listed.length, 12);
    assert.deepEqual(listed.map((c) => c.position), [...Array(12).keys()]);
    assert.ok(listed.every((c) => c.workflow === 'test.child-work' && c.businessKey === `child:${group}:c${c.position}`));
    // The nine beyond the cap wait, queued and held; none of them has started.
    const held = listed.filter((c) => c.held);
    assert.equal(held.length, 9);
    assert.ok(held.every((c) => c.status === 'DELAYED' && c.phase === 'queued'), JSON.stringify(held));
    assert.equal((await spans(group, 'start')).length, 3);

    await openGates(listed.map((c) => c.id));
    const done = await settled(parent.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    const outcomes = (done.output as { outcomes: Outcome[] }).outcomes;
    assert.deepEqual(outcomes.map((o) => [o.position, o.status, o.label]), listed.map((c) => [c.position, 'succeeded', `c${c.position}`]));

    const starts = await spans(group, 'start');
    assert.equal(starts.length, 12, 'each child started once');
    assert.equal(new Set(starts.map((s) => s.run_id)).size, 12);
    assert.equal((await spans(group, 'end')).length, 12);
    assert.equal(Math.max(...starts.map((s) => s.running)), 3, 'at most (and, with gates, exactly) 3 children in progress at once');

    // Audit trails on both sides; the children are runs like any other.
    assert.equal(await countEvents(parent.id, 'child_started'), 12);
    assert.equal(await countEvents(parent.id, 'child_ended'), 12);
    assert.equal(await countEvents(parent.id, 'children_joined'), 1);
    assert.equal(await afterJoins(parent.id, group), 1);
    const child = await api('GET', `/v1/runs/${listed[5]!.id}`);
    assert.equal(child.body.parentRunId, parent.id);
    assert.equal(child.body.status, 'SUCCESS');
    const timeline = await api('GET', `/v1/runs/${listed[5]!.id}/timeline`);
    const origin = (timeline.body.entries as { name: string; data?: Record<string, unknown> }[]).find((e) => e.name === 'started_by_parent');
    assert.equal(origin?.data?.parentRunId, parent.id);
    const page = await api('GET', `/v1/runs?parent=${encodeURIComponent(parent.id)}&limit=200`);
    assert.equal(page.status, 200);
    assert.equal(page.body.runs.length, 12);
    assert.ok((page.body.runs as { parentRunId: string }[]).every((r) => r.parentRunId === parent.id));
    assert.equal((await api('GET', `/v1/runs/${parent.id}`)).body.parentRunId, null);
  });
});

describe('fan-in modes', () => {
  test('any: the parent continues with the first child to end; when it completes, the others are cancelled', async () => {
    const group = 'any';
    const parent = await startFanOut({ group, count: 4, gated: true, mode: 'any' });
    await started(group, 4);
    await parked(parent.id);
    const listed = await children(parent.id);
    await openGates([listed[2]!.id]);
    const done = await settled(parent.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.deepEqual((done.output as { outcomes: Outcome[] }).outcomes, [{ position: 2, status: 'succeeded', label: 'c2' }]);
    // Housekeeping's cascade cancels the three still running (blocked at their gates, they stop
    // at their next step once the gates open).
    await waitFor('the cascade to reach the other children', async () => {
      for (const c of listed.filter((x) => x.position !== 2)) if ((await countEvents(c.id, 'cancel_requested')) !== 1) return false;
      return true;
    }, 120_000);
    await openGates(listed.map((c) => c.id));
    const ends = await Promise.all(listed.map(async (c) => [c.position, (await settled(c.id)).status]));
    assert.deepEqual(ends, [[0, 'CANCELLED'], [1, 'CANCELLED'], [2, 'SUCCESS'], [3, 'CANCELLED']]);
    assert.equal((await spans(group, 'end')).length, 1, 'only the first child finished its work');
    const why = await env.pool.query(`SELECT actor, data FROM waymark.run_events WHERE run_id = $1 AND kind = 'cancel_requested'`, [listed[0]!.id]);
    assert.deepEqual(why.rows, [{ actor: 'system', data: { withParent: parent.id } }]);
    assert.equal(await afterJoins(parent.id, group), 1);
  });

  test('children started with outliveParent go on after the parent completes', async () => {
    const group = 'outlive';
    const parent = await startFanOut({ group, count: 3, gated: true, mode: 'any', outliveParent: true });
    await started(group, 3);
    const listed = await children(parent.id);
    await openGates([listed[0]!.id]);
    assert.equal((await settled(parent.id)).status, 'SUCCESS');
    // Proof that the cascade passed over them: a parent that fails later has its child
    // cancelled, and a pass takes the children of earlier-ended parents first.
    const later = await startFanOut({ group: 'outlive-witness', count: 1, gated: true, failAfterStart: true });
    assert.equal((await settled(later.id)).status, 'ERROR');
    const [witness] = await children(later.id);
    await waitFor('the cascade to pass', async () => (await countEvents(witness!.id, 'cancel_requested')) === 1, 120_000);
    await openGates([witness!.id]);
    assert.equal((await children(parent.id)).filter((c) => c.endedAt === null).length, 2, 'the other two still run');
    await openGates(listed.map((c) => c.id));
    for (const c of listed) assert.equal((await settled(c.id)).status, 'SUCCESS');
    for (const c of listed) assert.equal(await countEvents(c.id, 'cancel_requested'), 0);
  });

  test('first k: the first two to end, in the order they ended', async () => {
    const group = 'first2';
    const parent = await startFanOut({ group, count: 4, gated: true, mode: { first: 2 } });
    await started(group, 4);
    const listed = await children(parent.id);
    await openGates([listed[3]!.id]);
    await settled(listed[3]!.id);
    await parked(parent.id);
    assert.equal((await env.w.runs.get(parent.id)).parked, true, 'one ended is not two');
    await openGates([listed[1]!.id]);
    const done = await settled(parent.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.deepEqual((done.output as { outcomes: Outcome[] }).outcomes.map((o) => o.position), [3, 1]);
    await openGates(listed.map((c) => c.id));
    for (const c of listed) await settled(c.id);
  });

  test('a child that fails is an outcome the parent handles, not a failure of the parent', async () => {
    const group = 'failing';
    const parent = await startFanOut({ group, count: 3, fail: [1] });
    const done = await settled(parent.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    const outcomes = (done.output as { outcomes: Outcome[] }).outcomes;
    assert.deepEqual(outcomes.map((o) => o.status), ['succeeded', 'failed', 'succeeded']);
    assert.match(outcomes[1]!.error ?? '', /child c1 failed on purpose/);
    const failed = (await children(parent.id))[1]!;
    assert.deepEqual([failed.status, failed.phase], ['ERROR', 'failed']);
    // The command line lists them too.
    const cli = await runCli(['runs', 'list', '--parent', parent.id, '--json', '--workflows', 'test/fixtures/workflows.ts'],
      { ...process.env, DATABASE_URL: env.url, LOG_LEVEL: 'warn', WAYMARK_APP_VERSION: 'test-1' });
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual((JSON.parse(cli.stdout) as { runs: { status: string }[] }).runs.map((r) => r.status).sort(), ['ERROR', 'SUCCESS', 'SUCCESS']);
  });
});

describe('a parent that ends takes its children with it', () => {
  /** Waits until each child's cancel is requested (once), opens their gates, and sees each end cancelled. */
  const cancelledWithParent = async (listed: ChildView[]): Promise<void> => {
    await waitFor('the cascade', async () => {
      for (const c of listed) if ((await countEvents(c.id, 'cancel_requested')) !== 1) return false;
      return true;
    }, 120_000);
    await openGates(listed.map((c) => c.id));
    for (const c of listed) assert.equal((await settled(c.id)).status, 'CANCELLED', c.id);
  };

  test('a parent that fails cancels its unfinished children, held ones too', async () => {
    const group = 'parent-fails';
    const parent = await startFanOut({ group, count: 3, concurrency: 2, gated: true, failAfterStart: true });
    assert.equal((await settled(parent.id)).status, 'ERROR');
    const listed = await children(parent.id);
    assert.equal(listed.length, 3);
    await cancelledWithParent(listed);
    assert.equal((await spans(group, 'end')).length, 0, 'no child finished its work');
  });

  test('a parent failed by its deadline cancels its children', async () => {
    const group = 'parent-deadline';
    const { run } = await env.w.runs.start({ workflow: 'test.fan-out-deadline', input: { group, count: 3, concurrency: 1 } });
    await started(group, 1);
    await waitFor('the deadline to fail the parent', async () => (await env.w.runs.get(run.id)).phase === 'failed', 120_000);
    await cancelledWithParent(await children(run.id));
    assert.equal((await spans(group, 'start')).length, 1, 'the held children never started');
  });
});

describe('cancelling a parent', () => {
  test('cancels its unfinished children, held ones too, and runs their compensation', async () => {
    const group = 'cancel';
    const parent = await startFanOut({ group, count: 4, concurrency: 2, gated: true, reserve: true });
    await started(group, 2);
    const listed = await children(parent.id);
    // Both running children have made their (compensable) reservation.
    const itemsOf = (ids: string[]) => listed.filter((c) => ids.includes(c.id)).map((c) => `${group}-item-${c.position}`);
    const running = listed.filter((c) => !c.held).map((c) => c.id);
    await waitFor('the reservations', async () => itemsOf(running).every((item) => [...env.server.reservations.values()].some((r) => r.item === item)));
    const cancelled = await api('POST', `/v1/runs/${parent.id}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'CANCELLED');
    // Blocked at their gates, the running children stop at their next step.
    await openGates(listed.map((c) => c.id));
    for (const c of listed) {
      const r = await settled(c.id);
      assert.equal(r.status, 'CANCELLED', `${c.id} ${r.status}`);
    }
    assert.equal((await spans(group, 'start')).length, 2, 'the held children never started');
    for (const c of listed) assert.equal(await countEvents(c.id, 'cancel_requested'), 1);
    const reservations = [...env.server.reservations.values()].filter((r) => r.item.startsWith(`${group}-`)).map((r) => r.reservationId);
    assert.equal(reservations.length, 2);
    await waitFor('the children\'s compensation', async () => reservations.every((id) => [...env.server.cancellations.values()].includes(id)));
    assert.equal(await afterJoins(parent.id, group), 0);
  });

  test('cascades through grandchildren', async () => {
    const group = 'nested';
    const parent = await startFanOut({ group, count: 2, nested: 2, gated: true });
    await started(`${group}/0`, 2);
    await started(`${group}/1`, 2);
    const kids = await children(parent.id);
    const grandkids = (await Promise.all(kids.map((k) => children(k.id)))).flat();
    assert.equal(grandkids.length, 4);
    const r = await api('POST', `/v1/runs/${parent.id}/cancel`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await openGates(grandkids.map((g) => g.id));
    for (const run of [...kids, ...grandkids]) assert.equal((await settled(run.id)).status, 'CANCELLED', run.id);
  });
});

/** Runs below execute only in worker processes: this process's Waymark does not execute. */
describe('in worker processes', () => {
  before(async () => {
    await env.w.stop();
    env.w = await startTestWaymark(env.url, { workflows, beforeLaunch, worker: false, config: { leaseTtlMs: 1500 } });
  });
  const WORKER = { WAYMARK_HOT_WAIT_MS: '0', WAYMARK_LEASE_TTL_MS: '1500', WAYMARK_PARKED_SWEEP_MS: '200' };

  test('with 2 worker slots, a parent waiting for 2 children holds none: both children run at once', async () => {
    const worker = await spawnWorker(env.url, { ...WORKER, WAYMARK_CONCURRENCY: '2' });
    try {
      const group = 'slots';
      const parent = await startFanOut({ group, count: 2, gated: true });
      // Both children are in progress together while the parent waits: the parent has no slot.
      await started(group, 2);
      await parked(parent.id);
      await openGates((await children(parent.id)).map((c) => c.id));
      const done = await settled(parent.id);
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
      assert.equal(Math.max(...(await spans(group, 'start')).map((s) => s.running)), 2);
    } finally {
      await killWorker(worker);
    }
  });

  test('SIGKILL while the parent waits and children run: after restart each child runs once, the parent completes once', async () => {
    const group = 'sigkill';
    const first = await spawnWorker(env.url, { ...WORKER, WAYMARK_CONCURRENCY: '8' });
    const parent = await startFanOut({ group, count: 5, concurrency: 2, gated: true });
    await started(group, 2);
    await parked(parent.id);
    await killWorker(first);
    const listed = await children(parent.id);
    await openGates(listed.map((c) => c.id));
    const second = await spawnWorker(env.url, { ...WORKER, WAYMARK_CONCURRENCY: '8' });
    try {
      const done = await settled(parent.id);
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
      assert.deepEqual((done.output as { outcomes: Outcome[] }).outcomes.map((o) => o.status), Array(5).fill('succeeded'));
      const starts = await spans(group, 'start');
      assert.deepEqual(starts.map((s) => s.label).sort(), ['c0', 'c1', 'c2', 'c3', 'c4']);
      assert.equal((await spans(group, 'end')).length, 5);
      assert.ok(Math.max(...starts.map((s) => s.running)) <= 2);
      assert.equal(await countEvents(parent.id, 'child_started'), 5);
      assert.equal(Number((await env.pool.query('SELECT count(*) AS n FROM waymark.runs WHERE parent_run_id = $1', [parent.id])).rows[0].n), 5);
      assert.equal(await afterJoins(parent.id, group), 1);
    } finally {
      await killWorker(second);
    }
  });

  test('SIGKILL after the children were started but before the step was recorded: they are found, not started again', async () => {
    const group = 'start-crash';
    const dying = await spawnWorker(env.url, { ...WORKER, WORKER_KILL_AT: 'after-effect waymark.children.start' });
    const parent = await startFanOut({ group, count: 3, concurrency: 1 });
    assert.equal(await dying.exited, 'SIGKILL');
    assert.equal(Number((await env.pool.query('SELECT count(*) AS n FROM waymark.runs WHERE parent_run_id = $1', [parent.id])).rows[0].n), 3);
    const survivor = await spawnWorker(env.url, WORKER);
    try {
      const done = await settled(parent.id);
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
      assert.equal(await countEvents(parent.id, 'child_started'), 3);
      assert.deepEqual((await spans(group, 'start')).map((s) => s.label).sort(), ['c0', 'c1', 'c2']);
      assert.equal(Math.max(...(await spans(group, 'start')).map((s) => s.running)), 1);
    } finally {
      await killWorker(survivor);
    }
  });
});
