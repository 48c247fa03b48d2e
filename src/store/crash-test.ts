/**
 * @module store/crash-test
 * The SQL of `waymark crash-test`: scratch databases cloned from a migrated template (so a
 * crash test never touches the application's own data), and the facts it compares between an
 * uninterrupted run and each crashed one — business rows, the tool-call ledger, open waits.
 */
import pg from 'pg';
import { quoteIdent } from './admin.js';
import type { Queryable } from './gateway.js';

/** `url` with its database name replaced. */
export function withDatabaseName(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function withMaintenance<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: withDatabaseName(serverUrl, 'postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Creates database `name` on the server of `serverUrl`, empty or as a copy of `template`
 * (which nobody may be connected to: its leftover sessions are ended first).
 *
 * @example
 * ```ts
 * await createScratchDatabase(url, 'wm_crash_ab12_3', 'wm_crash_ab12_tpl');
 * ```
 */
export async function createScratchDatabase(serverUrl: string, name: string, template?: string): Promise<string> {
  await withMaintenance(serverUrl, async (c) => {
    if (template) {
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [template]);
      await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
    } else {
      await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
    }
  });
  return withDatabaseName(serverUrl, name);
}

/**
 * Drops a scratch database, ending the sessions of killed workers still attached to it.
 *
 * @example
 * ```ts
 * await dropScratchDatabase(url, 'wm_crash_ab12_3');
 * ```
 */
export async function dropScratchDatabase(serverUrl: string, name: string): Promise<void> {
  await withMaintenance(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** Rows of one business table, each as JSON text of its non-time columns. */
export type TableRows = Record<string, unknown>[];

/** Schemas that hold Waymark's, DBOS's and Postgres's own tables, never business rows. */
const SYSTEM_SCHEMAS = ['waymark', 'dbos', 'pg_catalog', 'information_schema'];
const TIME_TYPES = ['timestamp with time zone', 'timestamp without time zone', 'date', 'time with time zone', 'time without time zone', 'interval'];
/** Enough to compare what one run wrote; a table beyond it is compared by its first rows. */
const MAX_ROWS_PER_TABLE = 10_000;

/**
 * Every row of every business table (outside Waymark's and DBOS's schemas), without its
 * date and time columns, keyed by `schema.table`.
 *
 * @example
 * ```ts
 * const tables = await readBusinessTables(pool); // { 'public.orders': [{ id: 'o1', qty: 2 }] }
 * ```
 */
export async function readBusinessTables(db: Queryable): Promise<Record<string, TableRows>> {
  const { rows: tables } = await db.query<{ schema: string; name: string; skip: string[] | null }>(
    `SELECT t.table_schema AS schema, t.table_name AS name,
            (SELECT array_agg(c.column_name::text) FROM information_schema.columns c
              WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.data_type = ANY($2)) AS skip
     FROM information_schema.tables t
     WHERE t.table_type = 'BASE TABLE' AND t.table_schema <> ALL($1) AND t.table_schema NOT LIKE 'pg\\_%'
     ORDER BY 1, 2`,
    [SYSTEM_SCHEMAS, TIME_TYPES],
  );
  const out: Record<string, TableRows> = {};
  for (const t of tables) {
    const { rows } = await db.query<{ row: Record<string, unknown> }>(
      `SELECT to_jsonb(x) - $1::text[] AS row FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)} x LIMIT ${MAX_ROWS_PER_TABLE}`,
      [t.skip ?? []],
    );
    out[`${t.schema}.${t.name}`] = rows.map((r) => r.row);
  }
  return out;
}

/**
 * Runs the user's check query (read only) and returns its rows.
 *
 * @example
 * ```ts
 * await runCheckQuery(pool, 'SELECT count(*) FROM orders'); // [{ count: '1' }]
 * ```
 */
export async function runCheckQuery(pool: pg.Pool, sql: string): Promise<Record<string, unknown>[]> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN READ ONLY');
    const { rows } = await c.query<Record<string, unknown>>(sql);
    return rows;
  } finally {
    await c.query('ROLLBACK').catch(() => {});
    c.release();
  }
}

/** A tool call of a run as the ledger has it, with how many attempts may have reached the tool. */
export interface LedgerCall {
  key: string;
  tool: string;
  stepId: number;
  effect: 'read' | 'write';
  idempotent: boolean;
  status: string;
  result: unknown;
  /** Attempts that may have reached the tool (every attempt but those that never began). */
  attempts: number;
  /** Attempts recorded as in doubt. */
  inDoubt: number;
}

/**
 * The run's tool calls from `waymark.tool_calls` and their attempts.
 *
 * @example
 * ```ts
 * const calls = await readLedger(pool, runId);
 * ```
 */
export async function readLedger(db: Queryable, runId: string): Promise<LedgerCall[]> {
  const { rows } = await db.query<LedgerCall>(
    `SELECT c.key, c.tool, c.step_id AS "stepId", c.effect, c.idempotent, c.status, c.result,
            count(a.attempt)::int AS attempts, count(a.attempt) FILTER (WHERE a.outcome = 'in_doubt')::int AS "inDoubt"
     FROM waymark.tool_calls c LEFT JOIN waymark.tool_call_attempts a ON a.tenant_id = c.tenant_id AND a.key = c.key
     WHERE c.owner_run_id = $1
     GROUP BY c.tenant_id, c.key ORDER BY c.step_id, c.key`,
    [runId],
  );
  return rows;
}

/** Something a run waits for that a person or another system must answer. */
export interface OpenWait {
  kind: 'approval' | 'event';
  id: string;
  /** Event waits: the event type, key and accepted source (null: any). */
  type: string | null;
  key: string | null;
  source: string | null;
  /** Position among all the run's waits, by creation (0-based). */
  ordinal: number;
  open: boolean;
}

/**
 * The run's approvals and event waits in the order they were made, open or not.
 *
 * @example
 * ```ts
 * const open = (await readWaits(pool, runId)).filter((w) => w.open);
 * ```
 */
export async function readWaits(db: Queryable, runId: string): Promise<OpenWait[]> {
  const { rows } = await db.query<Omit<OpenWait, 'ordinal'>>(
    `SELECT * FROM (
       SELECT 'approval' AS kind, id, NULL AS type, NULL AS key, NULL AS source, status = 'pending' AS open, created_at
       FROM waymark.approvals WHERE run_id = $1
       UNION ALL
       SELECT 'event', id, type, key, source, status = 'waiting', created_at
       FROM waymark.event_waits WHERE run_id = $1) w
     ORDER BY created_at, id`,
    [runId],
  );
  return rows.map((r, ordinal) => ({ kind: r.kind, id: r.id, type: r.type, key: r.key, source: r.source, open: r.open, ordinal }));
}
