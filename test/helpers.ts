/**
 * Shared test plumbing: a database per test file on the server in DATABASE_URL (a clone of the
 * run's migrated template unless asked for an empty one), Waymark started against it with a
 * real HTTP listener, and worker processes to SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { InstallationKeys } from '../src/installation-keys.js';
import { startWaymark, type ScopedWaymark, type WaymarkOptions, type WaymarkServer } from '../src/server.js';
import { ensureDatabaseExists } from '../src/store/admin.js';
import { migrate } from '../src/store/migrate.js';
import { TEMPLATE_ENV, cloneDatabase, dropDatabase, withDatabase } from './support/template-database.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The server every test file uses (set by scripts/with-test-db.ts). */
export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests with `npm test`');
  return url;
}

/** How {@link createTestDatabase} fills the new database. */
export interface TestDatabaseOptions {
  /**
   * `true` (the default): Waymark's schema and DBOS's system schema are already there, cloned
   * from the run's template database. `false`: an empty database, for tests of migrating itself.
   */
  migrated?: boolean;
}

/**
 * A fresh database for this test file. Call `dropTestDatabase` from the file's `after` hook.
 * Run outside scripts/with-test-db.ts (no template), a migrated database is migrated here.
 */
export async function createTestDatabase(label: string, opts: TestDatabaseOptions = {}): Promise<string> {
  const name = `wm_t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const url = withDatabase(serverUrl(), name);
  const template = process.env[TEMPLATE_ENV];
  if (opts.migrated === false) {
    await ensureDatabaseExists(url);
  } else if (template) {
    await cloneDatabase(serverUrl(), template, name);
  } else {
    await ensureDatabaseExists(url);
    await migrate(url);
  }
  return url;
}

/** Drops a database made by {@link createTestDatabase}. */
export async function dropTestDatabase(url: string): Promise<void> {
  await dropDatabase(serverUrl(), decodeURIComponent(new URL(url).pathname.slice(1)));
}

/**
 * Fresh temporary directories that the `postgres` OS user can enter (an embedded server runs as
 * that user when the tests run as root), removed after the file's tests. Register it after the
 * hook that stops whatever runs in them: `after` hooks run in registration order.
 */
export function useTempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    chmodSync(dir, 0o755);
    dirs.push(dir);
    return dir;
  };
}

/** A JSON request over real HTTP, authenticated with a key. */
export type Api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; type: string; body: any }>;

/**
 * A running Waymark as tests use it: the server, with its services bound to the caller `test`
 * (`w.runs.get(id)`); `w.as({ actor })` acts as someone else. `w.api` calls the HTTP API with an
 * admin key of tenant `default` (`w.adminKey`).
 */
export type TestWaymark = Omit<WaymarkServer, keyof ScopedWaymark | 'httpUrl'> &
  ScopedWaymark & {
    server: WaymarkServer;
    httpUrl: string;
    adminKey: string;
    api: Api;
    /** The HTTP API as a new key of tenant `default` (or `tenantId`) named `name` with `roles`. */
    apiAs(name: string, roles: string[], tenantId?: string): Promise<Api>;
  };

/**
 * An {@link Api} sending `authorization: Bearer <key>` to `base`.
 *
 * @example
 * ```ts
 * const asAda = apiWithKey(w.httpUrl, adaKey);
 * ```
 */
export function apiWithKey(base: string, key: string): Api {
  return (method, path, body, headers = {}) => http(base, method, path, body, { authorization: `Bearer ${key}`, ...headers });
}

/** Starts Waymark on `databaseUrl` with an HTTP listener on a free port. */
export async function startTestWaymark(databaseUrl: string, opts: WaymarkOptions = {}): Promise<TestWaymark> {
  const w = await startWaymark({
    http: true,
    ...opts,
    env: {},
    // Tests poll the API far faster than a client would: the request rate limit is off unless a test sets it.
    config: {
      databaseUrl, port: 0, host: '127.0.0.1', logLevel: 'warn', appVersion: 'test-1', executorId: undefined, rateLimitPerMinute: 0,
      // WAYMARK_TEST_HOT_WAIT_MS=0 runs a test file with every wait parking at once.
      ...(process.env.WAYMARK_TEST_HOT_WAIT_MS ? { hotWaitMs: Number(process.env.WAYMARK_TEST_HOT_WAIT_MS) } : {}),
      ...opts.config,
    },
  });
  if (!w.httpUrl && (opts.http ?? true)) throw new Error('no HTTP listener');
  const { key } = await w.keys.create(w.scope({ actor: 'test-setup' }), { name: 'test-admin', roles: ['admin'] });
  const httpUrl = w.httpUrl ?? '';
  const apiAs = async (name: string, roles: string[], tenantId?: string): Promise<Api> =>
    apiWithKey(httpUrl, (await w.keys.create(w.scope({ actor: 'test-setup', ...(tenantId ? { tenantId } : {}) }), { name, roles })).key);
  return { ...w, ...w.as({ actor: 'test' }), server: w, httpUrl, adminKey: key, api: apiWithKey(httpUrl, key), apiAs };
}

/** JSON over real HTTP. */
export async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    // Like any non-browser client: a state-changing request without a body says so with the CSRF header.
    headers: body === undefined ? (method === 'GET' ? headers : { 'x-waymark-csrf': '1', ...headers }) : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: parsed };
}

/** Polls `fn` until it returns a truthy value. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A worker process running test/fixtures/worker.ts, which prints READY <executorId> (then what DBOS runs under). */
export interface WorkerProcess {
  child: ChildProcess;
  executorId: string;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Spawns a real worker process against `databaseUrl`. It claims a free executor slot of the host
 * unless `env` pins WAYMARK_EXECUTOR_ID: one exported in the shell running the tests is not
 * passed on (every worker would be pinned to it, and all but the first refused).
 */
export async function spawnWorker(
  databaseUrl: string,
  env: Record<string, string> = {},
  opts: { args?: string[]; ready?: RegExp } = {},
): Promise<WorkerProcess> {
  const args = opts.args ?? [path.join(ROOT, 'test/fixtures/worker.ts')];
  const ready = opts.ready ?? /READY (\S+)/;
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    // Small pools: a test starts several workers, and the server's connections are shared.
    env: { ...process.env, WAYMARK_EXECUTOR_ID: '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', WAYMARK_APP_VERSION: 'test-1', WAYMARK_DB_POOL_SIZE: '4', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig)));
  const executorId = await Promise.race([
    waitFor('worker READY', () => Promise.resolve(ready.exec(out)?.[1]), 60_000),
    exited.then((c) => {
      throw new Error(`worker exited (${String(c)}) before READY:\n${out}`);
    }),
  ]);
  return { child, executorId, output: () => out, exited };
}

/** SIGKILLs a worker and waits until it is gone. */
export async function killWorker(w: WorkerProcess): Promise<void> {
  w.child.kill('SIGKILL');
  await w.exited;
}

/** The installation keys of the database behind `pool` (the secret generated by its first worker). */
export async function installationKeys(pool: pg.Pool): Promise<InstallationKeys> {
  const { rows } = await pool.query<{ secret: string }>('SELECT secret FROM waymark.installation');
  if (!rows[0]?.secret) throw new Error('the database has no generated installation secret');
  return new InstallationKeys(rows[0].secret);
}

/** What a `waymark` command printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `waymark` command line (src/cli.ts) in a child process with `env` as its whole
 * environment, and collects its output.
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
