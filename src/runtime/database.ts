/**
 * @module database
 * Decides which Postgres a process uses: `DATABASE_URL` when given (nothing is started), else
 * the project's embedded server — started here, or shared with the live Waymark process that
 * already runs it.
 */
import path from 'node:path';
import type { WaymarkConfig } from '../config.js';
import { WaymarkError } from '../errors.js';
import { ensureDatabaseExists } from '../store/admin.js';
import { findRunningEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';

/** The embedded server's port unless `WAYMARK_PG_PORT` says otherwise or it is taken. */
export const DEFAULT_EMBEDDED_PG_PORT = 54329;

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
  if (running && config.embeddedPgPort !== undefined && config.embeddedPgPort !== running.port) {
    throw new WaymarkError(
      'embedded_postgres_shared',
      `The embedded Postgres of ${config.dataDir} already runs on port ${running.port} (started by process ${running.ownerPid}), not on WAYMARK_PG_PORT=${config.embeddedPgPort}: unset WAYMARK_PG_PORT to share it, or set WAYMARK_DATA_DIR to another directory.`,
    );
  }
  if (running) {
    const url = running.withDatabase(config.embeddedDbName);
    await ensureDatabaseExists(url);
    return { url, source: 'embedded-shared', close: async () => {} };
  }
  const server: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir, port: config.embeddedPgPort, preferredPort: DEFAULT_EMBEDDED_PG_PORT });
  try {
    const url = server.withDatabase(config.embeddedDbName);
    await ensureDatabaseExists(url);
    return { url, source: 'embedded', close: () => server.stop() };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

export { ensureDatabaseExists, quoteIdent } from '../store/admin.js';
