/**
 * `npm run bench`: Waymark's overhead over raw DBOS, measured in one process on one fresh
 * database. Prints tables (markdown) and whether the performance goals were met; never fails
 * on a goal. Settings (env): DATABASE_URL (else embedded Postgres), BENCH_RUNS (runs per round
 * with several in flight, 400), BENCH_RUNS_SERIAL (runs per round at 1 in flight, 40),
 * BENCH_ROUNDS (3), BENCH_INFLIGHT ("1,16"), BENCH_CHAIN_STEPS (10), BENCH_STEPS (steps per
 * step probe, 200), BENCH_INSERTS (500), BENCH_IDLE_MS (2000), BENCH_SQL (1: print statements).
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { startWaymark, type Waymark } from '../src/index.js';
import { installCompletionHook } from './completions.js';
import { countDatabase, installQueryCounter } from './counters.js';
import { openBenchDatabase } from './database.js';
import { maxInFlight, opts } from './options.js';
import { StatsReader, measureBackground } from './pgstats.js';
import { printHeader, printResults } from './print.js';
import { chain, combine, rawInserts, stepProbe, type BenchContext, type Measurement, type StartKind } from './scenarios.js';
import { benchChain, benchStepProbe, createBenchTables } from './workflows.js';

const RAW_QUEUE = 'bench_raw';

const t0 = performance.now();
const log = (s = ''): void => console.log(s);
const progress = (s: string): void => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);

async function main(): Promise<void> {
  installQueryCounter(); // before any connection of the benchmark database exists
  const bdb = await openBenchDatabase();
  countDatabase(bdb.name);
  progress(`database ${bdb.name} on ${bdb.source}`);
  let waymark: Waymark | undefined;
  let stats: StatsReader | undefined;
  try {
    waymark = await startWaymark({
      workflows: [benchChain, benchStepProbe],
      worker: true,
      http: false,
      env: {},
      config: { databaseUrl: bdb.url, concurrency: maxInFlight, logLevel: 'warn', appName: 'waymark-bench', appVersion: 'bench-1' },
      beforeLaunch: createBenchTables,
    });
    // Same settings as Waymark's own queue (runtime.ts): workerConcurrency = concurrency, 100 ms polling.
    await DBOS.registerQueue(RAW_QUEUE, { workerConcurrency: maxInFlight, minPollingIntervalMs: 100 });
    installCompletionHook();
    stats = await StatsReader.open(bdb.adminUrl, bdb.name);
    const ctx: BenchContext = { waymark, stats, databaseUrl: bdb.url, rawQueue: RAW_QUEUE };
    await printHeader(stats, bdb.source, bdb.name, RAW_QUEUE);

    progress('warm-up');
    for (const kind of ['dbos', 'waymark'] as const) {
      await stepProbe(ctx, { kind, write: false, steps: 20, captureSql: false });
      await stepProbe(ctx, { kind, write: true, steps: 20, captureSql: false });
      await chain(ctx, { kind, inFlight: maxInFlight, runs: maxInFlight * 2, steps: opts.chainSteps, warmup: 0, captureSql: false });
    }

    progress(`idle background (${opts.idleMs} ms)`);
    const bg = await measureBackground(stats, opts.idleMs);

    progress(`raw INSERT x${opts.inserts}`);
    const inserts = await rawInserts(ctx, opts.inserts);

    const probes = { rawStep: [] as Measurement[], wmStep: [] as Measurement[], wmWrite: [] as Measurement[] };
    for (let r = 0; r < opts.rounds; r++) {
      progress(`step probes, round ${r + 1}/${opts.rounds} (${opts.steps} steps each)`);
      probes.rawStep.push(await stepProbe(ctx, { kind: 'dbos', write: false, steps: opts.steps, captureSql: opts.sql }));
      probes.wmStep.push(await stepProbe(ctx, { kind: 'waymark', write: false, steps: opts.steps, captureSql: opts.sql }));
      probes.wmWrite.push(await stepProbe(ctx, { kind: 'waymark', write: true, steps: opts.steps, captureSql: opts.sql }));
    }

    const chains = new Map<number, Record<StartKind, Measurement[]>>();
    for (const k of opts.inFlight) {
      const runs = k === 1 ? opts.runsSerial : opts.runs;
      const perKind: Record<StartKind, Measurement[]> = { dbos: [], waymark: [] };
      for (let r = 0; r < opts.rounds; r++) {
        // Alternate which side goes first, so drift (autovacuum, cache warmth) hits both.
        const order: StartKind[] = r % 2 === 0 ? ['dbos', 'waymark'] : ['waymark', 'dbos'];
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
    printResults(bg, combine([inserts]), {
      rawStep: combine(probes.rawStep), wmStep: combine(probes.wmStep), wmWrite: combine(probes.wmWrite),
    }, chains);
    log(`\nSanity: Waymark runs by phase: ${phases.map((p) => `${p.phase}=${p.runs} (${(Number(p.events) / Number(p.runs)).toFixed(1)} audit events/run)`).join(', ')}`);
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
