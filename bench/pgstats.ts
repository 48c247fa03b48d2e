/**
 * Server-side measurement windows. A snapshot makes every idle benchmark backend flush its
 * statistics (see counters.ts), then reads, from a connection to another database (so the
 * reads do not count): the benchmark database's `xact_commit + xact_rollback` from
 * pg_stat_database, the WAL insert position (`pg_current_wal_insert_lsn()`, cluster-wide), the
 * transactions of all other databases (a noise indicator on a shared server) and the
 * checkpoint count (a checkpoint inside a window inflates WAL with full-page images).
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { counts, countsBetween, flushBackendStats, type Counts } from './counters.js';

interface StatSnapshot {
  xacts: number;
  /** Transactions of every other database (except the one the reader is connected to). */
  others: Map<string, number>;
  walLsn: bigint;
  checkpoints: number;
}

/** What happened on the benchmark database between two snapshots. */
export interface WindowDelta {
  ms: number;
  /** Driver-side counts (queries, transactions) of the benchmark database. */
  driver: Counts;
  /** pg_stat_database transactions of the benchmark database (flush statements excluded). */
  xacts: number;
  /** WAL bytes written by the whole cluster. */
  walBytes: number;
  /** Transactions other databases reported meanwhile (0 on a dedicated server). */
  otherXacts: number;
  checkpoint: boolean;
}

/** Activity per millisecond while the benchmark is idle (queue polling, timers). */
export interface Background {
  queriesPerMs: number;
  transactionsPerMs: number;
  xactsPerMs: number;
  walBytesPerMs: number;
}

interface Snapshot {
  t: number;
  driver: Counts;
  stat: StatSnapshot;
  flushes: number;
}

/** Reads pg_stat_database and the WAL position for one database. */
export class StatsReader {
  readonly #client: pg.Client;
  readonly #database: string;
  readonly #checkpointSql: string;

  private constructor(client: pg.Client, database: string, checkpointSql: string) {
    this.#client = client;
    this.#database = database;
    this.#checkpointSql = checkpointSql;
  }

  /** Connects to `adminUrl` (a database other than the measured one). */
  static async open(adminUrl: string, database: string): Promise<StatsReader> {
    const client = new pg.Client({ connectionString: adminUrl, application_name: 'waymark-bench-stats' });
    await client.connect();
    const { rows } = await client.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
    // PG 17 moved checkpoint counters from pg_stat_bgwriter to pg_stat_checkpointer.
    const checkpointSql = (rows[0]?.v ?? 0) >= 170000
      ? '(SELECT num_timed + num_requested FROM pg_stat_checkpointer)'
      : '(SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)';
    return new StatsReader(client, database, checkpointSql);
  }

  async read(): Promise<StatSnapshot> {
    // Each statement is its own transaction, so the cached stats snapshot is fresh anyway;
    // clearing it says so explicitly.
    await this.#client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await this.#client.query<{ datname: string; xacts: string; lsn: string; checkpoints: string }>(
      `SELECT datname, xact_commit + xact_rollback AS xacts,
              pg_current_wal_insert_lsn()::text AS lsn, ${this.#checkpointSql} AS checkpoints
         FROM pg_stat_database WHERE datname IS NOT NULL AND datname <> current_database()`,
    );
    const mine = rows.find((r) => r.datname === this.#database);
    if (!mine) throw new Error(`pg_stat_database has no row for ${this.#database}`);
    const others = new Map(rows.filter((r) => r !== mine).map((r) => [r.datname, Number(r.xacts)]));
    return { xacts: Number(mine.xacts), others, walLsn: parseLsn(mine.lsn), checkpoints: Number(mine.checkpoints) };
  }

  /** Runs a SELECT on the admin connection (version, settings). */
  async scalar(sql: string): Promise<string> {
    const { rows } = await this.#client.query<{ v: string }>(`SELECT (${sql})::text AS v`);
    return rows[0]?.v ?? '';
  }

  async close(): Promise<void> {
    await this.#client.end();
  }
}

/** A measurement window: `begin()` before the work, `end()` right after it. */
export class Window {
  readonly #stats: StatsReader;
  #start: Snapshot | undefined;

  constructor(stats: StatsReader) {
    this.#stats = stats;
  }

  async begin(): Promise<void> {
    const flushes = await flushBackendStats();
    const stat = await this.#stats.read();
    this.#start = { t: performance.now(), driver: counts(), stat, flushes };
  }

  async end(): Promise<WindowDelta> {
    const start = this.#start;
    if (!start) throw new Error('Window.end() before begin()');
    const t = performance.now();
    const driver = counts();
    const flushes = await flushBackendStats();
    const stat = await this.#stats.read();
    return {
      ms: t - start.t,
      driver: countsBetween(start.driver, driver),
      // The end snapshot's flush statements are committed transactions of their own.
      xacts: stat.xacts - start.stat.xacts - flushes,
      walBytes: Number(stat.walLsn - start.stat.walLsn),
      otherXacts: otherActivity(start.stat.others, stat.others),
      checkpoint: stat.checkpoints !== start.stat.checkpoints,
    };
  }
}

/** Measures idle activity for `ms`. */
export async function measureBackground(stats: StatsReader, ms: number): Promise<Background> {
  const w = new Window(stats);
  await w.begin();
  await new Promise((r) => setTimeout(r, ms));
  const d = await w.end();
  return {
    queriesPerMs: d.driver.queries / d.ms,
    transactionsPerMs: d.driver.transactions / d.ms,
    xactsPerMs: d.xacts / d.ms,
    walBytesPerMs: d.walBytes / d.ms,
  };
}

/** Sums windows (several rounds of one scenario). */
export function sumDeltas(ds: readonly WindowDelta[]): WindowDelta {
  const zero: WindowDelta = {
    ms: 0, xacts: 0, walBytes: 0, otherXacts: 0, checkpoint: false,
    driver: { queries: 0, transactions: 0, watchedQueries: 0, watchedTransactions: 0 },
  };
  return ds.reduce((s, d) => ({
    ms: s.ms + d.ms,
    xacts: s.xacts + d.xacts,
    walBytes: s.walBytes + d.walBytes,
    otherXacts: s.otherXacts + d.otherXacts,
    checkpoint: s.checkpoint || d.checkpoint,
    driver: {
      queries: s.driver.queries + d.driver.queries,
      transactions: s.driver.transactions + d.driver.transactions,
      watchedQueries: s.driver.watchedQueries + d.driver.watchedQueries,
      watchedTransactions: s.driver.watchedTransactions + d.driver.watchedTransactions,
    },
  }), zero);
}

/** Transactions other databases committed between two reads (databases created meanwhile count fully, dropped ones not). */
function otherActivity(a: Map<string, number>, b: Map<string, number>): number {
  let n = 0;
  for (const [db, x] of b) n += Math.max(0, x - (a.get(db) ?? 0));
  return n;
}

function parseLsn(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi ?? '0'}`) << 32n) + BigInt(`0x${lo ?? '0'}`);
}
