/**
 * Reproduces, deterministically, the bug the chaos run found after its Postgres restart
 * (see bench/CHAOS.md): a worker that loses its executor-lock connection keeps running
 * without the lock, so the next worker to start claims the same executor id, and its launch
 * recovery hands the first worker's in-flight run back to the queue while the first worker is
 * still executing it. The run then executes twice at once: the second execution finds the
 * charge `started` by its own call site and declares it in doubt (escalating the run), the
 * first one records the charge as succeeded over that, and the run waits forever for a
 * resolution that the API refuses (409: not in doubt).
 *
 * `npx tsx bench/chaos-repro-executor-lock.ts` (DATABASE_URL, else an embedded Postgres).
 * Prints each step's evidence and exits 1 when the bug shows (0 if it is fixed).
 *
 * The lost lock is caused here by terminating that one connection (pg_terminate_backend);
 * a Postgres restart, a failover or a proxy dropping idle connections does the same to all.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { quoteIdent } from '../src/runtime/database.js';
import { startEmbeddedPostgres, startWaymark, type EmbeddedPostgres } from '../src/index.js';
import { ChaosServer } from './chaos-server.js';
import { CHAOS_WORKFLOW, chaosWorkflows, createChaosTables } from './chaos-workflows.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const say = (s: string): void => console.log(s);

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function worker(databaseUrl: string, toolUrl: string): { pid: number; ready: Promise<string>; kill(): void } {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, CHAOS_TOOL_URL: toolUrl, WAYMARK_APP_VERSION: 'repro-1', WAYMARK_LEASE_TTL_MS: '3000', LOG_LEVEL: 'warn' };
  delete env.WAYMARK_EXECUTOR_ID;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/chaos-worker.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return {
    pid: child.pid ?? -1,
    ready: until('READY', () => Promise.resolve(/READY (\S+)/.exec(out)?.[1]), 60_000),
    kill: () => child.kill('SIGKILL'),
  };
}

async function main(): Promise<number> {
  let embedded: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'waymark-repro-pg-'));
    embedded = await startEmbeddedPostgres({ dataDir, persistent: false, fast: true });
    serverUrl = embedded.url;
  }
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const name = `waymark_repro_lock_${process.pid}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const adminPool = new pg.Pool({ connectionString: admin.toString(), max: 1 });
  await adminPool.query(`CREATE DATABASE ${quoteIdent(name)}`);
  const server = new ChaosServer([5, 10]);
  await server.start();
  const wm = await startWaymark({
    workflows: chaosWorkflows, beforeLaunch: createChaosTables, worker: false, http: false, env: {},
    config: { databaseUrl: url.toString(), appVersion: 'repro-1', logLevel: 'fatal', executorId: undefined },
  });
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  const workers: { kill(): void }[] = [];
  try {
    const a = worker(url.toString(), server.url);
    workers.push(a);
    const idA = await a.ready;
    say(`1. worker A (pid ${a.pid}) is READY as executor ${idA}`);

    server.trap('charges', 'r-1');
    const { run } = await wm.runs.start({ workflow: CHAOS_WORKFLOW, input: { orderId: 'r-1', cents: 100 } }, { actor: 'repro' });
    await until('the charge to reach the provider', () => Promise.resolve(server.isHanging('charges:r-1')));
    say(`2. run ${run.id}: A called the charge; the provider charged (${server.charges.length} charge) and has not answered yet`);

    const killed = await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'waymark-executor-lock' AND datname = current_database()`,
    );
    say(`3. A's executor-lock connection is terminated (${killed.rowCount} connection; a Postgres restart does this to every worker)`);
    await sleep(500);

    const b = worker(url.toString(), server.url);
    workers.push(b);
    const idB = await b.ready;
    say(`4. worker B (pid ${b.pid}) starts while A still runs: B is READY as executor ${idB}${idB === idA ? ' — THE SAME ID AS A' : ''}`);

    const escalated = await until('a second execution of the run', async () => {
      const r = await wm.runs.get(run.id);
      return r.phase === 'escalated' ? r : undefined;
    }, 15_000).catch(() => undefined);
    const starts = (await pool.query(`SELECT pid, executor_id FROM chaos_progress WHERE run_id = $1 AND what = 'start' ORDER BY at`, [run.id])).rows;
    say(`5. the run started executing ${starts.length} times (${starts.map((s) => `pid ${s.pid} as ${s.executor_id}`).join(', ')}) while A never died; phase: ${escalated?.phase ?? (await wm.runs.get(run.id)).phase}`);

    server.release('charges:r-1');
    await sleep(2_000);
    const call = (await pool.query(`SELECT key, status, attempts FROM waymark.tool_calls WHERE run_id = $1 AND tool = 'chaos.charge'`, [run.id])).rows[0];
    const attempts = (await pool.query(`SELECT attempt, outcome FROM waymark.tool_call_attempts WHERE key = $1 ORDER BY attempt`, [call?.key])).rows;
    say(`6. the provider answers A at last: the charge's ledger row is now '${call?.status}' (attempts: ${attempts.map((x) => `${x.attempt}:${x.outcome}`).join(', ')})`);

    let resolveAnswer = '';
    try {
      await wm.toolCalls.resolve(run.id, call.key, { happened: true, output: { chargeId: server.charges[0]!.id } }, { actor: 'repro' });
      resolveAnswer = 'accepted';
    } catch (e) {
      resolveAnswer = `refused: ${(e as Error).message}`;
    }
    await sleep(3_000);
    const final = await wm.runs.get(run.id);
    say(`7. an operator tries to resolve the escalation: ${resolveAnswer}`);
    say(`8. the run 5 s later: status ${final.status}, phase ${final.phase}; charges at the provider: ${server.charges.length}`);
    const bug = idB === idA || final.status !== 'SUCCESS';
    say(bug ? '\nBUG: two live workers shared an executor id and the run is stuck (escalated, but nothing to resolve).' : '\nNot reproduced: the run completed and executor ids stayed unique.');
    return bug ? 1 : 0;
  } finally {
    for (const w of workers) w.kill();
    await pool.end();
    await wm.stop();
    await server.stop();
    await adminPool.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).catch(() => {});
    await adminPool.end();
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
