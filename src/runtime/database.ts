/**
 * @module database
 * Decides which Postgres a process uses: `DATABASE_URL` when given (nothing is started), else
 * the project's embedded server — started here, or shared with the live Waymark process that
 * already runs it.
 */
import path from 'node:path';
import pg from 'pg';
import type { WaymarkConfig } from '../config.js';
import { findRunningEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';

/** The database a process works in, and how to let go of it. */
export interface DatabaseHandle {
  /** Connection URL of the application database (DBOS, Waymark and business tables). */
  url: string;
  /** Where it came from, for the start-up banner. */
  source: 'url' | 'embedded' | 'embedded-shared';
  /** Stops the embedded server if this process started it; otherwise does nothing. */
  close(): Promise<void>;
}

/**
 * Resolves (and if needed starts and creates) the application database.
 *
 * @example
 * ```ts
 * const db = await openDatabase(loadConfig());
 * // ... use db.url ...
 * await db.close();
 * ```
 */
export async function openDatabase(config: WaymarkConfig): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    await ensureDatabaseExists(config.databaseUrl);
    return { url: config.databaseUrl, source: 'url', close: async () => {} };
  }
  const dataDir = path.join(config.dataDir, 'postgres');
  const running = findRunningEmbeddedPostgres(dataDir);
  if (running) {
    const url = running.withDatabase(config.embeddedDbName);
    await ensureDatabaseExists(url);
    return { url, source: 'embedded-shared', close: async () => {} };
  }
  const server: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir, port: config.embeddedPgPort });
  try {
    const url = server.withDatabase(config.embeddedDbName);
    await ensureDatabaseExists(url);
    return { url, source: 'embedded', close: () => server.stop() };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

/**
 * Creates the database named in `url` when it does not exist yet (through the server's
 * `postgres` maintenance database). Safe to race: a concurrent creator wins quietly.
 *
 * @example
 * ```ts
 * await ensureDatabaseExists('postgresql://postgres@127.0.0.1:5432/my_app');
 * ```
 */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } catch (e) {
      // 42P04 duplicate_database, 23505: another process created it between our check and create.
      const code = (e as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw e;
    }
  } finally {
    await client.end();
  }
}

/**
 * Quotes an SQL identifier.
 *
 * @example
 * ```ts
 * quoteIdent('my"db'); // => "my""db"
 * ```
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
