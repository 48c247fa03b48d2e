/**
 * Benchmark settings, read once from the environment. See run.ts for the list; every count
 * has a default sized to keep a run around 1-1.5 minutes on two cores.
 */

function intEnv(name: string, fallback: number): number {
  const v = process.env[name];
  const n = v ? Number(v) : fallback;
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer (got '${v}')`);
  return n;
}

/** The settings of this run. */
export const opts = {
  runs: intEnv('BENCH_RUNS', 400),
  runsSerial: intEnv('BENCH_RUNS_SERIAL', 40),
  rounds: Math.max(1, intEnv('BENCH_ROUNDS', 3)),
  inFlight: (process.env.BENCH_INFLIGHT ?? '1,16').split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0),
  chainSteps: Math.max(1, intEnv('BENCH_CHAIN_STEPS', 10)),
  steps: Math.max(1, intEnv('BENCH_STEPS', 200)),
  inserts: Math.max(1, intEnv('BENCH_INSERTS', 500)),
  idleMs: Math.max(200, intEnv('BENCH_IDLE_MS', 2000)),
  sql: process.env.BENCH_SQL !== '0',
  queuePollMs: Math.max(1, intEnv('BENCH_QUEUE_POLL_MS', 100)),
};
/** Runs in flight at most; also Waymark's concurrency and both queues' workerConcurrency. */
export const maxInFlight = Math.max(1, ...opts.inFlight);


/**
 * Limits for a benchmark's Waymark: high enough never to refuse a run or a request (the
 * per-tenant checks still run, so their cost is measured), the request rate limit off.
 */
export const BENCH_LIMITS = {
  tenantRunsPerMinute: 10_000_000,
  // BENCH_TENANT_IN_FLIGHT=0 turns the in-flight check off: it counts a tenant's unfinished runs
  // at every start, which with 100,000 parked runs costs more than the start itself.
  tenantRunsInFlight: intEnv('BENCH_TENANT_IN_FLIGHT', 100_000_000),
  rateLimitPerMinute: 0,
} as const;
