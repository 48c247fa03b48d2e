/**
 * Query accounting at the `pg` driver. Wraps `pg.Client.prototype.query` (which pools, knex
 * and DBOS all end up calling) and, for clients connected to the benchmark database, counts
 * statements and the transactions they form: an autocommit statement is one transaction, a
 * BEGIN … COMMIT/ROLLBACK block is one. Each statement is also attributed to the DBOS workflow
 * it was issued from (`DBOS.workflowID` at call time), and its SQL text can be captured for the
 * per-statement breakdown. It also keeps the connected clients, so a measurement can make each
 * backend flush its pending statistics (`pg_stat_force_next_flush()`).
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';

/** Running totals; subtract two snapshots to get a window's counts. */
export interface Counts {
  queries: number;
  transactions: number;
  /** Statements issued from a watched workflow or client (see {@link watchWorkflow}). */
  watchedQueries: number;
  watchedTransactions: number;
}

/** Grouped SQL text of the statements seen while a capture was on. */
export interface Capture {
  /** Stops capturing; returns statement text (normalised) -> count. */
  stop(): Map<string, number>;
}

/** One statement of a trace, in issue order. */
export interface TracedStatement {
  sql: string;
  /** 1-based number of the transaction (driver view) the statement belongs to, within the trace. */
  tx: number;
  /** Whether it ran outside BEGIN…COMMIT (an autocommit statement). */
  autocommit: boolean;
}

interface ClientState {
  inTransaction: boolean;
}

type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;

const totals: Counts = { queries: 0, transactions: 0, watchedQueries: 0, watchedTransactions: 0 };
const states = new WeakMap<pg.Client, ClientState>();
const liveClients = new Set<pg.Client>();
const watched = new Set<string>();
const watchedClients = new WeakSet<pg.Client>();
let database: string | undefined;
let capture: { filter: (workflowId: string | undefined) => boolean; statements: Map<string, number> } | undefined;
let trace: { filter: (workflowId: string | undefined) => boolean; statements: TracedStatement[] } | undefined;
let originalQuery: QueryFn | undefined;
const listeners = new Set<StatementListener>();

/**
 * Sees every statement of the benchmark database as it is issued: the client, the SQL text
 * and the DBOS workflow it was issued from (undefined outside a workflow).
 */
export type StatementListener = (client: pg.Client, sql: string, workflowId: string | undefined) => void;

/** Calls `fn` for every statement from now on; returns the function that stops it. */
export function onStatement(fn: StatementListener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Installs the wrapper (once, before any query the benchmark wants to count). */
export function installQueryCounter(): void {
  if (originalQuery) return;
  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  originalQuery = original;
  proto.query = function countedQuery(this: pg.Client, ...args: unknown[]): unknown {
    if (database !== undefined && this.database === database) record(this, sqlText(args[0]));
    return original.apply(this, args);
  };
}

/** Counts only clients connected to this database (the benchmark's fresh database). */
export function countDatabase(name: string): void {
  database = name;
}

/** Current totals. */
export function counts(): Counts {
  return { ...totals };
}

/** Difference of two snapshots. */
export function countsBetween(a: Counts, b: Counts): Counts {
  return {
    queries: b.queries - a.queries,
    transactions: b.transactions - a.transactions,
    watchedQueries: b.watchedQueries - a.watchedQueries,
    watchedTransactions: b.watchedTransactions - a.watchedTransactions,
  };
}

/** Attributes the statements a workflow issues (inside it and its steps) to the watched counts. */
export function watchWorkflow(workflowId: string): () => void {
  watched.add(workflowId);
  return () => watched.delete(workflowId);
}

/** Attributes every statement of `client` to the watched counts (raw driver benchmarks). */
export function watchClient(client: pg.Client): void {
  watchedClients.add(client);
}

/** Captures normalised SQL of statements whose issuing workflow passes `filter` (all by default). */
export function startCapture(filter: (workflowId: string | undefined) => boolean = () => true): Capture {
  const statements = new Map<string, number>();
  capture = { filter, statements };
  return {
    stop: () => {
      capture = undefined;
      return statements;
    },
  };
}

/**
 * Records, in order, the statements whose issuing workflow passes `filter`, with the
 * transaction each belongs to. For one operation's statement list.
 */
export function startTrace(filter: (workflowId: string | undefined) => boolean): { stop(): TracedStatement[] } {
  const statements: TracedStatement[] = [];
  trace = { filter, statements };
  traceTx.clear();
  traceTxCount = 0;
  return {
    stop: () => {
      trace = undefined;
      traceTx.clear();
      return statements;
    },
  };
}

/** Transaction numbering of the running trace, per client (a transaction stays on one client). */
const traceTx = new Map<pg.Client, number>();
let traceTxCount = 0;

/**
 * Reading a relation matters: a backend with no pending relation stats skips its flush
 * entirely ("nothing to do"), leaving this statement's own commit unreported, so the number of
 * flush transactions to subtract would be wrong. With a relation scanned, every flush statement
 * reports itself (checked: N idle clients -> exactly N xacts per round).
 */
const FLUSH_SQL = 'SELECT pg_stat_force_next_flush() FROM pg_catalog.pg_namespace LIMIT 1';

/**
 * Asks every idle benchmark-database backend to flush its pending statistics now (PG >= 15:
 * `pg_stat_force_next_flush()` takes effect when the backend goes idle, i.e. before the
 * statement's result reaches us). Busy clients are retried briefly. Returns how many flush
 * statements ran: each is one committed transaction in pg_stat_database, not in our counts.
 */
export async function flushBackendStats(): Promise<number> {
  if (!originalQuery) return 0;
  const query = originalQuery;
  let flushed = 0;
  let pending = [...liveClients];
  for (let attempt = 0; attempt < 5 && pending.length > 0; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 20));
    const busy: pg.Client[] = [];
    await Promise.all(
      pending.map(async (c) => {
        if (!isIdle(c)) {
          busy.push(c);
          return;
        }
        try {
          await (query.call(c, FLUSH_SQL) as Promise<unknown>);
          flushed++;
        } catch {
          // The client closed meanwhile (pool idle timeout): its backend flushed on exit.
        }
      }),
    );
    pending = busy;
  }
  return flushed;
}

/** Clients connected to the benchmark database that have issued a statement and are still open. */
export function liveClientCount(): number {
  return liveClients.size;
}

function record(client: pg.Client, sql: string): void {
  let state = states.get(client);
  if (!state) {
    state = { inTransaction: false };
    states.set(client, state);
    liveClients.add(client);
    client.once('end', () => liveClients.delete(client));
  }
  const workflowId = DBOS.workflowID;
  for (const l of listeners) l(client, sql, workflowId);
  const isWatched = (workflowId !== undefined && watched.has(workflowId)) || watchedClients.has(client);
  totals.queries++;
  if (isWatched) totals.watchedQueries++;
  if (capture?.filter(workflowId)) {
    const key = normalise(sql);
    capture.statements.set(key, (capture.statements.get(key) ?? 0) + 1);
  }
  const head = sql.trimStart().slice(0, 20).toUpperCase();
  if (trace?.filter(workflowId)) {
    let tx: number;
    if (state.inTransaction) tx = traceTx.get(client) ?? ++traceTxCount;
    else tx = ++traceTxCount;
    if (/^(BEGIN|START TRANSACTION)\b/.test(head)) traceTx.set(client, tx);
    trace.statements.push({ sql: normalise(sql), tx, autocommit: !state.inTransaction && !/^(BEGIN|START TRANSACTION)\b/.test(head) });
  }
  let completesTransaction = false;
  if (/^(BEGIN|START TRANSACTION)\b/.test(head)) {
    state.inTransaction = true;
  } else if (/^(COMMIT|END|ABORT)\b/.test(head) || (/^ROLLBACK\b/.test(head) && !/^ROLLBACK\s+TO\b/.test(head))) {
    completesTransaction = state.inTransaction;
    state.inTransaction = false;
  } else if (!state.inTransaction) {
    completesTransaction = true; // autocommit statement
  }
  if (completesTransaction) {
    totals.transactions++;
    if (isWatched) totals.watchedTransactions++;
  }
}

function isIdle(c: pg.Client): boolean {
  // pg keeps these private; a client with an active or queued query must not be interleaved.
  const internals = c as unknown as { _activeQuery?: unknown; _queryQueue?: unknown[]; _ending?: boolean; _connected?: boolean };
  if (internals._ending || internals._connected === false) return false;
  if (states.get(c)?.inTransaction) return false;
  return !internals._activeQuery && (internals._queryQueue?.length ?? 0) === 0;
}

function sqlText(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'text' in arg && typeof arg.text === 'string') return arg.text;
  return '';
}

/** One line, collapsed whitespace, schema-qualified names kept; long statements truncated. */
export function normalise(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim().replace(/;$/, '');
  return oneLine.length > 150 ? `${oneLine.slice(0, 147)}...` : oneLine;
}
