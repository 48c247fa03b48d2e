/**
 * The benchmark's workflows, registered with DBOS at module load (before launch). The same
 * DBOS functions serve both sides: the raw DBOS runs start them with `DBOS.startWorkflow`, the
 * Waymark runs start them by their Waymark names through `waymark.runs.start`, so only the
 * start path differs.
 */
import { performance } from 'node:perf_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { Knex } from 'knex';
import { z } from 'zod';
import { Waymark, callTool, db, defineTool } from '../src/index.js';

/**
 * In-memory hooks a step probe calls around its measured loop. Not durable: the benchmark
 * never crashes a probe, so non-determinism here is harmless.
 */
export interface StepProbe {
  begin(workflowId: string): Promise<void>;
  lap(ms: number): void;
  /** Around step `traceStep` only: the statements in between are kept in order (one call's SQL). */
  traceStart(): void;
  traceStop(): void;
  end(): Promise<void>;
}

/**
 * What one measured step of a probe is:
 *   - noop:       a no-op `@DBOS.step()`;
 *   - txWrite:    a Waymark `@db.transaction()` with one INSERT;
 *   - toolRead:   `callTool` of a read tool whose `run` does no I/O (distinct arguments per call);
 *   - toolWrite:  `callTool` of a non-idempotent write tool whose `run` does no I/O (distinct
 *                 arguments per call, so each records intent and outcome);
 *   - toolLedger: `callTool` of the write tool with arguments it already succeeded with in this
 *                 run (made before the window), so the ledger answers without calling `run`.
 */
export type ProbeOp = 'noop' | 'txWrite' | 'toolRead' | 'toolWrite' | 'toolLedger';
export const PROBE_OPS = ['noop', 'txWrite', 'toolRead', 'toolWrite', 'toolLedger'] as const satisfies readonly ProbeOp[];

/** The step whose statements a probe traces (the second: the first may still warm a code path). */
export const TRACE_STEP = 1;

/** Times `run` was really called, per tool (checks that every measured call executed, or did not). */
export const toolRuns = { read: 0, write: 0 };

/** A read tool that does no I/O. */
export const benchReadTool = defineTool({
  name: 'bench.read',
  effect: 'read',
  input: z.object({ n: z.number().int() }),
  output: z.object({ n: z.number().int() }),
  async run(input) {
    toolRuns.read++;
    return { n: input.n };
  },
});

/**
 * A write tool that does no I/O. Not idempotent (the default and the strictest kind); on the
 * success path that changes nothing: every write records its intent before `run` and its
 * outcome after, whatever its nature.
 */
export const benchWriteTool = defineTool({
  name: 'bench.write',
  effect: 'write',
  idempotent: false,
  input: z.object({ n: z.number().int() }),
  output: z.object({ n: z.number().int() }),
  async run(input) {
    toolRuns.write++;
    return { n: input.n };
  },
});

const probes = new Map<string, StepProbe>();

/** Makes `probe` available to the step-probe workflow started with `{ probe: id }`. */
export function registerProbe(id: string, probe: StepProbe): () => void {
  probes.set(id, probe);
  return () => probes.delete(id);
}

export class BenchWorkflows {
  /** A plain step that does nothing. */
  @DBOS.step()
  static async noop(i: number): Promise<number> {
    return i;
  }

  /** A Waymark transactional write: one business row, committed with its completion row. */
  @db.transaction()
  static async insertRow(i: number): Promise<number> {
    await db.client('bench_rows').insert({ run_id: DBOS.workflowID, n: i });
    return i;
  }

  /** The N-step chain of no-op steps. */
  @Waymark.workflow({
    name: 'bench.chain',
    description: 'Benchmark: a chain of no-op steps.',
    input: z.object({ steps: z.number().int().min(1).max(10_000) }),
  })
  static async chain(input: { steps: number }): Promise<number> {
    let sum = 0;
    for (let i = 0; i < input.steps; i++) sum += await BenchWorkflows.noop(i);
    return sum;
  }

  /** Runs `steps` steps of one kind between the probe's begin and end. */
  @Waymark.workflow({
    name: 'bench.step-probe',
    description: 'Benchmark: measured no-op steps, transactional writes or tool calls.',
    input: z.object({ probe: z.string().min(1), steps: z.number().int().min(1).max(100_000), op: z.enum(PROBE_OPS) }),
  })
  static async stepProbe(input: { probe: string; steps: number; op: ProbeOp }): Promise<number> {
    const probe = probes.get(input.probe);
    const workflowId = DBOS.workflowID;
    if (!probe || !workflowId) throw new Error(`step probe '${input.probe}' is not registered in this process`);
    // The ledger case needs calls that already succeeded in this run: make them before the window.
    if (input.op === 'toolLedger') for (let i = 0; i < input.steps; i++) await callTool(benchWriteTool, { n: i });
    await probe.begin(workflowId);
    for (let i = 0; i < input.steps; i++) {
      if (i === TRACE_STEP) probe.traceStart();
      const t = performance.now();
      switch (input.op) {
        case 'noop': await BenchWorkflows.noop(i); break;
        case 'txWrite': await BenchWorkflows.insertRow(i); break;
        case 'toolRead': await callTool(benchReadTool, { n: i }); break;
        case 'toolWrite': case 'toolLedger': await callTool(benchWriteTool, { n: i }); break;
      }
      probe.lap(performance.now() - t);
      if (i === TRACE_STEP) probe.traceStop();
    }
    await probe.end();
    return input.steps;
  }
}

export const benchChain = Waymark.definitionOf(BenchWorkflows.chain);

export const benchStepProbe = Waymark.definitionOf(BenchWorkflows.stepProbe);

/** Business tables of the benchmark (Waymark's beforeLaunch hook). */
export async function createBenchTables({ knex }: { knex: Knex }): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, run_id text, n int NOT NULL);
    CREATE TABLE IF NOT EXISTS bench_raw_inserts (id bigserial PRIMARY KEY, n int NOT NULL);`);
}
