/**
 * Where the benchmark runs: the server in DATABASE_URL, or else a throwaway embedded Postgres
 * (temporary directory, durable settings: fsync and synchronous_commit on). Either way the
 * benchmark works in a fresh database `waymark_bench_<pid>` that it drops at the end.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { quoteIdent } from '../src/runtime/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/server.js';

/** The benchmark database and how to get rid of it. */
export interface BenchDatabase {
  /** `DATABASE_URL` or `embedded Postgres (port N, dir)`. */
  source: string;
  name: string;
  /** URL of the fresh benchmark database. */
  url: string;
  /** URL of the server's `postgres` database (statistics reads, create/drop). */
  adminUrl: string;
  /** Drops the database and stops an embedded server. */
  dispose(): Promise<void>;
}

/** Creates the benchmark database on the chosen server. */
export async function openBenchDatabase(env: NodeJS.ProcessEnv = process.env): Promise<BenchDatabase> {
  let server: EmbeddedPostgres | undefined;
  let serverUrl: string;
  let source: string;
  if (env.DATABASE_URL) {
    serverUrl = env.DATABASE_URL;
    source = `DATABASE_URL (${new URL(serverUrl).host})`;
  } else {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'waymark-bench-pg-'));
    server = await startEmbeddedPostgres({ dataDir, persistent: false, fast: false });
    serverUrl = server.url;
    source = `embedded Postgres (port ${server.port}, ${dataDir}, fsync on)`;
  }
  const name = `waymark_bench_${process.pid}`;
  const adminUrl = withDatabase(serverUrl, 'postgres');
  try {
    await admin(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await admin(adminUrl, `CREATE DATABASE ${quoteIdent(name)}`);
  } catch (e) {
    await server?.stop();
    throw e;
  }
  return {
    source,
    name,
    url: withDatabase(serverUrl, name),
    adminUrl,
    dispose: async () => {
      try {
        await dropWhenIdle(adminUrl, name);
      } finally {
        await server?.stop();
      }
    },
  };
}

/**
 * Drops the database once its connections are gone. Closed pools may still be closing their
 * sockets; a forced drop would terminate them mid-close and make them log errors.
 */
async function dropWhenIdle(adminUrl: string, name: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await admin(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== '55006') throw e; // object_in_use
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await admin(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function admin(adminUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
