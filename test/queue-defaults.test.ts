/**
 * Run queues with two real worker processes at the default tenant settings (no
 * WAYMARK_TENANT_CONCURRENCY reserve) and room for 4 runs each: a workflow's declared
 * concurrency limit is then the only thing that holds its runs to it, and a tenant's burst that
 * fills every slot does not queue another tenant's run behind all of it. Runs hold at gates the
 * test opens one at a time; overlap is judged by the order of one database sequence, never by time.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { useQueueEnv } from './support/queue-env.js';
import { ROOT, spawnWorker, waitFor } from './helpers.js';

const { env, workers } = useQueueEnv('queue_defaults');
const SLOTS_PER_WORKER = 4;
const WORKER_ENV = { WAYMARK_CONCURRENCY: String(SLOTS_PER_WORKER), WAYMARK_HOT_WAIT_MS: '0', WAYMARK_QUEUE_POLL_MS: '50' };

/** The two workers, started once for the file (in its first test: its database exists by then). */
let started: Promise<void> | undefined;
const startWorkers = (): Promise<void> => (started ??= (async () => {
  for (let i = 0; i < 2; i++) {
    workers.push(await spawnWorker(env.url, WORKER_ENV, { args: [path.join(ROOT, 'test/fixtures/queue-worker.ts')] }));
  }
  assert.equal(new Set(workers.map((w) => w.executorId)).size, 2, workers.map((w) => w.executorId).join(' '));
})());

type LogRow = { seq: string; run_id: string; label: string; event: 'start' | 'end' };
const logOf = async (runIds: readonly string[]): Promise<LogRow[]> =>
  (await env.pool.query<LogRow>('SELECT seq, run_id, label, event FROM queue_log WHERE run_id = ANY($1) ORDER BY seq', [runIds])).rows;
/** Runs of `runIds` that have logged their start, in the order they started. */
const startedOf = async (runIds: readonly string[]): Promise<string[]> =>
  (await logOf(runIds)).filter((r) => r.event === 'start').map((r) => r.run_id);
const openGates = (ids: readonly string[]) => env.pool.query('INSERT INTO queue_gates (run_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [ids]);
const dbosStatuses = async (runIds: readonly string[]): Promise<Record<string, number>> =>
  Object.fromEntries((await env.pool.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM dbos.workflow_status WHERE workflow_uuid = ANY($1) GROUP BY status', [runIds])).rows.map((r) => [r.status, r.n]));
const allSucceeded = (runIds: readonly string[]) =>
  waitFor(`${runIds.length} runs to succeed`, async () => (await dbosStatuses(runIds)).SUCCESS === runIds.length, 180_000);
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

test("a workflow's concurrency limit holds across two workers: reached, never exceeded", async () => {
  await startWorkers();
  // q.limited declares concurrency 2. Each worker takes at most 2 of its runs at once (its 4 slots
  // capped at the limit), so the two together could run 4; no tenant reserve caps them either.
  const runs = env.w.as({ actor: 'test' }).runs;
  const ids = await Promise.all(Array.from({ length: 8 }, async (_, i) => (await runs.start({ workflow: 'q.limited', input: { label: `l${i}`, hold: true } })).run.id));
  // Every run holds at its gate until the test opens it: over the limit, runs would pile up
  // executing. Each round waits for as many runs executing as the limit allows (fewer at the
  // end), checks DBOS's own rows, then lets the oldest of them finish.
  const opened = new Set<string>();
  let pendingMax = 0;
  while (opened.size < ids.length) {
    const executing = await waitFor('the limit to be filled', async () => {
      const running = (await startedOf(ids)).filter((id) => !opened.has(id));
      return running.length >= Math.min(2, ids.length - opened.size) && running;
    }, 120_000);
    pendingMax = Math.max(pendingMax, (await dbosStatuses(ids)).PENDING ?? 0);
    opened.add(executing[0]!);
    await openGates([executing[0]!]);
  }
  await allSucceeded(ids);
  const rows = await logOf(ids);
  assert.equal(rows.length, 16, 'every run started and ended once');
  assert.equal(maxOverlap(rows), 2, `exactly 2 at once at most: ${rows.map((r) => `${r.event}:${r.label}`).join(' ')}`);
  assert.ok(pendingMax <= 2, `DBOS had ${pendingMax} runs of q.limited executing at once`);
});

test("at the default tenant settings, a tenant's burst that fills every slot does not queue another tenant's run behind all of it", async () => {
  await startWorkers();
  const a = env.w.as({ actor: 'test', tenantId: 'tenant-a' }).runs;
  const b = env.w.as({ actor: 'test', tenantId: 'tenant-b' }).runs;
  const slots = SLOTS_PER_WORKER * workers.length;
  const burst: string[] = [];
  for (let i = 0; i < 40; i++) burst.push((await a.start({ workflow: 'q.shared', input: { label: `a${i}`, hold: true } })).run.id);
  // Tenant A's runs hold every slot of both workers (there is no reserve for other tenants).
  await waitFor('tenant A to fill every slot', async () => (await startedOf(burst)).length >= slots, 120_000);
  assert.equal((await startedOf(burst)).length, slots);
  const mine = (await b.start({ workflow: 'q.shared', input: { label: 'b', sleepMs: 0 } })).run.id;
  // One slot at a time frees up: one run of A finishes, and the worker's next poll gives the slot
  // to A or B, in the random order DBOS visits a partitioned queue's partitions (each tenant is
  // one), so B gets each slot with even odds: B misses all 32 with odds of 2^-32. In a plain
  // FIFO queue B would start only once all 40 of A's runs had started.
  const opened = new Set<string>();
  while ((await startedOf([mine])).length === 0) {
    const aStarted = await startedOf(burst);
    assert.ok(aStarted.length < burst.length, `tenant B's run had not started when all ${burst.length} of tenant A's had: it queued behind A's whole burst`);
    const next = aStarted.find((id) => !opened.has(id))!;
    opened.add(next);
    await openGates([next]);
    await waitFor('the freed slot to be taken', async () =>
      (await startedOf([mine])).length > 0 || (await startedOf(burst)).length > aStarted.length, 120_000);
  }
  await waitFor('the run of tenant B to finish', async () => (await b.get(mine)).status === 'SUCCESS', 120_000);
  // No gate of A opens while B runs: A's runs that had not started then are still queued.
  const statuses = await dbosStatuses(burst);
  assert.ok((statuses.ENQUEUED ?? 0) > 0, `tenant B's run finished only after all of tenant A's had started (${opened.size} of A's runs finished first): ${JSON.stringify(statuses)}`);
  await openGates(burst);
  await allSucceeded(burst);
});
