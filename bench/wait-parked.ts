/**
 * W4 of `npm run bench:waits`: Waymark's parked waits. `n` approval runs are started with a hot
 * window of 0, so each parks as soon as it waits (its execution ends; the run stays waiting in
 * `waymark.parked_runs`). Measured once all are parked: worker memory after GC, rows and bytes,
 * the load while they wait; then `wakes` of them are woken one at a time by `approvals.decide()`
 * (decision returned → the marker step after the wait starts, in the resumed run).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { memoryAfterGc, measureIdle, tableStats, type IdleRate, type MemorySnapshot, type TableStats, type WaitContext } from './wait-scenarios.js';
import { awaitMarker, benchApprovalWait, benchFirstStep, nowMs } from './wait-workflows.js';

/** One wake-up of a parked run. */
export interface ParkedWake {
  /** Decision call started / returned / marker step started (epoch ms). */
  t0: number;
  t1: number;
  step: number;
}

/** Result of W4 at one size. */
export interface ParkedWaits {
  n: number;
  startS: number;
  before: MemorySnapshot;
  parked: MemorySnapshot;
  tablesBefore: TableStats;
  tablesParked: TableStats;
  idle: IdleRate;
  wakes: ParkedWake[];
}

/** Sets the running Waymark's hot window (the bench switches it between scenarios). */
export function setHotWait(ctx: WaitContext, ms: number): void {
  (ctx.waymark.config as { hotWaitMs: number }).hotWaitMs = ms;
}

/** W4's runs parked now (their input numbers start at 1,000,000; a list of ids would grow to 100,000). */
const parkedCount = async (ctx: WaitContext): Promise<number> =>
  Number((await ctx.waymark.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM waymark.parked_runs p JOIN waymark.runs r ON r.id = p.run_id
     WHERE p.state = 'parked' AND r.workflow = $1 AND (r.input->>'n')::int >= 1000000`, [benchApprovalWait.name],
  )).rows[0]!.n);

/**
 * W4 at each of `sizes` (ascending): runs are started until that many are parked (the runs of
 * the smaller sizes stay parked), measured, and `wakes` of them woken one at a time, each after a
 * random pause of 0–200 ms (decisions arrive at random moments, not in step with the queue poll).
 */
export async function parkedWaits(ctx: WaitContext, stats: pg.Client, sizes: readonly number[], idleMs: number, wakes: number): Promise<ParkedWaits[]> {
  setHotWait(ctx, 0);
  const as = ctx.waymark.as({ actor: 'bench' });
  const before = await memoryAfterGc();
  const tablesBefore = await tableStats(stats);
  const ids: string[] = [];
  const results: ParkedWaits[] = [];
  const t0 = performance.now();
  for (const n of sizes) {
    ctx.progress(`parked: starting runs until ${n} are parked (hot window 0)`);
    let next = ids.length;
    // Started in batches: 32 start calls outstanding; each run parks on its own.
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < n) {
        const i = next++;
        ids.push((await as.runs.start({ workflow: benchApprovalWait.name, input: { n: 1_000_000 + i } })).run.id);
      }
    }));
    const deadline = performance.now() + 3_600_000;
    while ((await parkedCount(ctx)) < n - results.reduce((s, r) => s + r.wakes.length, 0)) {
      if (performance.now() > deadline) throw new Error(`${n} runs did not all park within an hour`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const startS = (performance.now() - t0) / 1000;
    ctx.progress(`parked: ${n} parked after ${startS.toFixed(1)} s; measuring`);
    const parkedMem = await memoryAfterGc();
    const tablesParked = await tableStats(stats);
    const idle = await measureIdle(idleMs);
    const { rows } = await ctx.waymark.pool.query<{ id: string; run_id: string }>(
      `SELECT id, run_id FROM waymark.approvals WHERE run_id = ANY($1) AND status = 'pending' LIMIT $2`, [ids, wakes],
    );
    ctx.progress(`parked: waking ${rows.length} of them one at a time`);
    const out: ParkedWake[] = [];
    for (const r of rows) {
      await new Promise((res) => setTimeout(res, Math.random() * 200));
      const step = awaitMarker(r.run_id);
      const s0 = nowMs();
      await as.approvals.decide(r.id, { decision: 'approve' });
      const s1 = nowMs();
      out.push({ t0: s0, t1: s1, step: await step });
    }
    results.push({ n, startS, before, parked: parkedMem, tablesBefore, tablesParked, idle, wakes: out });
  }
  return results;
}

/** Start → first step of a one-step run, one in flight (`runs` measured after 5 of warm-up). */
export async function firstStepLatency(ctx: WaitContext, runs: number): Promise<number[]> {
  const as = ctx.waymark.as({ actor: 'bench' });
  const out: number[] = [];
  for (let i = 0; i < runs + 5; i++) {
    const id = randomUUID();
    const step = awaitMarker(id);
    const s0 = nowMs();
    await as.runs.start({ workflow: benchFirstStep.name, input: {}, id });
    const t = await step;
    if (i >= 5) out.push(t - s0);
  }
  return out;
}
