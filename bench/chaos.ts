/**
 * `npm run bench:chaos`: WaymarkServer under fire. Three worker processes run CHAOS_RUNS runs of a
 * workflow with business writes, an idempotent (compensable), a reconcilable and a
 * non-idempotent tool call against a counting local provider — a quarter of the orders also
 * wait for a delivery event sent at a random moment, a quarter ask an approver who decides at
 * random moments (and rejects some: those runs fail and compensate) — while a random worker is
 * SIGKILLed every 2–4 s and restarted, for CHAOS_SECONDS. Postgres is restarted twice (at a
 * third and two thirds of the kill phase) when this script runs its own embedded server
 * (DATABASE_URL unset); with DATABASE_URL set the shared server is never restarted. Prints a markdown report (see test/support/chaos-harness.ts for the checks)
 * and exits 1 if an invariant was broken.
 *
 * Settings (env): DATABASE_URL (else an embedded Postgres in a temporary directory),
 * CHAOS_RUNS (500), CHAOS_SECONDS (60), CHAOS_WORKERS (3), CHAOS_LEASE_TTL_MS (3000),
 * CHAOS_PG_DOWN_MS (2000: how long Postgres stays down), CHAOS_LATENCY_MS ("20,300"), CHAOS_KEEP=1
 * (with DATABASE_URL: keep the run's database for a post-mortem instead of dropping it).
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { quoteIdent } from '../src/runtime/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/server.js';
import { formatReport, runChaos } from '../test/support/chaos-harness.js';
import { guardUnhandledClientErrors } from '../test/support/chaos-pg-guard.js';

const num = (name: string, dflt: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got '${v}'`);
  return n;
};
const RUNS = num('CHAOS_RUNS', 500);
const SECONDS = num('CHAOS_SECONDS', 60);
const WORKERS = num('CHAOS_WORKERS', 3);
const TTL = num('CHAOS_LEASE_TTL_MS', 3_000);
const PG_DOWN_MS = num('CHAOS_PG_DOWN_MS', 2_000);
const LATENCY = (process.env.CHAOS_LATENCY_MS ?? '20,300').split(',').map(Number) as [number, number];

const t0 = performance.now();
const progress = (s: string): void => console.error(`[chaos ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function admin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function main(): Promise<number> {
  let server: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let serverUrl: string;
  let source: string;
  if (process.env.DATABASE_URL) {
    serverUrl = process.env.DATABASE_URL;
    source = `DATABASE_URL (${new URL(serverUrl).host}); Postgres restart skipped: the shared server is never restarted`;
  } else {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'waymark-chaos-pg-'));
    server = await startEmbeddedPostgres({ dataDir, persistent: true });
    serverUrl = server.url;
    source = `embedded Postgres (port ${server.port}, ${dataDir}, fsync on), restarted twice (down ${PG_DOWN_MS} ms each)`;
  }
  const dbName = `waymark_chaos_${process.pid}`;
  const adminUrl = withDatabase(serverUrl, 'postgres');
  const logFile = path.join(os.tmpdir(), `waymark-chaos-${process.pid}-workers.log`);
  progress(`database ${dbName} on ${source}; worker output in ${logFile}`);
  try {
    await admin(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(dbName)} WITH (FORCE)`);
    await admin(adminUrl, `CREATE DATABASE ${quoteIdent(dbName)}`);
    const versionClient = new pg.Client({ connectionString: adminUrl });
    await versionClient.connect();
    const pgVersion = (await versionClient.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
    await versionClient.end();

    const embedded = server;
    // Only needed when Postgres restarts under this process: see chaos-pg-guard.ts.
    let waymarkPool: pg.Pool | undefined;
    const guard = embedded
      ? guardUnhandledClientErrors({ owner: (c) => ((waymarkPool as any)?._clients?.includes(c) ? "Waymark's pool (waymark.pool)" : 'not waymark.pool') })
      : undefined;
    const report = await runChaos({
      databaseUrl: withDatabase(serverUrl, dbName),
      runs: RUNS,
      seconds: SECONDS,
      workers: WORKERS,
      leaseTtlMs: TTL,
      latencyMs: LATENCY,
      settleTimeoutMs: 300_000,
      log: progress,
      onStarted: (w) => (waymarkPool = w.pool),
      workerOutput: (slot, pid, chunk) => appendFileSync(logFile, chunk.split('\n').filter(Boolean).map((l) => `[slot ${slot} pid ${pid}] ${l}\n`).join('')),
      postgresRestart: embedded && dataDir
        ? {
            atMs: [(SECONDS * 1_000) / 3, (SECONDS * 2_000) / 3],
            restart: async () => {
              const port = server!.port;
              await server!.stop();
              await sleep(PG_DOWN_MS);
              server = await startEmbeddedPostgres({ dataDir, port, persistent: true });
            },
          }
        : undefined,
    });

    const cpus = os.cpus();
    console.log(`## Chaos run ${report.startedAt.toISOString()}\n`);
    console.log(`* Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}, Postgres ${pgVersion}`);
    console.log(`* Database: ${source}`);
    console.log(`* Command: ${process.env.DATABASE_URL ? 'DATABASE_URL=… ' : ''}CHAOS_RUNS=${RUNS} CHAOS_SECONDS=${SECONDS} npm run bench:chaos`);
    console.log(`* ${report.options.runs} runs, ${report.options.workers} workers, a SIGKILL every ${report.options.killIntervalMs.join('–')} ms for ${(report.killPhaseMs / 1000).toFixed(0)} s, lease TTL ${report.options.leaseTtlMs} ms, provider latency ${report.options.latencyMs.join('–')} ms; total ${(report.durationMs / 1000).toFixed(0)} s\n`);
    console.log(formatReport(report));
    if (guard) {
      guard.uninstall();
      console.log('\n### Unhandled pg client errors in the orchestrating process\n');
      if (!guard.errors.length) console.log('None: no checked-out client of this process lost its connection between statements.');
      else {
        console.log(`${guard.errors.length} — each would have crashed this process (an 'error' event without listener on a checked-out pg client); recorded instead:\n`);
        for (const e of guard.errors) console.log(`* ${e.at.toISOString()} ${e.code} ${e.message}; the client's last statement: \`${e.lastQuery}\`; pool: ${e.owner}`);
      }
    }
    return report.violations.length ? 1 : 0;
  } finally {
    try {
      if (process.env.CHAOS_KEEP === '1' && !dataDir) progress(`kept database ${dbName} (CHAOS_KEEP=1)`);
      else await admin(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(dbName)} WITH (FORCE)`);
    } catch (e) {
      progress(`could not drop ${dbName}: ${(e as Error).message}`);
    }
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
