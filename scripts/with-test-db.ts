/**
 * Runs a command (the test runner) with DATABASE_URL pointing at a Postgres server: the one
 * already in DATABASE_URL, or a throwaway embedded server started here and removed afterwards.
 * Test files create their own databases on that server.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/runtime/embedded-postgres.js';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: with-test-db <command> [args...]');
  process.exit(2);
}
let pg: EmbeddedPostgres | undefined;
if (!process.env.DATABASE_URL) {
  pg = await startEmbeddedPostgres({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'waymark-test-pg-')), persistent: false, fast: true });
  process.env.DATABASE_URL = pg.url;
  console.log(`test database: embedded Postgres on port ${pg.port}`);
} else {
  console.log(`test database: ${new URL(process.env.DATABASE_URL).host} (DATABASE_URL)`);
}
const child = spawn(cmd, args, { stdio: 'inherit', env: process.env });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
const code: number = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
await pg?.stop();
process.exit(code);
