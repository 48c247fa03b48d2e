/**
 * The measured scenarios. Each returns raw material (latencies, a window delta and optionally
 * the captured SQL); report.ts turns it into per-operation figures.
 *   - rawInserts:  autocommit single-row INSERTs on a plain pg client;
 *   - stepProbe:   N steps (no-op, transactional write or tool call) inside one workflow, measured
 *                  from inside it (so the workflow's own start and finish are outside the window);
 *                  queries are those the workflow issued;
 *   - chain:       closed loop of N runs of an M-step workflow with `inFlight` runs outstanding,
 *                  raw DBOS (DBOS.startWorkflow on our queue) or Waymark (runs.start).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import type { WaymarkServer } from '../src/server.js';
import { waitForCompletion } from './completions.js';
import { startCapture, startTrace, watchClient, watchWorkflow, type Capture, type TracedStatement } from './counters.js';
import { Window, sumDeltas, type StatsReader, type WindowDelta } from './pgstats.js';
import { BenchWorkflows, benchChain, benchStepProbe, registerProbe, toolRuns, type ProbeOp } from './workflows.js';

/** What every scenario needs. */
export interface BenchContext {
  waymark: WaymarkServer;
  stats: StatsReader;
  databaseUrl: string;
  /** The DBOS queue the raw chain runs on (same settings as Waymark's). */
  rawQueue: string;
}

/** One measured scenario. */
export interface Measurement {
  /** Operations measured (inserts, steps or runs). */
  ops: number;
  latenciesMs: number[];
  delta: WindowDelta;
  /** Captured statements (normalised SQL -> count), when requested. */
  statements?: Map<string, number>;
  /** The statements of one operation, in order (step probes, when SQL is captured). */
  trace?: TracedStatement[];
  /** Tool `run` calls made inside the window (tool probes). */
  toolRuns?: number;
}

/**
 * How a run is started: `dbos`, raw DBOS on a queue (`DBOS.startWorkflow` with the raw queue);
 * `direct`, raw DBOS started directly (no queue: it executes at once); `waymark`, `runs.start`.
 */
export type StartKind = 'dbos' | 'direct' | 'waymark';

/** `n` autocommit single-row INSERTs on one pg client. */
export async function rawInserts(ctx: BenchContext, n: number): Promise<Measurement> {
  const client = new pg.Client({ connectionString: ctx.databaseUrl, application_name: 'waymark-bench-insert' });
  await client.connect();
  try {
    watchClient(client);
    for (let i = 0; i < 20; i++) await client.query('INSERT INTO bench_raw_inserts (n) VALUES ($1)', [i]); // warm-up
    const latenciesMs: number[] = [];
    const w = new Window(ctx.stats);
    await w.begin();
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await client.query('INSERT INTO bench_raw_inserts (n) VALUES ($1)', [i]);
      latenciesMs.push(performance.now() - t);
    }
    return { ops: n, latenciesMs, delta: await w.end() };
  } finally {
    await client.end();
  }
}

/** `steps` steps of kind `op` in one workflow started by `kind`. */
export async function stepProbe(
  ctx: BenchContext,
  opts: { kind: StartKind; op: ProbeOp; steps: number; captureSql: boolean },
): Promise<Measurement> {
  const probeId = randomUUID();
  const latenciesMs: number[] = [];
  const w = new Window(ctx.stats);
  let unwatch: (() => void) | undefined;
  let capture: Capture | undefined;
  let tracer: { stop(): TracedStatement[] } | undefined;
  let trace: TracedStatement[] | undefined;
  let workflow: string | undefined;
  let runsAtBegin = 0;
  let result: Omit<Measurement, 'ops' | 'latenciesMs'> | undefined;
  const toolRunCount = (): number => toolRuns.read + toolRuns.write;
  const unregister = registerProbe(probeId, {
    begin: async (workflowId) => {
      workflow = workflowId;
      unwatch = watchWorkflow(workflowId);
      if (opts.captureSql) capture = startCapture((wf) => wf === workflowId);
      await w.begin();
      runsAtBegin = toolRunCount();
    },
    lap: (ms) => latenciesMs.push(ms),
    traceStart: () => {
      if (opts.captureSql) tracer = startTrace((wf) => wf === workflow);
    },
    traceStop: () => {
      trace = tracer?.stop();
    },
    end: async () => {
      const runs = toolRunCount() - runsAtBegin;
      const delta = await w.end();
      const statements = capture?.stop();
      unwatch?.();
      result = { delta, toolRuns: runs, ...(statements ? { statements } : {}), ...(trace ? { trace } : {}) };
    },
  });
  try {
    const input = { probe: probeId, steps: opts.steps, op: opts.op };
    const id = opts.kind === 'dbos' ? randomUUID() : undefined;
    if (id !== undefined) {
      const done = waitForCompletion(id);
      await DBOS.startWorkflow(BenchWorkflows.stepProbe, { workflowID: id })(input);
      await done;
    } else {
      const { run } = await ctx.waymark.as({ actor: 'bench' }).runs.start({ workflow: benchStepProbe.name, input });
      await waitForCompletion(run.id);
    }
  } finally {
    unregister();
  }
  if (!result) throw new Error('step probe finished without measuring');
  return { ops: opts.steps, latenciesMs, ...result };
}

/** Starts one chain run and resolves when it has committed SUCCESS. */
async function runChain(ctx: BenchContext, kind: StartKind, steps: number): Promise<void> {
  if (kind === 'dbos' || kind === 'direct') {
    const id = randomUUID();
    const done = waitForCompletion(id);
    await DBOS.startWorkflow(BenchWorkflows.chain, kind === 'dbos' ? { workflowID: id, queueName: ctx.rawQueue } : { workflowID: id })({ steps });
    await done;
  } else {
    const { run } = await ctx.waymark.as({ actor: 'bench' }).runs.start({ workflow: benchChain.name, input: { steps } });
    await waitForCompletion(run.id);
  }
}

/** Closed loop: `runs` runs of a `steps`-step chain, `inFlight` outstanding at any time. */
export async function chain(
  ctx: BenchContext,
  opts: { kind: StartKind; inFlight: number; runs: number; steps: number; warmup: number; captureSql: boolean },
): Promise<Measurement> {
  const loop = async (runs: number, latenciesMs: number[]): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < runs) {
        next++;
        const t = performance.now();
        await runChain(ctx, opts.kind, opts.steps);
        latenciesMs.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.inFlight, runs) }, worker));
  };
  await loop(opts.warmup, []);
  const latenciesMs: number[] = [];
  const w = new Window(ctx.stats);
  await w.begin();
  const capture = opts.captureSql ? startCapture() : undefined;
  await loop(opts.runs, latenciesMs);
  const statements = capture?.stop();
  const delta = await w.end();
  return statements ? { ops: opts.runs, latenciesMs, delta, statements } : { ops: opts.runs, latenciesMs, delta };
}

/** Several rounds of one scenario as one measurement. */
export function combine(ms: readonly Measurement[]): Measurement {
  const statements = new Map<string, number>();
  for (const m of ms) for (const [k, v] of m.statements ?? []) statements.set(k, (statements.get(k) ?? 0) + v);
  // The last round's trace: by then every code path is warm.
  const trace = ms.findLast((m) => m.trace)?.trace;
  const toolRunCounts = ms.filter((m) => m.toolRuns !== undefined);
  return {
    ops: ms.reduce((s, m) => s + m.ops, 0),
    latenciesMs: ms.flatMap((m) => m.latenciesMs),
    delta: sumDeltas(ms.map((m) => m.delta)),
    ...(statements.size ? { statements } : {}),
    ...(trace ? { trace } : {}),
    ...(toolRunCounts.length ? { toolRuns: toolRunCounts.reduce((s, m) => s + (m.toolRuns ?? 0), 0) } : {}),
  };
}
