/**
 * Runs a command (the test runner) with DATABASE_URL pointing at a Postgres server: the one
 * already in DATABASE_URL, or a throwaway embedded server started here and removed afterwards.
 * Before the command starts, one template database is created and migrated on that server
 * (its name in WAYMARK_TEST_TEMPLATE_DB); each test file clones it (test/helpers.ts), and it is
 * dropped when the command ends.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/runtime/embedded-postgres.js';
import { TEMPLATE_ENV, createTemplateDatabase, dropDatabase } from '../test/support/template-database.js';

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
const serverUrl = process.env.DATABASE_URL;
let template: string | undefined;
let code = 1;
try {
  template = await createTemplateDatabase(serverUrl);
  process.env[TEMPLATE_ENV] = template;
  console.log(`template database: ${template}`);
  const child = spawn(cmd, args, { stdio: 'inherit', env: process.env });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
} finally {
  if (template) await dropDatabase(serverUrl, template).catch((e: unknown) => console.error(`could not drop ${template}: ${String(e)}`));
  await pg?.stop();
}
process.exit(code);
