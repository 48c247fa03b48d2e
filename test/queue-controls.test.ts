/**
 * Queue controls against real Postgres and two real worker processes: per-workflow limits
 * across workers (partition keys, rate), priority order, deduplication, debounce, the tenant
 * reserve of the shared queue (WAYMARK_TENANT_CONCURRENCY), the 422 of a partitioned workflow
 * started without a key, and a parked run that leaves its queue's slot and goes back to its own
 * queue. Overlap is judged by the order of one database sequence, a rate limit by DBOS's own
 * start stamps. A workflow's global concurrency limit, and tenant fairness without a reserve, are
 * tested with workers at the default tenant settings in queue-defaults.test.ts (here each worker
 * takes at most one run of a tenant per queue, which would hold such a limit by itself).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useQueueEnv } from './support/queue-env.js';
import { ROOT, spawnWorker, waitFor } from './helpers.js';
import path from 'node:path';

// This process serves the API and starts runs; the two workers execute them. Each worker runs
// 2 runs per queue at once, at most 1 of them of one tenant; waits park at once.
const { env, workers } = useQueueEnv('queue_controls');
const WORKER_ENV = { WAYMARK_CONCURRENCY: '2', WAYMARK_TENANT_CONCURRENCY: '1', WAYMARK_HOT_WAIT_MS: '0', WAYMARK_QUEUE_POLL_MS: '50' };


type LogRow = { seq: string; run_id: string; label: string; event: 'start' | 'end' };
const logOf = async (runIds: readonly string[]): Promise<LogRow[]> =>
  (await env.pool.query<LogRow>('SELECT seq, run_id, label, event FROM queue_log WHERE run_id = ANY($1) ORDER BY seq', [runIds])).rows;
const finished = (id: string, timeoutMs = Number(process.env.QUEUE_TEST_WAIT ?? 120_000)) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) && !r.parked ? r : undefined;
  }, timeoutMs);
const started = (id: string) =>
  waitFor(`run ${id} to start`, async () => (await env.pool.query(`SELECT 1 FROM queue_log WHERE run_id = $1 AND event = 'start'`, [id])).rowCount === 1);
const openGates = (ids: readonly string[]) => env.pool.query('INSERT INTO queue_gates (run_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [ids]);
/** The most runs between their start and end at once, by the order of the log. */
function maxOverlap(rows: LogRow[]): number {
  let running = 0;
  let max = 0;
  for (const r of rows) {
    running += r.event === 'start' ? 1 : -1;
    max = Math.max(max, running);
  }
  return max;
}
const runs = () => env.w.as({ actor: 'test' }).runs;

test('two workers start, each with an executor id of its own', async () => {
  for (let i = 0; i < 2; i++) {
    workers.push(await spawnWorker(env.url, WORKER_ENV, { args: [path.join(ROOT, 'test/fixtures/queue-worker.ts')] }));
    // Its executor lock seen in the database before the next worker looks for a free id.
    await waitFor('the executor lock', async () =>
      Number((await env.pool.query(`SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
        WHERE l.locktype = 'advisory' AND a.application_name = 'waymark-executor-lock' AND a.datname = current_database()`)).rows[0].count) === i + 1);
  }
  assert.equal(new Set(workers.map((w) => w.executorId)).size, 2, workers.map((w) => w.executorId).join(' '));
});

test('a partition key never has two runs executing at once across two workers; other keys run meanwhile', async () => {
  const ids: Record<string, string[]> = { 'customer:1': [], 'customer:2': [], 'customer:3': [] };
  await Promise.all(Object.keys(ids).flatMap((key) => Array.from({ length: 5 }, async (_, i) => {
    const { run } = await runs().start({ workflow: 'q.partitioned', input: { label: `${key}#${i}` }, partitionKey: key });
    assert.equal(run.partitionKey, key);
    ids[key]!.push(run.id);
  })));
  const all = Object.values(ids).flat();
  for (const id of all) assert.equal((await finished(id)).status, 'SUCCESS');
  for (const [key, keyIds] of Object.entries(ids)) {
    const rows = await logOf(keyIds);
    assert.equal(rows.length, 10, `${key}: every run started and ended once`);
    assert.equal(maxOverlap(rows), 1, `${key}: no two runs overlapped: ${rows.map((r) => `${r.event}:${r.label}`).join(' ')}`);
  }
  // The DBOS partition is the tenant and the key, on the workflow's own queue.
  const dbos = await env.pool.query(`SELECT DISTINCT queue_name, queue_partition_key FROM dbos.workflow_status WHERE workflow_uuid = ANY($1) ORDER BY 2`, [all]);
  assert.deepEqual(dbos.rows, ['customer:1', 'customer:2', 'customer:3'].map((k) => ({ queue_name: 'waymark_wf_q.partitioned', queue_partition_key: `7:default/${k}` })));
});

test("a workflow's rate limit holds across two workers", async () => {
  const ids = await Promise.all(Array.from({ length: 6 }, async (_, i) => (await runs().start({ workflow: 'q.rated', input: { label: `r${i}`, sleepMs: 0 } })).run.id));
  for (const id of ids) assert.equal((await finished(id)).status, 'SUCCESS');
  // DBOS admits a run when fewer than 2 were started in the second before, by the database's
  // clock, and stamps its start with that clock: any 3 starts in a row span a second at least.
  const starts = (await env.pool.query<{ t: string }>('SELECT started_at_epoch_ms AS t FROM dbos.workflow_status WHERE workflow_uuid = ANY($1) ORDER BY 1', [ids])).rows.map((r) => Number(r.t));
  for (let i = 0; i + 2 < starts.length; i++) assert.ok(starts[i + 2]! - starts[i]! >= 1000, `starts ${starts.join(', ')}`);
});

test('queued runs start in priority order: lower first, the default (500) in between', async () => {
  const blocker = (await runs().start({ workflow: 'q.serial', input: { label: 'blocker', hold: true } })).run.id;
  await started(blocker);
  const order: [string, number | undefined][] = [['p700', 700], ['p100', 100], ['default', undefined], ['p0', 0], ['p300', 300]];
  const ids: string[] = [];
  for (const [label, priority] of order) {
    const { run } = await runs().start({ workflow: 'q.serial', input: { label, sleepMs: 10 }, priority });
    assert.equal(run.priority, priority ?? 500);
    ids.push(run.id);
  }
  await openGates([blocker]);
  for (const id of ids) assert.equal((await finished(id)).status, 'SUCCESS');
  const starts = (await logOf(ids)).filter((r) => r.event === 'start').map((r) => r.label);
  assert.deepEqual(starts, ['p0', 'p100', 'p300', 'default', 'p700']);
});

test('a second start with the same deduplicationId is refused with 409 naming the run, until that run has ended', async () => {
  const first = await env.w.api('POST', '/v1/runs', { workflow: 'q.shared', input: { label: 'dedup-1', hold: true }, deduplicationId: 'doc-42' });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const again = await env.w.api('POST', '/v1/runs', { workflow: 'q.shared', input: { label: 'dedup-2' }, deduplicationId: 'doc-42' });
  assert.equal(again.status, 409);
  assert.match(again.type, /^application\/problem\+json/);
  assert.equal(again.body.code, 'run_deduplicated');
  assert.equal(again.body.runId, first.body.id);
  assert.match(again.body.detail, new RegExp(first.body.id));
  // Concurrent starts: exactly one more run holds another id.
  const burst = await Promise.all(Array.from({ length: 4 }, () => env.w.api('POST', '/v1/runs', { workflow: 'q.shared', input: { label: 'dedup-b', hold: true }, deduplicationId: 'doc-43' })));
  assert.deepEqual(burst.map((r) => r.status).sort(), [201, 409, 409, 409]);
  await openGates(burst.filter((r) => r.status === 201).map((r) => r.body.id as string));
  assert.equal((await env.pool.query(`SELECT count(*)::int AS n FROM waymark.runs WHERE deduplication_id = 'doc-42'`)).rows[0].n, 1);
  await openGates([first.body.id]);
  await finished(first.body.id);
  const after = await env.w.api('POST', '/v1/runs', { workflow: 'q.shared', input: { label: 'dedup-3' }, deduplicationId: 'doc-42' });
  assert.equal(after.status, 201, 'the id is free once its run has ended');
});

test('a debounced start with a chosen id or an Idempotency-Key is refused and writes nothing', async () => {
  const debounce = { key: 'refused:doc-1', delayMs: 1_000 };
  const before = (await env.pool.query('SELECT count(*)::int AS n FROM waymark.runs')).rows[0].n;
  const withId = await env.w.api('POST', '/v1/runs', { workflow: 'q.debounced', input: { n: 1 }, id: 'mine-debounced', debounce });
  assert.equal(withId.status, 422, JSON.stringify(withId.body));
  assert.equal(withId.body.code, 'invalid_queue_options');
  const withKey = await env.w.api('POST', '/v1/runs', { workflow: 'q.debounced', input: { n: 1 }, debounce }, { 'idempotency-key': 'idem-debounced' });
  assert.equal(withKey.status, 422, JSON.stringify(withKey.body));
  assert.equal(withKey.body.code, 'invalid_queue_options');
  assert.equal((await env.pool.query('SELECT count(*)::int AS n FROM waymark.runs')).rows[0].n, before);
});

test('debounced starts fold into one run, executed exactly once with the latest input', async () => {
  const debounce = { key: 'reindex:doc-7', delayMs: 8_000 };
  // Concurrent starts first (one of them creates the run), then one after another.
  const concurrent = await Promise.all(Array.from({ length: 5 }, (_, n) => runs().start({ workflow: 'q.debounced', input: { n }, debounce })));
  const sequential = [];
  for (let n = 5; n < 10; n++) sequential.push(await runs().start({ workflow: 'q.debounced', input: { n }, debounce }));
  const all = [...concurrent, ...sequential];
  const id = all[0]!.run.id;
  assert.ok(all.every((s) => s.run.id === id), 'every start answered with the one run');
  assert.equal(all.filter((s) => s.created).length, 1);
  assert.equal(all.filter((s) => s.debounced).length, 9);
  const delayed = await env.w.runs.get(id);
  assert.equal(delayed.status, 'DELAYED');
  assert.deepEqual(delayed.input, { n: 9 });
  const done = await finished(id);
  assert.equal(done.status, 'SUCCESS');
  assert.equal(done.output, 9, 'it ran with the latest input');
  const rows = await env.pool.query<{ label: string }>(`SELECT label FROM queue_log WHERE run_id = $1`, [id]);
  assert.deepEqual(rows.rows.map((r) => r.label), ['n=9'], 'it ran once');
  assert.equal((await env.pool.query(`SELECT count(*)::int AS n FROM waymark.runs WHERE debounce_key = $1`, [debounce.key])).rows[0].n, 1);
  // Once the run has been dispatched, the key starts a new one.
  const next = await runs().start({ workflow: 'q.debounced', input: { n: 10 }, debounce: { ...debounce, delayMs: 50 } });
  assert.equal(next.created, true);
  assert.notEqual(next.run.id, id);
  assert.equal((await finished(next.run.id)).output, 10);
});

test("a tenant's burst does not keep another tenant's run from starting", async () => {
  const a = env.w.as({ actor: 'test', tenantId: 'tenant-a' }).runs;
  const b = env.w.as({ actor: 'test', tenantId: 'tenant-b' }).runs;
  const burst = await Promise.all(Array.from({ length: 50 }, async (_, i) => (await a.start({ workflow: 'q.shared', input: { label: `a${i}`, hold: true } })).run.id));
  const mine = (await b.start({ workflow: 'q.shared', input: { label: 'b', sleepMs: 0 } })).run.id;
  // Tenant A's runs hold at their gates until B's has finished: B must get a slot of its own.
  const done = await waitFor('the run of tenant B to finish', async () => {
    const r = await b.get(mine);
    return r.status === 'SUCCESS' ? r : undefined;
  }, 120_000);
  assert.equal(done.status, 'SUCCESS');
  const aStarted = (await logOf(burst)).filter((r) => r.event === 'start').length;
  assert.ok(aStarted <= 2, `tenant A holds at most one slot per worker (${aStarted} started)`);
  await openGates(burst);
  for (const id of burst) {
    await waitFor(`run ${id}`, async () => ((await a.get(id)).status === 'SUCCESS' ? true : undefined), 180_000);
  }
});

test('a partitioned workflow started without a partition key is refused with 422 and nothing is written', async () => {
  const count = async () => (await env.pool.query(`SELECT (SELECT count(*) FROM waymark.runs WHERE workflow = 'q.partitioned')::int AS runs,
    (SELECT count(*) FROM dbos.workflow_status WHERE queue_name = 'waymark_wf_q.partitioned')::int AS dbos`)).rows[0];
  const before = await count();
  const res = await env.w.api('POST', '/v1/runs', { workflow: 'q.partitioned', input: { label: 'x' } });
  assert.equal(res.status, 422);
  assert.match(res.type, /^application\/problem\+json/);
  assert.equal(res.body.code, 'partition_key_required');
  assert.match(res.body.detail, /partitionKey/);
  await assert.rejects(runs().start({ workflow: 'q.partitioned', input: { label: 'x' } }), { code: 'partition_key_required' });
  // A key for a workflow that is not partitioned is refused too.
  const stray = await env.w.api('POST', '/v1/runs', { workflow: 'q.shared', input: {}, partitionKey: 'customer:1' });
  assert.equal(stray.status, 422);
  assert.equal(stray.body.code, 'invalid_queue_options');
  assert.deepEqual(await count(), before);
});

test('a parked run frees its slot of its queue and, resumed, goes back to its own queue', async () => {
  // q.approval runs one at a time across all workers.
  const waiting = (await runs().start({ workflow: 'q.approval', input: { ask: true, label: 'asks' } })).run.id;
  await waitFor('the run to park', async () => (await env.pool.query(`SELECT 1 FROM waymark.parked_runs WHERE run_id = $1 AND state = 'parked'`, [waiting])).rowCount === 1, 120_000);
  // While it waits parked, another run of the workflow executes: the parked one holds no slot.
  const other = (await runs().start({ workflow: 'q.approval', input: { ask: false, label: 'plain' } })).run.id;
  assert.equal((await finished(other)).status, 'SUCCESS');
  const approval = await waitFor('the approval', async () => (await env.w.approvals.list({ runId: waiting })).approvals[0]);
  await env.w.approvals.decide(approval.id, { decision: 'approve' });
  const done = await finished(waiting);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
  assert.equal(done.output, 'approved');
  const row = await env.pool.query('SELECT queue_name, queue_partition_key FROM dbos.workflow_status WHERE workflow_uuid = $1', [waiting]);
  assert.deepEqual(row.rows[0], { queue_name: 'waymark_wf_q.approval', queue_partition_key: 'default' });
  const log = (await logOf([waiting, other])).map((r) => `${r.event}:${r.label}`);
  // The replay after the resume starts the parked run's body again (its log is not a step).
  assert.deepEqual(log.filter((l) => l === 'end:asks'), ['end:asks']);
  assert.ok(log.indexOf('end:plain') < log.indexOf('end:asks'), log.join(' '));
});
