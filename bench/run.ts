/**
 * `npm run bench`: WaymarkServer's overhead over raw DBOS, measured in one process on one fresh
 * database. Prints tables (markdown) and whether the performance goals were met; never fails
 * on a goal. Rows: raw pg INSERT; raw DBOS no-op step; the same step in a Waymark run; a
 * Waymark transactional write; read and write tool calls (callTool, distinct arguments) and a
 * write call answered from the ledger; 10-step chains, raw DBOS vs Waymark.
 * Settings (env): DATABASE_URL (else embedded Postgres), BENCH_RUNS (runs per round
 * with several in flight, 400), BENCH_RUNS_SERIAL (runs per round at 1 in flight, 40),
 * BENCH_ROUNDS (3), BENCH_INFLIGHT ("1,16"), BENCH_CHAIN_STEPS (10), BENCH_STEPS (steps per
 * step probe, 200), BENCH_INSERTS (500), BENCH_IDLE_MS (2000), BENCH_SQL (1: print statements),
 * BENCH_QUEUE_POLL_MS (both queues' minPollingIntervalMs, 100: WAYMARK_QUEUE_POLL_MS's default).
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { startWaymark } from '../src/server.js';
import type { WaymarkServer } from '../src/server.js';
import { installCompletionHook } from './completions.js';
import { countDatabase, flushBackendStats, installQueryCounter } from './counters.js';
import { openBenchDatabase } from './database.js';
import { BENCH_LIMITS, maxInFlight, opts } from './options.js';
import { StatsReader, measureBackground } from './pgstats.js';
import { printHeader, printResults } from './print.js';
import { chain, combine, rawInserts, stepProbe, type BenchContext, type Measurement, type StartKind } from './scenarios.js';
import { PROBE_OPS, benchChain, benchStepProbe, createBenchTables, type ProbeOp } from './workflows.js';

/** The chain's sides: raw DBOS on a queue, raw DBOS started directly, Waymark. */
const CHAIN_KINDS: readonly StartKind[] = ['dbos', 'direct', 'waymark'];
const RAW_QUEUE = 'bench_raw';

const t0 = performance.now();
const log = (s = ''): void => console.log(s);
const progress = (s: string): void => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);

async function main(): Promise<void> {
  installQueryCounter(); // before any connection of the benchmark database exists
  const bdb = await openBenchDatabase();
  countDatabase(bdb.name);
  progress(`database ${bdb.name} on ${bdb.source}`);
  let waymark: WaymarkServer | undefined;
  let stats: StatsReader | undefined;
  try {
    waymark = await startWaymark({
      workflows: [benchChain, benchStepProbe],
      worker: true,
      http: false,
      env: {},
      // Limits high enough never to refuse: their checks are measured, not their refusals.
      config: { databaseUrl: bdb.url, concurrency: maxInFlight, logLevel: 'warn', appName: 'waymark-bench', appVersion: 'bench-1', queuePollMs: opts.queuePollMs, ...BENCH_LIMITS },
      beforeLaunch: createBenchTables,
    });
    // Same settings as Waymark's own queue (runtime.ts): workerConcurrency = concurrency, 100 ms polling.
    await DBOS.registerQueue(RAW_QUEUE, { workerConcurrency: maxInFlight, minPollingIntervalMs: opts.queuePollMs });
    installCompletionHook();
    stats = await StatsReader.open(bdb.adminUrl, bdb.name);
    const ctx: BenchContext = { waymark, stats, databaseUrl: bdb.url, rawQueue: RAW_QUEUE };
    await printHeader(stats, bdb.source, bdb.name, RAW_QUEUE);

    progress('warm-up');
    for (const kind of ['dbos', 'waymark'] as const) {
      // Tool calls need a Waymark run (its tenant and retry budget): not in a plain DBOS workflow.
      for (const op of PROBE_OPS) if (kind === 'waymark' || !op.startsWith('tool')) await stepProbe(ctx, { kind, op, steps: 20, captureSql: false });
    }
    for (const kind of CHAIN_KINDS) await chain(ctx, { kind, inFlight: maxInFlight, runs: maxInFlight * 2, steps: opts.chainSteps, warmup: 0, captureSql: false });

    progress(`idle background (${opts.idleMs} ms)`);
    const bg = await measureBackground(stats, opts.idleMs);

    progress(`raw INSERT x${opts.inserts}`);
    const inserts = await rawInserts(ctx, opts.inserts);

    // Tool calls run in Waymark runs (callTool needs one for the run's tenant and retry budget).
    const probeSpecs = {
      rawStep: { kind: 'dbos', op: 'noop' },
      wmStep: { kind: 'waymark', op: 'noop' },
      wmWrite: { kind: 'waymark', op: 'txWrite' },
      toolRead: { kind: 'waymark', op: 'toolRead' },
      toolWrite: { kind: 'waymark', op: 'toolWrite' },
      toolLedger: { kind: 'waymark', op: 'toolLedger' },
    } as const satisfies Record<string, { kind: StartKind; op: ProbeOp }>;
    const probes = Object.fromEntries(Object.keys(probeSpecs).map((k) => [k, [] as Measurement[]])) as Record<keyof typeof probeSpecs, Measurement[]>;
    for (let r = 0; r < opts.rounds; r++) {
      progress(`step probes, round ${r + 1}/${opts.rounds} (${opts.steps} steps each)`);
      for (const [name, spec] of Object.entries(probeSpecs) as [keyof typeof probeSpecs, (typeof probeSpecs)[keyof typeof probeSpecs]][]) {
        probes[name].push(await stepProbe(ctx, { ...spec, steps: opts.steps, captureSql: opts.sql }));
      }
    }

    const chains = new Map<number, Record<StartKind, Measurement[]>>();
    for (const k of opts.inFlight) {
      const runs = k === 1 ? opts.runsSerial : opts.runs;
      const perKind: Record<StartKind, Measurement[]> = { dbos: [], direct: [], waymark: [] };
      for (let r = 0; r < opts.rounds; r++) {
        // Rotate which side goes first, so drift (autovacuum, cache warmth) hits all of them.
        const order: StartKind[] = CHAIN_KINDS.map((_, i) => CHAIN_KINDS[(i + r) % CHAIN_KINDS.length]!);
        for (const kind of order) {
          progress(`chain ${kind} x${runs}, ${k} in flight, round ${r + 1}/${opts.rounds}`);
          perKind[kind].push(await chain(ctx, { kind, inFlight: k, runs, steps: opts.chainSteps, warmup: Math.min(k, runs), captureSql: opts.sql }));
        }
      }
      chains.set(k, perKind);
    }

    const { rows: phases } = await waymark.pool.query<{ phase: string; runs: string; events: string }>(
      `SELECT r.phase, count(*) AS runs, sum((SELECT count(*) FROM waymark.run_events e WHERE e.run_id = r.id)) AS events
         FROM waymark.runs r GROUP BY r.phase ORDER BY r.phase`,
    );
    const { rows: ledger } = await waymark.pool.query<{ tool: string; status: string; calls: string; attempts: string }>(
      `SELECT tool, status, count(*) AS calls, sum(attempts) AS attempts FROM waymark.tool_calls GROUP BY tool, status ORDER BY tool, status`,
    );
    await flushBackendStats();
    const { rows: hot } = await waymark.pool.query<{ rel: string; ins: string; upd: string; hot: string }>(
      `SELECT relname AS rel, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables
        WHERE schemaname = 'waymark' AND relname IN ('tool_calls', 'tool_call_attempts') ORDER BY relname`,
    );
    printResults(bg, combine([inserts]), {
      rawStep: combine(probes.rawStep), wmStep: combine(probes.wmStep), wmWrite: combine(probes.wmWrite),
      toolRead: combine(probes.toolRead), toolWrite: combine(probes.toolWrite), toolLedger: combine(probes.toolLedger),
    }, chains);
    log(`\nSanity: tool-call ledger by tool and status: ${ledger.map((l) => `${l.tool} ${l.status}=${l.calls} (${l.attempts} attempts)`).join(', ')}`);
    log(`\nLedger row updates (whole benchmark, pg_stat_user_tables): ${hot.map((h) => `${h.rel} ${h.ins} inserts, ${h.upd} updates of which ${h.hot} HOT`).join('; ')}`);
    log(`\nSanity: WaymarkServer runs by phase: ${phases.map((p) => `${p.phase}=${p.runs} (${(Number(p.events) / Number(p.runs)).toFixed(1)} audit events/run)`).join(', ')}`);
    log(`\nTotal benchmark time: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    progress('shutting down');
    await waymark?.stop();
    await stats?.close();
    await bdb.dispose();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
