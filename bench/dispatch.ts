/**
 * `npm run bench:dispatch`: how long a run started with `runs.start` waits for its first step at
 * one in flight, against the idle worker's query rate, with instant dispatch on or off and for
 * several run-queue polling intervals (`WAYMARK_QUEUE_POLL_MS`). A fresh Waymark per setting, on
 * one fresh database.
 *
 * Settings (env): DATABASE_URL (else embedded Postgres), BENCH_DISPATCH_MODES (settings as
 * `instant@<poll ms>` or `queue@<poll ms>`, default "instant@100,instant@1000,queue@100,queue@50,queue@20,queue@10"),
 * BENCH_DISPATCH_RUNS (serial runs per setting, 40), BENCH_IDLE_MS (idle window, 3000).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { z } from 'zod';
import { Waymark } from '../src/index.js';
import { startWaymark } from '../src/server.js';
import { countDatabase, counts, countsBetween, installQueryCounter } from './counters.js';
import { openBenchDatabase } from './database.js';
import { BENCH_LIMITS } from './options.js';
import { fmt, percentile, table } from './report.js';

const firstStepAt = new Map<string, (t: number) => void>();

class Dispatch {
  @DBOS.step()
  static async first(): Promise<number> {
    const t = performance.timeOrigin + performance.now();
    firstStepAt.get(DBOS.workflowID ?? '')?.(t);
    return t;
  }

  @Waymark.workflow({ name: 'bench.dispatch', description: 'Benchmark: one step.', input: z.object({}) })
  static async run(_input: Record<string, never>): Promise<number> {
    return Dispatch.first();
  }
}

const modes = (process.env.BENCH_DISPATCH_MODES ?? 'instant@100,instant@1000,queue@100,queue@50,queue@20,queue@10').split(',').map((m) => {
  const [kind, poll] = m.trim().split('@');
  return { instant: kind === 'instant', poll: Number(poll) };
}).filter((m) => Number.isInteger(m.poll) && m.poll > 0);
const runs = Number(process.env.BENCH_DISPATCH_RUNS ?? 40);
const idleMs = Number(process.env.BENCH_IDLE_MS ?? 3000);

async function main(): Promise<void> {
  installQueryCounter();
  const bdb = await openBenchDatabase();
  countDatabase(bdb.name);
  const rows: string[][] = [];
  try {
    for (const { instant, poll } of modes) {
      const w = await startWaymark({
        workflows: [Dispatch.run], worker: true, http: false, env: {},
        config: { databaseUrl: bdb.url, logLevel: 'warn', appName: 'waymark-bench', appVersion: 'bench-dispatch-1', queuePollMs: poll, instantDispatch: instant, ...BENCH_LIMITS },
      });
      try {
        const as = w.as({ actor: 'bench' });
        const lat: number[] = [];
        for (let i = 0; i < runs + 5; i++) {
          const t0 = performance.timeOrigin + performance.now();
          let resolve!: (t: number) => void;
          const step = new Promise<number>((r) => (resolve = r));
          // The id is chosen so that the first step finds its waiter even before start returns.
          const id = randomUUID();
          firstStepAt.set(id, resolve);
          await as.runs.start({ workflow: 'bench.dispatch', input: {}, id });
          const t = await step;
          firstStepAt.delete(id);
          if (i >= 5) lat.push(t - t0);
        }
        // Let the last run finish before the idle window.
        await new Promise((r) => setTimeout(r, 500));
        const c0 = counts();
        const s0 = performance.now();
        await new Promise((r) => setTimeout(r, idleMs));
        const d = countsBetween(c0, counts());
        const s = (performance.now() - s0) / 1000;
        rows.push([instant ? 'on' : 'off', String(poll), String(lat.length), fmt(percentile(lat, 50), 2), fmt(percentile(lat, 99), 2), fmt(1000 / (lat.reduce((a, b) => a + b, 0) / lat.length), 1), fmt(d.queries / s, 1), fmt(d.transactions / s, 1)]);
        console.error(`[bench:dispatch] ${instant ? 'instant' : 'queue'} @ ${poll} ms done`);
      } finally {
        await w.stop();
      }
    }
  } finally {
    await bdb.dispose();
  }
  console.log(`\n## Dispatch: runs.start → first step at one in flight, by instant dispatch and run-queue polling interval (${bdb.source})\n`);
  console.log(table(['instant dispatch', 'WAYMARK_QUEUE_POLL_MS', 'runs', 'start→first step p50 ms', 'p99', 'runs/s (serial)', 'idle queries/s (whole worker)', 'idle tx/s'], rows));
  console.log('\nThe start call is included (its transaction, the read-back). Idle: the worker with nothing to do, all its pools counted.');
}

await main();
