/**
 * `npm run bench:wal`, a companion of the benchmark (not part of `npm run bench`): where a chain run's WAL
 * goes, by relation, for raw DBOS and for Waymark. Runs N chains of each kind, then reads the
 * WAL range with `pg_waldump` and keeps only records of the benchmark database (plus the
 * commit records of their transactions and MultiXact records), so other databases' writes on a
 * shared server do not count. Needs a local server whose pg_wal directory is readable:
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:wal
 * Settings: WAL_RUNS (100), WAL_INFLIGHT (1), PG_WALDUMP (default /usr/lib/postgresql/<major>/bin/pg_waldump).
 *
 * WAL_SCENARIO=tools instead splits the WAL of single operations inside a Waymark run (the step
 * probes of `npm run bench`, WAL_STEPS each, default 200): a no-op step, a read tool call, a
 * write tool call and a write call answered from the ledger; bytes per operation.
 * WAL_PREPARE_SQL: SQL run on the benchmark database after Waymark has started and migrated,
 * for what-if runs (e.g. `DROP INDEX waymark.tool_calls_in_doubt_idx`).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { startWaymark } from '../src/server.js';
import type { WaymarkServer } from '../src/server.js';
import { installCompletionHook, waitForCompletion } from './completions.js';
import { openBenchDatabase } from './database.js';
import { BENCH_LIMITS } from './options.js';
import { BenchWorkflows, benchChain, benchStepProbe, createBenchTables, registerProbe, type ProbeOp } from './workflows.js';

const RUNS = Number(process.env.WAL_RUNS ?? 100);
const IN_FLIGHT = Number(process.env.WAL_INFLIGHT ?? 1);
const SCENARIO = process.env.WAL_SCENARIO ?? 'chain';
const STEPS = Number(process.env.WAL_STEPS ?? 200);
const RECORD = /rmgr: (\S+)\s+len \(rec\/tot\):\s+\d+\/\s*(\d+), tx:\s+(\d+),.*desc: (\S+)/;

/** One step probe of `op` in a Waymark run; returns the WAL range of its measured loop. */
async function probeRange(waymark: WaymarkServer, op: ProbeOp, lsn: () => Promise<string>): Promise<{ from: string; to: string }> {
  const id = randomUUID();
  let from = '';
  let to = '';
  const unregister = registerProbe(id, {
    begin: async () => {
      from = await lsn();
    },
    lap: () => {},
    traceStart: () => {},
    traceStop: () => {},
    end: async () => {
      to = await lsn();
    },
  });
  try {
    const { run } = await waymark.as({ actor: 'bench' }).runs.start({ workflow: benchStepProbe.name, input: { probe: id, steps: STEPS, op } });
    await waitForCompletion(run.id);
  } finally {
    unregister();
  }
  return { from, to };
}

async function runChains(waymark: WaymarkServer, kind: 'dbos' | 'waymark'): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < RUNS) {
      next++;
      if (kind === 'dbos') {
        const id = randomUUID();
        const done = waitForCompletion(id);
        await DBOS.startWorkflow(BenchWorkflows.chain, { workflowID: id, queueName: 'bench_raw' })({ steps: 10 });
        await done;
      } else {
        const { run } = await waymark.as({ actor: 'bench' }).runs.start({ workflow: benchChain.name, input: { steps: 10 } });
        await waitForCompletion(run.id);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/** Bytes per relation (and MultiXact / commit records) of database `dbOid` in a pg_waldump listing. */
function attribute(dump: string, dbOid: string, relName: (filenode: string) => string): Map<string, number> {
  const bytes = new Map<string, number>();
  const add = (k: string, n: number): void => void bytes.set(k, (bytes.get(k) ?? 0) + n);
  const ours = new Set<string>();
  const commits: [string, number][] = [];
  for (const line of dump.split('\n')) {
    const m = RECORD.exec(line);
    if (!m) continue;
    const [, rmgr = '', tot = '0', tx = '0', desc = ''] = m;
    const rel = / rel \d+\/(\d+)\/(\d+)/.exec(line);
    if (rel) {
      if (rel[1] !== dbOid) continue;
      ours.add(tx);
      add(`${rmgr} ${relName(rel[2] ?? '')}${rmgr === 'Heap' && desc === 'LOCK' ? ' (row lock)' : ''}`, Number(tot));
    } else if (rmgr === 'Transaction') {
      commits.push([tx, Number(tot)]);
    } else if (rmgr === 'MultiXact') {
      add(`MultiXact ${desc}`, Number(tot));
    }
  }
  for (const [tx, n] of commits) if (ours.has(tx)) add('Transaction commit records', n);
  return bytes;
}

async function main(): Promise<void> {
  const bdb = await openBenchDatabase();
  let waymark: WaymarkServer | undefined;
  const client = new pg.Client({ connectionString: bdb.url });
  try {
    waymark = await startWaymark({
      workflows: [benchChain, benchStepProbe], worker: true, http: false, env: {}, beforeLaunch: createBenchTables,
      config: { databaseUrl: bdb.url, concurrency: Math.max(16, IN_FLIGHT), logLevel: 'warn', appName: 'waymark-bench', appVersion: 'bench-1', ...BENCH_LIMITS },
    });
    await DBOS.registerQueue('bench_raw', { workerConcurrency: Math.max(16, IN_FLIGHT), minPollingIntervalMs: 100 });
    installCompletionHook();
    await client.connect();
    if (process.env.WAL_PREPARE_SQL) await client.query(process.env.WAL_PREPARE_SQL);
    const q = async (sql: string): Promise<string> => (await client.query<{ v: string | null }>(`SELECT (${sql})::text AS v`)).rows[0]?.v ?? '';
    const dbOid = await q('SELECT oid FROM pg_database WHERE datname = current_database()');
    const walDir = path.join(await q(`current_setting('data_directory')`), 'pg_wal');
    const waldump = process.env.PG_WALDUMP ?? `/usr/lib/postgresql/${await q(`current_setting('server_version_num')::int / 10000`)}/bin/pg_waldump`;
    const names = async (): Promise<Map<string, string>> => new Map((await client.query<{ f: string; n: string }>(
      `SELECT pg_relation_filenode(oid)::text AS f, relnamespace::regnamespace || '.' || relname AS n
         FROM pg_class WHERE pg_relation_filenode(oid) IS NOT NULL`,
    )).rows.map((r) => [r.f, r.n]));
    if (SCENARIO === 'tools') {
      const ops = ['noop', 'toolRead', 'toolWrite', 'toolLedger'] as const;
      const byOp = new Map<string, Map<string, number>>();
      for (const op of ops) await probeRange(waymark, op, () => q('pg_current_wal_insert_lsn()')); // warm-up
      for (const op of ops) {
        const { from, to } = await probeRange(waymark, op, () => q('pg_current_wal_insert_lsn()'));
        const dump = execFileSync(waldump, ['-p', walDir, '-s', from, '-e', to], { maxBuffer: 1 << 30 }).toString();
        const relNames = await names();
        byOp.set(op, attribute(dump, dbOid, (f) => relNames.get(f) ?? `filenode ${f}`));
      }
      const keys = [...new Set([...byOp.values()].flatMap((m) => [...m.keys()]))];
      const per = (op: string, k: string): number => (byOp.get(op)?.get(k) ?? 0) / STEPS;
      keys.sort((a, b) => ops.reduce((s, op) => s + per(op, b) - per(op, a), 0));
      console.log(`WAL bytes per operation inside a Waymark run, ${STEPS} operations each (records of the benchmark database only)\n`);
      console.log(`| record | ${ops.join(' | ')} |\n|:--|${ops.map(() => '--:').join('|')}|`);
      for (const k of keys) console.log(`| ${k} | ${ops.map((op) => per(op, k).toFixed(0)).join(' | ')} |`);
      const total = (op: string): number => [...(byOp.get(op)?.values() ?? [])].reduce((a, b) => a + b, 0) / STEPS;
      console.log(`| **total** | ${ops.map((op) => total(op).toFixed(0)).join(' | ')} |`);
      return;
    }
    const results = new Map<string, Map<string, number>>();
    for (const kind of ['dbos', 'waymark'] as const) {
      const from = await q('pg_current_wal_insert_lsn()');
      await runChains(waymark, kind);
      const to = await q('pg_current_wal_insert_lsn()');
      // Right away: a checkpoint may recycle the segments.
      const dump = execFileSync(waldump, ['-p', walDir, '-s', from, '-e', to], { maxBuffer: 1 << 30 }).toString();
      const relNames = await names();
      results.set(kind, attribute(dump, dbOid, (f) => relNames.get(f) ?? `filenode ${f}`));
    }
    const keys = [...new Set([...results.values()].flatMap((m) => [...m.keys()]))];
    const per = (kind: string, k: string): number => (results.get(kind)?.get(k) ?? 0) / RUNS;
    keys.sort((a, b) => per('waymark', b) + per('dbos', b) - per('waymark', a) - per('dbos', a));
    console.log(`WAL bytes per run of a 10-step chain, ${RUNS} runs each, ${IN_FLIGHT} in flight (records of the benchmark database only)\n`);
    console.log('| record | raw DBOS B/run | Waymark B/run |\n|:--|--:|--:|');
    for (const k of keys) console.log(`| ${k} | ${per('dbos', k).toFixed(0)} | ${per('waymark', k).toFixed(0)} |`);
    const total = (kind: string): number => [...(results.get(kind)?.values() ?? [])].reduce((a, b) => a + b, 0) / RUNS;
    console.log(`| **total** | ${total('dbos').toFixed(0)} | ${total('waymark').toFixed(0)} |`);
  } finally {
    await client.end().catch(() => {});
    await waymark?.stop();
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
