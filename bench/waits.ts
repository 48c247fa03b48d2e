/**
 * `npm run bench:waits`: what waiting costs, Waymark approvals against bare DBOS recv, in one
 * process on one fresh database. Prints markdown tables and the goal verdicts; never fails on
 * a goal.
 *   W1. Wake-up latency: a run blocked in its wait is woken (Waymark: POST
 *       /v1/approvals/{id}/decision over real HTTP, and approvals.decide() in-process; bare:
 *       DBOSClient.send to a raw @DBOS.workflow() in DBOS.recv); time from the trigger returning
 *       to the run's next step starting, with the statements on both sides.
 *   W2. N runs waiting at once in this worker: memory per waiting run (after forced GC), rows
 *       and bytes per waiting run in dbos.* and waymark.*, the load they cause while waiting,
 *       and wake-ups of some of them while the others wait.
 *   W4. Waymark's parked waits: runs parked at once (memory, rows, load), and parked wake-ups.
 *   W3. Park and resume (prototype of a wait that holds no memory): bare waiters cancelled
 *       while waiting, then woken by DBOSClient.send + DBOSClient.resumeWorkflow.
 * Settings (env): DATABASE_URL (else embedded Postgres), BENCH_DECISIONS (measured wake-ups per
 * kind, 200), BENCH_DECISION_WARMUP (10), BENCH_WAITING (runs waiting at once, 10000; 0 skips
 * W2), BENCH_WAIT_IDLE_MS (load window while they wait, 10000), BENCH_WAIT_KINDS ("approval,bare"),
 * BENCH_PARKED (W3 wake-ups, 50; 0 skips W3), BENCH_PARKED_WAITING (W4: Waymark runs parked at once, cumulative sizes, "1000,10000,100000"; 0 skips
 * W4), BENCH_FIRST_STEP_RUNS (start → first step at one in flight, 40), BENCH_PARKED_WAKES (W4 wake-ups of parked runs, 100), BENCH_WAKE_UNDER_LOAD (of the waiting runs, how many are woken one at a time while the others
 * wait, 100), BENCH_WAIT_HEAP (1: heap snapshots before/while/after waiting, diffed by constructor; use a
 * BENCH_WAITING of a few thousand).
 * Run with `node --expose-gc` (the npm script does); without it the collector is exposed at
 * run time through V8 flags.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { DBOS, DBOSClient } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { RUN_QUEUE } from '../src/runtime/infrastructure.js';
import { startWaymark } from '../src/server.js';
import type { WaymarkServer } from '../src/server.js';
import { installCompletionHook } from './completions.js';
import { countDatabase, installQueryCounter } from './counters.js';
import { openBenchDatabase } from './database.js';
import { StatsReader } from './pgstats.js';
import { installWaitHooks } from './wait-hooks.js';
import { printGoals, printHeap, printLatency, printMass, printParked, printParkedWaits } from './wait-print.js';
import { firstStepLatency, parkedWaits, type ParkedWaits } from './wait-parked.js';
import { disableAutovacuum, massWait, measureIdle, parkAndResume, tagHttpRequests, wakeLatency, type IdleRate, type MassWait, type WaitContext, type WakeLatency } from './wait-scenarios.js';
import { benchApprovalWait, benchFirstStep } from './wait-workflows.js';
import { BENCH_LIMITS } from './options.js';

const BARE_QUEUE = 'bench_waits_raw';

function intEnv(name: string, fallback: number): number {
  const v = process.env[name];
  const n = v ? Number(v) : fallback;
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer (got '${v}')`);
  return n;
}

const opts = {
  decisions: intEnv('BENCH_DECISIONS', 200),
  warmup: intEnv('BENCH_DECISION_WARMUP', 10),
  waiting: intEnv('BENCH_WAITING', 10_000),
  idleMs: Math.max(1000, intEnv('BENCH_WAIT_IDLE_MS', 10_000)),
  parked: intEnv('BENCH_PARKED', 50),
  parkedWaiting: (process.env.BENCH_PARKED_WAITING ?? '1000,10000,100000').split(',').map((v) => Number(v.trim())).filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b),
  firstStep: intEnv('BENCH_FIRST_STEP_RUNS', 40),
  parkedWakes: intEnv('BENCH_PARKED_WAKES', 100),
  wakeUnderLoad: intEnv('BENCH_WAKE_UNDER_LOAD', 100),
  heap: process.env.BENCH_WAIT_HEAP === '1',
  kinds: (process.env.BENCH_WAIT_KINDS ?? 'approval,bare').split(',').map((s) => s.trim()).filter((s): s is 'approval' | 'bare' => s === 'approval' || s === 'bare'),
};

const t0 = performance.now();
const log = (s = ''): void => console.log(s);
const progress = (s: string): void => console.error(`[bench:waits ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);

async function main(): Promise<void> {
  installQueryCounter();
  tagHttpRequests();
  const bdb = await openBenchDatabase();
  countDatabase(bdb.name);
  progress(`database ${bdb.name} on ${bdb.source}`);
  // Every waiting run holds a slot of its queue: room for the largest batch waiting at once.
  const latencyRuns = 3 * (opts.decisions + opts.warmup);
  const capacity = Math.max(opts.waiting, latencyRuns) + 64;
  let waymark: WaymarkServer | undefined;
  let stats: StatsReader | undefined;
  let sender: DBOSClient | undefined;
  let statsClient: pg.Client | undefined;
  try {
    waymark = await startWaymark({
      workflows: [benchApprovalWait, benchFirstStep],
      worker: true,
      http: true,
      env: {},
      config: {
        databaseUrl: bdb.url, concurrency: capacity, host: '127.0.0.1', port: 0, logLevel: 'error',
        appName: 'waymark-bench', appVersion: 'bench-waits-1', ...BENCH_LIMITS,
        // W1–W2 measure live waits: no run parks until W4 sets the hot window to 0.
        hotWaitMs: 86_400_000,
      },
    });
    // Same settings as Waymark's queue (runtime.ts): workerConcurrency = concurrency, 100 ms polling.
    await DBOS.registerQueue(BARE_QUEUE, { workerConcurrency: capacity, minPollingIntervalMs: 100 });
    installCompletionHook();
    const hooks = installWaitHooks();
    sender = await DBOSClient.create({ systemDatabaseUrl: bdb.url, systemDatabaseSchemaName: 'dbos' });
    stats = await StatsReader.open(bdb.adminUrl, bdb.name);
    statsClient = new pg.Client({ connectionString: bdb.url, application_name: 'waymark-bench-waits-stats' });
    await statsClient.connect();
    await disableAutovacuum(statsClient);
    const { key: apiKey } = await waymark.keys.create(waymark.scope({ actor: 'bench' }), { name: 'bench-admin', roles: ['admin'] });
    const ctx: WaitContext = { waymark, hooks, sender, bareQueue: BARE_QUEUE, databaseUrl: bdb.url, apiKey, progress };
    await printHeader(stats, bdb.source, bdb.name, waymark.httpUrl ?? '', capacity);
    const othersAtStart = (await stats.read()).others;

    let latency: WakeLatency | undefined;
    if (opts.decisions > 0) latency = await wakeLatency(ctx, opts.decisions, opts.warmup);

    const parked = opts.parked > 0 ? await parkAndResume(ctx, opts.parked) : [];

    const mass: MassWait[] = [];
    if (opts.waiting > 0 && opts.kinds.length > 0) {
      progress('idle load (3 s, nothing waiting)');
      const idle = await measureIdle(3000);
      for (const kind of opts.kinds) mass.push(await massWait(ctx, statsClient, kind, opts.waiting, opts.idleMs, Math.min(opts.wakeUnderLoad, opts.waiting), opts.heap));
      if (latency) printLatency(latency, opts.warmup);
      printMass(mass, idle);
      printHeap(mass);
    } else if (latency) {
      printLatency(latency, opts.warmup);
    }
    printParked(parked, latency);
    progress(`start → first step, ${opts.firstStep} runs at one in flight`);
    const firstStep = opts.firstStep > 0 ? await firstStepLatency(ctx, opts.firstStep) : [];
    let parkedRuns: ParkedWaits[] = [];
    let idleNow: IdleRate | undefined;
    if (opts.parkedWaiting.length > 0) {
      idleNow = await measureIdle(3000);
      parkedRuns = await parkedWaits(ctx, statsClient, opts.parkedWaiting, opts.idleMs, opts.parkedWakes);
    }
    printParkedWaits(parkedRuns, idleNow, latency, firstStep);
    printGoals(latency, mass);
    const othersAtEnd = (await stats.read()).others;
    let otherXacts = 0;
    for (const [name, x] of othersAtEnd) otherXacts += Math.max(0, x - (othersAtStart.get(name) ?? 0));
    log(`\nOther databases on the server committed ${otherXacts} transactions during the run (0 = a quiet server).`);
    log(`\nTotal time: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    progress('shutting down');
    await statsClient?.end().catch(() => {});
    await sender?.destroy().catch(() => {});
    await waymark?.stop();
    await stats?.close();
    await bdb.dispose();
  }
}

async function printHeader(stats: StatsReader, source: string, dbName: string, httpUrl: string, capacity: number): Promise<void> {
  const settings = await stats.scalar(
    `SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings
      WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections')`,
  );
  log('# Waymark benchmark: waits');
  log();
  log(`- date: ${new Date().toISOString()}`);
  log(`- machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`);
  log(`- node ${process.version} (gc exposed by flag: ${typeof (globalThis as { gc?: unknown }).gc === 'function'}); ${await stats.scalar('version()')}`);
  log(`- server settings: ${settings}`);
  log(`- database: ${dbName} (fresh) on ${source}; HTTP API at ${httpUrl}`);
  log(`- queues: Waymark '${RUN_QUEUE}' and bare '${BARE_QUEUE}', both workerConcurrency=${capacity} (a waiting run holds a slot), minPollingIntervalMs=100`);
  log(`- wake-ups: ${opts.decisions} measured + ${opts.warmup} warm-up per kind; waiting at once: ${opts.waiting} (${opts.kinds.join(', ')}); load window ${opts.idleMs} ms`);
  log(`- approval: requestApproval with one user assignee, no reminders, escalations or deadline, no notification channel configured`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
