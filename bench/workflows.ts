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
import { db, defineWorkflow } from '../src/index.js';

/**
 * In-memory hooks a step probe calls around its measured loop. Not durable: the benchmark
 * never crashes a probe, so non-determinism here is harmless.
 */
export interface StepProbe {
  begin(workflowId: string): Promise<void>;
  lap(ms: number): void;
  end(): Promise<void>;
}

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
  @DBOS.workflow()
  static async chain(input: { steps: number }): Promise<number> {
    let sum = 0;
    for (let i = 0; i < input.steps; i++) sum += await BenchWorkflows.noop(i);
    return sum;
  }

  /** Runs `steps` steps of one kind between the probe's begin and end. */
  @DBOS.workflow()
  static async stepProbe(input: { probe: string; steps: number; write: boolean }): Promise<number> {
    const probe = probes.get(input.probe);
    const workflowId = DBOS.workflowID;
    if (!probe || !workflowId) throw new Error(`step probe '${input.probe}' is not registered in this process`);
    await probe.begin(workflowId);
    for (let i = 0; i < input.steps; i++) {
      const t = performance.now();
      if (input.write) await BenchWorkflows.insertRow(i);
      else await BenchWorkflows.noop(i);
      probe.lap(performance.now() - t);
    }
    await probe.end();
    return input.steps;
  }
}

export const benchChain = defineWorkflow({
  name: 'bench.chain',
  description: 'Benchmark: a chain of no-op steps.',
  input: z.object({ steps: z.number().int().min(1).max(10_000) }),
  workflow: BenchWorkflows.chain,
});

export const benchStepProbe = defineWorkflow({
  name: 'bench.step-probe',
  description: 'Benchmark: measured no-op or transactional-write steps.',
  input: z.object({ probe: z.string().min(1), steps: z.number().int().min(1).max(100_000), write: z.boolean() }),
  workflow: BenchWorkflows.stepProbe,
});

/** Business tables of the benchmark (Waymark's beforeLaunch hook). */
export async function createBenchTables({ knex }: { knex: Knex }): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, run_id text, n int NOT NULL);
    CREATE TABLE IF NOT EXISTS bench_raw_inserts (id bigserial PRIMARY KEY, n int NOT NULL);`);
}
