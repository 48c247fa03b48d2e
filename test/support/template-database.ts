/**
 * @module template-database
 * One migrated template database per test run, cloned for each test file. Migrating (DBOS's
 * system schema plus migrations/*.sql) takes seconds; `CREATE DATABASE … TEMPLATE` a fraction
 * of that. scripts/with-test-db.ts creates the template before the test runner starts and drops
 * it afterwards; test/helpers.ts clones it.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { quoteIdent } from '../../src/runtime/database.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';

/** Environment variable naming the run's template database (set by scripts/with-test-db.ts). */
export const TEMPLATE_ENV = 'WAYMARK_TEST_TEMPLATE_DB';

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Runs `fn` with a client on the server's `postgres` database. */
export async function withAdmin<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * The template's name: a hash of the migrations (so a stale one is recognisable) and this
 * process's id (so two test runs on one server never share, or drop, each other's template).
 */
export function templateName(pid = process.pid): string {
  const hash = createHash('sha256');
  for (const m of loadMigrations()) hash.update(`${m.version}:${m.name}\n${m.sql}\n`);
  return `wm_template_${hash.digest('hex').slice(0, 10)}_${pid}`;
}

/**
 * Creates and migrates the template database, then closes it to connections: Postgres refuses
 * to clone a database that anyone is connected to, so no test may ever connect to it.
 *
 * @example
 * ```ts
 * const name = await createTemplateDatabase(process.env.DATABASE_URL!);
 * ```
 */
export async function createTemplateDatabase(serverUrl: string, name = templateName()): Promise<string> {
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  try {
    await migrate(withDatabase(serverUrl, name));
    await withAdmin(serverUrl, async (c) => {
      await c.query(`ALTER DATABASE ${quoteIdent(name)} WITH ALLOW_CONNECTIONS false`);
      // Closed pools may still be saying goodbye; nobody new can connect from here on.
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    });
  } catch (e) {
    await dropDatabase(serverUrl, name);
    throw e;
  }
  return name;
}

/**
 * Creates database `name` as a copy of `template`. Retries while the template "is being
 * accessed by other users" (SQLSTATE 55006), which a backend still exiting can cause.
 */
export async function cloneDatabase(serverUrl: string, template: string, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await withAdmin(serverUrl, async (c) => {
    for (;;) {
      try {
        await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== '55006' || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
}

/**
 * Drops database `name` once its connections are gone, forcing them off after `graceMs`.
 * Closed pools may still be closing their sockets; terminating them mid-close would make
 * them raise errors in a test process that has already moved on.
 */
export async function dropDatabase(serverUrl: string, name: string, graceMs = 5_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  await withAdmin(serverUrl, async (c) => {
    for (;;) {
      try {
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== '55006') throw e; // object_in_use
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
}
