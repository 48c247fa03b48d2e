/**
 * @module migrate
 * Applies `migrations/NNN_name.sql` in order, each in its own transaction, after bringing
 * DBOS's system schema up to date (our triggers sit on its tables). Safe when several
 * processes migrate at once; refuses a database whose schema is newer than this code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { SchemaVersionError, WaymarkError } from '../errors.js';
import { SYSTEM_SCOPE } from '../scope.js';
import { Database } from './gateway.js';

/** Schema holding DBOS's system tables in the application database. */
export const DBOS_SCHEMA = 'dbos';
/** Key of the transaction-scoped advisory lock taken by each migration file. */
const MIGRATION_LOCK_KEY = 0x5741594d; // 'WAYM'
/** Key of the session lock held around a whole migrate() (DBOS's migrations included). */
const SETUP_LOCK_KEY = 0x57415953; // 'WAYS'

/** One numbered migration file. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** What {@link migrate} did. */
export interface MigrationReport {
  applied: number[];
  current: number;
}

/**
 * Reads the migration files shipped with this package, in version order.
 *
 * @example
 * ```ts
 * const latest = loadMigrations().at(-1)?.version;
 * ```
 */
export function loadMigrations(dir = migrationsDir()): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: readFileSync(path.join(dir, f), 'utf8') }));
}

function migrationsDir(): string {
  // src/store/ when run from source, dist/src/store/ when built: walk up to the package root.
  for (let d = path.dirname(fileURLToPath(import.meta.url)); d !== path.dirname(d); d = path.dirname(d)) {
    const candidate = path.join(d, 'migrations');
    if (existsSync(path.join(d, 'package.json')) && existsSync(candidate)) return candidate;
  }
  throw new WaymarkError('migrations_missing', 'Cannot find the migrations/ directory of the Waymark package');
}

/**
 * Brings DBOS's system schema and Waymark's schema up to date.
 *
 * @example
 * ```ts
 * const { applied } = await migrate('postgresql://postgres@127.0.0.1:5432/app');
 * ```
 */
export async function migrate(databaseUrl: string, migrations: Migration[] = loadMigrations()): Promise<MigrationReport> {
  // DBOS's own migrator is not safe to run concurrently (duplicate keys, deadlocks), so the
  // whole setup is serialised by a session lock on a connection of its own.
  const lock = new pg.Client({ connectionString: databaseUrl, application_name: 'waymark-migrate-lock' });
  await lock.connect();
  try {
    await acquireSessionLock(lock, SETUP_LOCK_KEY);
    await DBOS.migrate(databaseUrl, { schemaName: DBOS_SCHEMA });
    return await applyMigrations(databaseUrl, migrations);
  } finally {
    // Closing the connection releases the lock.
    await lock.end();
  }
}

/**
 * Polls for a session advisory lock. A blocking pg_advisory_lock would leave a statement
 * waiting with an open snapshot, and DBOS's CREATE INDEX CONCURRENTLY in the lock holder would
 * wait for that statement: a deadlock Postgres cannot see.
 */
async function acquireSessionLock(client: pg.Client, key: number, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
    if (rows[0]?.ok) return;
    if (Date.now() > deadline) throw new WaymarkError('migration_lock_timeout', `Another process has been migrating this database for ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function applyMigrations(databaseUrl: string, migrations: Migration[]): Promise<MigrationReport> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => {}); // a dropped idle connection surfaces on the next query
  // Migrations may run long: no statement timeout.
  const db = new Database(pool, { statementTimeoutMs: 0 });
  const applied: number[] = [];
  try {
    await db.tx(SYSTEM_SCOPE, async (q) => {
      await q.query('CREATE SCHEMA IF NOT EXISTS waymark');
      await q.query(
        `CREATE TABLE IF NOT EXISTS waymark.schema_migrations (
           version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
    });
    const latest = migrations.at(-1)?.version ?? 0;
    for (const m of migrations) {
      const done = await db
        .tx(SYSTEM_SCOPE, async (q) => {
          // Concurrent migrators queue here; the loser then sees the row the winner wrote.
          await q.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
          await assertNotNewer(q, latest);
          const { rowCount } = await q.query('SELECT 1 FROM waymark.schema_migrations WHERE version = $1', [m.version]);
          if (rowCount) return false;
          await q.query(m.sql);
          await q.query('INSERT INTO waymark.schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          return true;
        })
        .catch((e: unknown) => {
          if (e instanceof WaymarkError) throw e;
          throw new WaymarkError('migration_failed', `Migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
        });
      if (done) applied.push(m.version);
    }
    return { applied, current: await db.read(SYSTEM_SCOPE, (q) => currentVersion(q)) };
  } finally {
    await pool.end();
  }
}

/**
 * Throws unless the database is at exactly the schema version this code expects.
 *
 * @example
 * ```ts
 * await assertSchemaCurrent(url); // before serving requests against an existing database
 * ```
 */
export async function assertSchemaCurrent(databaseUrl: string, migrations: Migration[] = loadMigrations()): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const latest = migrations.at(-1)?.version ?? 0;
    await assertNotNewer(client, latest);
    const current = await currentVersion(client);
    if (current < latest) {
      throw new SchemaVersionError(`Database is at Waymark schema version ${current}, this code needs ${latest}. Run 'waymark migrate'.`, 'schema_too_old');
    }
  } finally {
    await client.end();
  }
}

async function currentVersion(client: Pick<pg.ClientBase, 'query'>): Promise<number> {
  const exists = await client.query(`SELECT to_regclass('waymark.schema_migrations') IS NOT NULL AS present`);
  if (!(exists.rows[0] as { present: boolean }).present) return 0;
  const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM waymark.schema_migrations');
  return rows[0]?.v ?? 0;
}

async function assertNotNewer(client: Pick<pg.ClientBase, 'query'>, latest: number): Promise<void> {
  const current = await currentVersion(client);
  if (current > latest) {
    throw new SchemaVersionError(
      `Database is at Waymark schema version ${current}, but this Waymark only knows versions up to ${latest}. ` +
        `A newer Waymark has migrated it; running this older code against it would be unsafe. Upgrade Waymark.`,
    );
  }
}
