/**
 * The measured scenarios of the waits benchmark.
 *   - wakeLatency: runs already blocked in their wait are woken one at a time (the next only
 *     after the previous run has committed SUCCESS), interleaving three kinds: a Waymark
 *     approval decided over HTTP, the same decided in-process with `approvals.decide()`, and a
 *     bare DBOS `recv` woken by `DBOSClient.send`. Each sample has the trigger call's start and
 *     return, the NOTIFY delivery, recv's return and the marker step's start, and the
 *     statements of the trigger (API side) and of the woken run until the marker step starts.
 *   - massWait: N runs of one kind started and left waiting; worker memory (after forced GC),
 *     database rows and bytes, the background load the waiting runs cause, and some of them
 *     woken one at a time while the rest keep waiting; then the rest are cancelled.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import vm from 'node:vm';
import v8 from 'node:v8';
import { DBOS, DBOSClient } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import type { WaymarkServer } from '../src/server.js';
import { waitForCompletion } from './completions.js';
import { diffHeap, readSnapshot, writeSnapshot } from './heap-diff.js';
import { counts, countsBetween, normalise, onStatement, startCapture, type Counts } from './counters.js';
import type { WaitHooks, WakeMarks } from './wait-hooks.js';
import { BARE_TOPIC, BenchWaits, awaitMarker, benchApprovalWait, nowMs } from './wait-workflows.js';

/** How a waiting run is woken. */
export type WakeKind = 'approvalHttp' | 'approvalDecide' | 'bareSend';
export const WAKE_KINDS = ['approvalHttp', 'approvalDecide', 'bareSend'] as const satisfies readonly WakeKind[];

/** Where a statement came from, for one wake-up. */
export type StatementSource = 'api' | 'run';

/** One statement of a traced wake-up. */
export interface WakeStatement {
  /** ms after the trigger call started. */
  atMs: number;
  source: StatementSource;
  /** Transaction number within the wake-up (per source; autocommit statements get their own). */
  tx: number;
  autocommit: boolean;
  sql: string;
}

/** One wake-up, times in epoch ms. */
export interface WakeSample {
  kind: WakeKind;
  runId: string;
  /** Trigger call started / returned (HTTP response body read; decide() or send() resolved). */
  t0: number;
  t1: number;
  notify: number | undefined;
  recvReturned: number | undefined;
  /** The marker step's body started. */
  step: number;
  api: { queries: number; tx: number };
  run: { queries: number; tx: number };
  /** Grouped statements of this wake-up (source + normalised SQL -> count). */
  statements: Map<string, number>;
  trace?: WakeStatement[];
}

/** What the scenarios need. */
export interface WaitContext {
  waymark: WaymarkServer;
  hooks: WaitHooks;
  /** The DBOSClient that wakes bare waiters (its own pool, like an outside sender). */
  sender: DBOSClient;
  /** The DBOS queue bare waiters run on (same settings as Waymark's). */
  bareQueue: string;
  databaseUrl: string;
  /** An admin API key for the HTTP decisions. */
  apiKey: string;
  progress(s: string): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` holds, checking every `everyMs`; throws after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 120_000, everyMs = 5): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Marks the async context of a trigger: the harness's own decide()/send() calls, and every
 * request the HTTP server handles (see {@link tagHttpRequests}). Statements issued in it are
 * the trigger's; Waymark's background loops (lease heartbeat, sweepers) on the same pool are not.
 */
const triggerContext = new AsyncLocalStorage<true>();

/**
 * Runs every HTTP request this process serves in the trigger context (wraps
 * `http.Server.prototype.emit` for 'request'; the benchmark serves nothing else).
 */
export function tagHttpRequests(): void {
  const proto = http.Server.prototype as unknown as { emit(this: http.Server, event: string | symbol, ...args: unknown[]): boolean };
  const emit = proto.emit;
  proto.emit = function taggedEmit(this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    return event === 'request' ? triggerContext.run(true, () => emit.call(this, event, ...args)) : emit.call(this, event, ...args);
  };
}

/**
 * Counts and (optionally) traces the statements of one wake-up: the woken run's (issued from
 * its workflow, until its marker step starts) and the trigger's (issued in the trigger context,
 * outside any workflow, until the trigger call returns). Queue polling, Waymark's background
 * loops and the other waiting runs' polls are not counted.
 */
function accountWakeUp(ctx: WaitContext, runId: string, t0: number, withTrace: boolean): {
  stopApi(): void;
  stopRun(): void;
  result(): Pick<WakeSample, 'api' | 'run' | 'statements' | 'trace'>;
} {
  const api = { queries: 0, tx: 0, on: true };
  const run = { queries: 0, tx: 0, on: true };
  const inTx = new Map<pg.Client, number>(); // client -> tx number of its open transaction
  let txCount = 0;
  const statements = new Map<string, number>();
  const trace: WakeStatement[] | undefined = withTrace ? [] : undefined;
  const stop = onStatement((client, sql, workflowId) => {
    let source: StatementSource;
    if (workflowId === runId) {
      if (!run.on) return;
      source = 'run';
    } else if (workflowId === undefined && api.on && triggerContext.getStore() === true) {
      source = 'api';
    } else {
      return;
    }
    const c = source === 'api' ? api : run;
    c.queries++;
    const head = sql.trimStart().slice(0, 20).toUpperCase();
    const begins = /^(BEGIN|START TRANSACTION)\b/.test(head);
    const ends = /^(COMMIT|END|ABORT)\b/.test(head) || (/^ROLLBACK\b/.test(head) && !/^ROLLBACK\s+TO\b/.test(head));
    const open = inTx.get(client);
    let tx: number;
    let autocommit = false;
    if (begins) {
      tx = ++txCount;
      inTx.set(client, tx);
    } else if (open !== undefined) {
      tx = open;
      if (ends) {
        inTx.delete(client);
        c.tx++;
      }
    } else {
      tx = ++txCount;
      autocommit = true;
      c.tx++;
    }
    const key = `${source}\u0000${normalise(sql)}`;
    statements.set(key, (statements.get(key) ?? 0) + 1);
    trace?.push({ atMs: nowMs() - t0, source, tx, autocommit, sql: normalise(sql) });
  });
  const maybeStop = (): void => {
    if (!api.on && !run.on) stop();
  };
  return {
    stopApi: () => {
      api.on = false;
      maybeStop();
    },
    stopRun: () => {
      run.on = false;
      maybeStop();
    },
    result: () => ({ api: { queries: api.queries, tx: api.tx }, run: { queries: run.queries, tx: run.tx }, statements, ...(trace ? { trace } : {}) }),
  };
}

/** Starts `n` Waymark approval runs; returns their run ids. */
async function startApprovalRuns(ctx: WaitContext, n: number, from: number, concurrency: number, maxNotWaiting: number): Promise<string[]> {
  const ids: string[] = new Array<string>(n);
  await startThrottled(ctx, n, concurrency, maxNotWaiting, async (i) => {
    const { run } = await ctx.waymark.as({ actor: 'bench' }).runs.start({ workflow: benchApprovalWait.name, input: { n: from + i } });
    ids[i] = run.id;
  });
  return ids;
}

/** Starts bare waiters with the given ids on the bare queue. */
async function startBareRuns(ctx: WaitContext, ids: readonly string[], from: number, concurrency: number, maxNotWaiting: number): Promise<void> {
  await startThrottled(ctx, ids.length, concurrency, maxNotWaiting, async (i) => {
    await DBOS.startWorkflow(BenchWaits.bareWait, { workflowID: ids[i], queueName: ctx.bareQueue })({ n: from + i });
  });
}

/**
 * Calls `start(i)` for i < n with `concurrency` calls outstanding, and never more than
 * `maxNotWaiting` started runs not yet blocked in recv: a burst of thousands of runs executing
 * their first steps at once would queue on the 10-connection pools past DBOS's 10 s
 * connection timeout.
 */
async function startThrottled(ctx: WaitContext, n: number, concurrency: number, maxNotWaiting: number, start: (i: number) => Promise<void>): Promise<void> {
  const waitingAtStart = ctx.hooks.waitingCount();
  let next = 0;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await until(() => started - (ctx.hooks.waitingCount() - waitingAtStart) < maxNotWaiting, 'started runs to reach their wait', 120_000);
      started++;
      await start(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

/** Wakes one waiting run and measures it. */
async function wakeOne(
  ctx: WaitContext,
  kind: WakeKind,
  runId: string,
  approvalId: string | undefined,
  withTrace: boolean,
): Promise<WakeSample> {
  if (!ctx.hooks.isWaiting(runId)) throw new Error(`run ${runId} is not waiting`);
  const marks: WakeMarks = ctx.hooks.track(runId);
  const done = waitForCompletion(runId);
  const t0 = nowMs();
  const acct = accountWakeUp(ctx, runId, t0, withTrace);
  const step = awaitMarker(runId, () => acct.stopRun());
  try {
    await triggerContext.run(true, () => trigger(ctx, kind, runId, approvalId));
    const t1 = nowMs();
    acct.stopApi();
    const stepAt = await step;
    await done;
    return { kind, runId, t0, t1, notify: marks.notify, recvReturned: marks.recvReturned, step: stepAt, ...acct.result() };
  } finally {
    ctx.hooks.untrack(runId);
  }
}

/**
 * The park-and-resume prototype (bare DBOS, supported APIs only): `n` bare waiters are started,
 * then cancelled, so none of them is in memory any more ("parked"). Each is then woken one at
 * a time by `DBOSClient.send` + `DBOSClient.resumeWorkflow(id, { queueName })`: the queue
 * dispatches it again, it replays its recorded steps, its recv finds the message, and the
 * marker step starts. Measures what a decision would cost a parked run.
 */
export async function parkAndResume(ctx: WaitContext, n: number): Promise<WakeSample[]> {
  ctx.progress(`park and resume: starting ${n} bare waiters, then cancelling them`);
  const ids = Array.from({ length: n }, () => randomUUID());
  const waitingBase = ctx.hooks.waitingCount();
  const runningBase = ctx.hooks.runningCount();
  const awaitsBase = ctx.hooks.resultAwaits();
  await startBareRuns(ctx, ids, 2_000_000, 16, 200);
  await until(() => ids.every((id) => ctx.hooks.isWaiting(id)), 'park waiters to wait', 120_000, 20);
  await DBOS.cancelWorkflows(ids);
  ctx.hooks.wake(ids);
  await until(
    () => ctx.hooks.waitingCount() <= waitingBase && ctx.hooks.runningCount() <= runningBase && ctx.hooks.resultAwaits() === awaitsBase,
    'parked runs to leave this process', 120_000, 20,
  );
  ctx.progress(`park and resume: waking ${n} parked runs one at a time`);
  const samples: WakeSample[] = [];
  for (const runId of ids) {
    const marks: WakeMarks = ctx.hooks.track(runId);
    const done = waitForCompletion(runId);
    const t0 = nowMs();
    const acct = accountWakeUp(ctx, runId, t0, samples.length === 1);
    const step = awaitMarker(runId, () => acct.stopRun());
    try {
      await triggerContext.run(true, async () => {
        await ctx.sender.send(runId, { wake: true }, BARE_TOPIC);
        await ctx.sender.resumeWorkflow(runId, { queueName: ctx.bareQueue });
      });
      const t1 = nowMs();
      acct.stopApi();
      const stepAt = await step;
      await done;
      // The NOTIFY of the send reaches the listener, but no recv waits for it: not a wake-up mark here.
      samples.push({ kind: 'bareSend', runId, t0, t1, notify: undefined, recvReturned: marks.recvReturned, step: stepAt, ...acct.result() });
    } finally {
      ctx.hooks.untrack(runId);
    }
  }
  return samples;
}

/** The trigger call: an HTTP decision, an in-process decision, or a DBOSClient.send. */
async function trigger(ctx: WaitContext, kind: WakeKind, runId: string, approvalId: string | undefined): Promise<void> {
  if (kind === 'approvalHttp') {
    const res = await fetch(`${ctx.waymark.httpUrl}/v1/approvals/${approvalId}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.apiKey}` },
      body: JSON.stringify({ decision: 'approve' }),
    });
    const body = (await res.json()) as { status?: string };
    if (res.status !== 200 || body.status !== 'approved') throw new Error(`decision failed: ${res.status} ${JSON.stringify(body)}`);
  } else if (kind === 'approvalDecide') {
    const view = await ctx.waymark.as({ actor: 'bench' }).approvals.decide(approvalId!, { decision: 'approve' });
    if (view.status !== 'approved') throw new Error(`decision failed: ${view.status}`);
  } else {
    await ctx.sender.send(runId, { wake: true }, BARE_TOPIC);
  }
}

/** The pending approval of each of these runs (run id -> approval id). */
async function approvalsOf(ctx: WaitContext, runIds: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await ctx.waymark.pool.query<{ id: string; run_id: string }>(
    `SELECT id, run_id FROM waymark.approvals WHERE run_id = ANY($1) AND status = 'pending'`, [runIds],
  );
  return new Map(rows.map((r) => [r.run_id, r.id]));
}

/** Result of the latency scenario. */
export interface WakeLatency {
  samples: Record<WakeKind, WakeSample[]>;
  /** Marker outputs read back from DBOS's checkpoints that equal the in-memory time (per kind). */
  durableMatches: Record<WakeKind, number>;
}

/**
 * `n` measured wake-ups per kind (plus `warmup` unmeasured ones first), interleaved: sample i
 * of every kind, rotating which kind goes first. Every run is waiting before any is woken.
 */
export async function wakeLatency(ctx: WaitContext, n: number, warmup: number): Promise<WakeLatency> {
  const total = n + warmup;
  ctx.progress(`latency: starting ${total} approval runs x2 and ${total} bare waiters`);
  const approvalRuns = await startApprovalRuns(ctx, 2 * total, 0, 16, 200);
  const bareRuns = Array.from({ length: total }, () => randomUUID());
  await startBareRuns(ctx, bareRuns, 0, 16, 200);
  await until(() => [...approvalRuns, ...bareRuns].every((id) => ctx.hooks.isWaiting(id)), 'latency runs to wait', 120_000, 20);
  const approvalOf = await approvalsOf(ctx, approvalRuns);
  if (approvalOf.size !== approvalRuns.length) throw new Error(`expected ${approvalRuns.length} pending approvals, found ${approvalOf.size}`);
  const runsOf: Record<WakeKind, string[]> = {
    approvalHttp: approvalRuns.slice(0, total),
    approvalDecide: approvalRuns.slice(total),
    bareSend: bareRuns,
  };
  const samples: Record<WakeKind, WakeSample[]> = { approvalHttp: [], approvalDecide: [], bareSend: [] };
  ctx.progress(`latency: ${total} wake-ups of each kind, one at a time`);
  for (let i = 0; i < total; i++) {
    const order = WAKE_KINDS.map((_, k) => WAKE_KINDS[(i + k) % WAKE_KINDS.length]!);
    for (const kind of order) {
      const runId = runsOf[kind][i]!;
      // Trace the first measured wake-up of each kind.
      const s = await wakeOne(ctx, kind, runId, approvalOf.get(runId), i === warmup);
      if (i >= warmup) samples[kind].push(s);
    }
  }
  const durableMatches: Record<WakeKind, number> = { approvalHttp: 0, approvalDecide: 0, bareSend: 0 };
  for (const kind of WAKE_KINDS) {
    for (const s of samples[kind]) {
      const steps = await DBOS.listWorkflowSteps(s.runId);
      const marker = steps?.find((st) => st.name.endsWith('marker'));
      if (typeof marker?.output === 'number' && marker.output === s.step) durableMatches[kind]++;
    }
  }
  return { samples, durableMatches };
}

/** process.memoryUsage() after forced garbage collection. */
export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

let gcFn: (() => void) | undefined;

/** The V8 collector: `--expose-gc`'s global, or exposed at run time through V8 flags. */
function gc(): () => void {
  if (gcFn) return gcFn;
  const global = (globalThis as { gc?: () => void }).gc;
  if (typeof global === 'function') return (gcFn = global);
  v8.setFlagsFromString('--expose-gc');
  return (gcFn = vm.runInNewContext('gc') as () => void);
}

/** Full collections until the heap stops shrinking, then the usage. */
export async function memoryAfterGc(): Promise<MemorySnapshot> {
  const collect = gc();
  let last = Infinity;
  for (let i = 0; i < 6; i++) {
    collect();
    await sleep(50); // lets finalizers and weak callbacks run
    const used = process.memoryUsage().heapUsed;
    if (used >= last - 64 * 1024 && i >= 2) break;
    last = used;
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Per-table rows (exact count) and bytes (pg_total_relation_size) of the dbos and waymark schemas. */
export type TableStats = Map<string, { rows: number; bytes: number }>;

export async function tableStats(client: pg.Client): Promise<TableStats> {
  const { rows: tables } = await client.query<{ name: string }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('dbos', 'waymark') ORDER BY 1`,
  );
  const sql = tables.map((t) => `SELECT '${t.name}' AS name, count(*) AS rows, pg_total_relation_size('${t.name}') AS bytes FROM ${t.name}`).join(' UNION ALL ');
  const { rows } = await client.query<{ name: string; rows: string; bytes: string }>(sql);
  return new Map(rows.map((r) => [r.name, { rows: Number(r.rows), bytes: Number(r.bytes) }]));
}

/** Turns autovacuum off on the dbos and waymark tables, so byte deltas are not moved by a vacuum in between. */
export async function disableAutovacuum(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname IN ('dbos', 'waymark')`,
  );
  for (const r of rows) await client.query(`ALTER TABLE ${r.name} SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)`);
}

/** Activity of the benchmark database while nothing waits (queue polling, lease heartbeat). */
export interface IdleRate {
  queriesPerS: number;
  txPerS: number;
  cpuMsPerS: number;
  /** The window's statements per second by normalised SQL, most frequent first. */
  statements: { sql: string; perS: number }[];
}

export async function measureIdle(ms: number): Promise<IdleRate> {
  const c0 = counts();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const capture = startCapture();
  await sleep(ms);
  const seen = capture.stop();
  const s = (performance.now() - t0) / 1000;
  const d = countsBetween(c0, counts());
  const cpu = process.cpuUsage(cpu0);
  const statements = [...seen].sort((a, b) => b[1] - a[1]).map(([sql, n]) => ({ sql, perS: n / s }));
  return { queriesPerS: d.queries / s, txPerS: d.transactions / s, cpuMsPerS: (cpu.user + cpu.system) / 1000 / s, statements };
}

/** Result of one mass-wait scenario. */
export interface MassWait {
  kind: 'approval' | 'bare';
  n: number;
  /** Start of the first run until all n were blocked in recv. */
  startMs: number;
  /** Queries and transactions the benchmark database saw while starting them (driver counts). */
  startCounts: Counts;
  memBefore: MemorySnapshot;
  memWaiting: MemorySnapshot;
  memAfter: MemorySnapshot;
  dbBefore: TableStats;
  dbWaiting: TableStats;
  /** Load while all n wait (driver counts and this process's CPU), over `idle.seconds`. */
  idle: { seconds: number; queriesPerS: number; txPerS: number; cpuMsPerS: number; eventLoopP99Ms: number };
  /** Wake-ups of some of the waiting runs, one at a time, while the others keep waiting. */
  underLoad: WakeSample[];
  /** Cancel until every run has left recv and this process. */
  drainMs: number;
  /** With heap snapshots: objects added between "before" and "all waiting", by constructor/type. */
  heap?: { label: string; bytes: number; count: number }[];
  /** Same, between "before" and "after cancel" (what the runs left behind). */
  heapLeft?: { label: string; bytes: number; count: number }[];
}

/**
 * Starts `n` waiting runs of `kind`, measures memory, rows and bytes once all wait, measures
 * the load they cause over `idleMs`, then cancels them (bulk DBOS cancel, then each waiting
 * recv is woken so it sees the cancellation now instead of at its next 10 s poll).
 */
export async function massWait(
  ctx: WaitContext, statsClient: pg.Client, kind: 'approval' | 'bare', n: number, idleMs: number, wakeUnderLoad: number, heapSnapshots = false,
): Promise<MassWait> {
  const bareIds = kind === 'bare' ? Array.from({ length: n }, () => randomUUID()) : [];
  ctx.hooks.timeRecv(false);
  const waitingBase = ctx.hooks.waitingCount();
  const runningBase = ctx.hooks.runningCount();
  const awaitsBase = ctx.hooks.resultAwaits();
  await sleep(500);
  const memBefore = await memoryAfterGc();
  const dbBefore = await tableStats(statsClient);
  const snapBefore = heapSnapshots ? writeSnapshot(`${kind}-before`) : undefined;

  ctx.progress(`mass wait (${kind}): starting ${n} runs`);
  const c0 = counts();
  const t0 = performance.now();
  let ids: string[];
  if (kind === 'approval') {
    ids = await startApprovalRuns(ctx, n, 1_000_000, 16, 400);
  } else {
    await startBareRuns(ctx, bareIds, 1_000_000, 16, 400);
    ids = bareIds;
  }
  let lastReport = Date.now();
  await until(() => {
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      ctx.progress(`mass wait (${kind}): ${ctx.hooks.waitingCount() - waitingBase} of ${n} waiting`);
    }
    return ctx.hooks.waitingCount() - waitingBase >= n;
  }, `${n} ${kind} runs to wait`, 300_000, 20);
  const startMs = performance.now() - t0;
  const startCounts = countsBetween(c0, counts());
  ctx.progress(`mass wait (${kind}): all ${n} waiting after ${(startMs / 1000).toFixed(1)} s; measuring`);

  await sleep(1000);
  const memWaiting = await memoryAfterGc();
  const dbWaiting = await tableStats(statsClient);
  const snapWaiting = heapSnapshots ? writeSnapshot(`${kind}-waiting`) : undefined;

  ctx.progress(`mass wait (${kind}): load while waiting (${idleMs} ms)`);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const c1 = counts();
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  await sleep(idleMs);
  const seconds = (performance.now() - t1) / 1000;
  const dIdle = countsBetween(c1, counts());
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  const idle = {
    seconds, queriesPerS: dIdle.queries / seconds, txPerS: dIdle.transactions / seconds,
    cpuMsPerS: (cpu.user + cpu.system) / 1000 / seconds, eventLoopP99Ms: loop.percentile(99) / 1e6,
  };

  const underLoad: WakeSample[] = [];
  if (wakeUnderLoad > 0) {
    ctx.progress(`mass wait (${kind}): waking ${wakeUnderLoad} of them one at a time`);
    const some = ids.slice(0, wakeUnderLoad);
    const approvalOf = kind === 'approval' ? await approvalsOf(ctx, some) : new Map<string, string>();
    for (const runId of some) underLoad.push(await wakeOne(ctx, kind === 'approval' ? 'approvalHttp' : 'bareSend', runId, approvalOf.get(runId), false));
  }

  ctx.progress(`mass wait (${kind}): cancelling`);
  const t2 = performance.now();
  for (let i = 0; i < ids.length; i += 1000) await DBOS.cancelWorkflows(ids.slice(i, i + 1000));
  ctx.hooks.wake(ids);
  await until(
    () => ctx.hooks.waitingCount() <= waitingBase && ctx.hooks.runningCount() <= runningBase && ctx.hooks.resultAwaits() === awaitsBase,
    `${kind} runs to leave after cancel`, 120_000, 20,
  );
  const drainMs = performance.now() - t2;
  ids = [];
  await sleep(500);
  const memAfter = await memoryAfterGc();
  ctx.hooks.timeRecv(true);
  const result: MassWait = { kind, n, startMs, startCounts, memBefore, memWaiting, memAfter, dbBefore, dbWaiting, idle, underLoad, drainMs };
  if (snapBefore && snapWaiting) {
    ctx.progress(`mass wait (${kind}): diffing heap snapshots`);
    const snapAfter = writeSnapshot(`${kind}-after`);
    const before = readSnapshot(snapBefore);
    result.heap = diffHeap(before, readSnapshot(snapWaiting));
    result.heapLeft = diffHeap(before, readSnapshot(snapAfter));
  }
  return result;
}
