/**
 * The embedded Postgres wrapper on real temporary clusters: data survives a restart, a taken
 * port fails fast with a clear error, a postmaster orphaned by a SIGKILLed owner is detected
 * and replaced, a data directory used by a live process is refused (and found for sharing),
 * and the watchdog stops the server when its owner is SIGKILLed. Only the owner can connect:
 * the password is random and kept 0600 in the data directory, every pg_hba rule asks for it,
 * and a data directory made with the old fixed password is rotated to a random one.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { WaymarkError } from '../src/index.js';
import { PASSWORD_FILE, findRunningEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgres } from '../src/runtime/embedded-postgres.js';
import { ROOT, useTempDirs, waitFor } from './helpers.js';

const children: ChildProcess[] = [];
const servers: EmbeddedPostgres[] = [];
const postmasters: number[] = [];

after(async () => {
  for (const s of servers) await s.stop().catch(() => {});
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of postmasters) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

const tempDir = useTempDirs('waymark-embedded-test-');

function safeRead(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !/^State:\s+Z/m.test(safeRead(`/proc/${pid}/status`));
}

const parentPid = (pid: number): number => Number(safeRead(`/proc/${pid}/stat`).split(') ')[1]?.split(' ')[1] ?? 0);

/** The detached shell that stops postmaster `pgPid` when its owner's pipe closes. */
function findWatchdog(pgPid: number): number | undefined {
  const needle = `read _x; kill -INT ${pgPid} `;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (safeRead(`/proc/${entry}/cmdline`).replaceAll('\0', ' ').includes(needle)) return Number(entry);
  }
  return undefined;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function listen(host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, host, () => resolve(srv));
  });
}

interface Owner {
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  exited: Promise<unknown>;
}

/** Starts test/fixtures/embedded-owner.ts: another Node process running a server on `dataDir`. */
async function spawnOwner(dataDir: string): Promise<Owner> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/embedded-owner.ts'), dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const line = await Promise.race([
    waitFor('embedded owner READY', () => Promise.resolve(/READY (\{.*\})/.exec(out)?.[1])),
    exited.then(() => {
      throw new Error(`embedded owner exited before READY:\n${out}`);
    }),
  ]);
  const info = JSON.parse(line) as { pid: number; port: number; url: string };
  postmasters.push(info.pid);
  return { child, ...info, exited };
}

const dataSurvived = async (url: string): Promise<string[]> => (await query<{ note: string }>(url, 'SELECT note FROM notes ORDER BY note')).map((r) => r.note);

test('a server starts, answers, stops, and restarts on the same data directory with its data', async () => {
  const dataDir = path.join(tempDir(), 'pg');
  const first = await startEmbeddedPostgres({ dataDir });
  servers.push(first);
  assert.ok(existsSync(path.join(dataDir, 'PG_VERSION')), 'the cluster was initialised');
  assert.deepEqual(await query(first.url, 'SELECT 1 + 1 AS two'), [{ two: 2 }]);
  await query(first.url, `CREATE TABLE notes (note text); INSERT INTO notes VALUES ('kept across restarts')`);
  assert.equal(new URL(first.withDatabase('app db')).pathname, '/app%20db');

  await first.stop();
  assert.equal(isAlive(first.pid), false, 'stop() waits for the postmaster to exit');
  assert.equal(await accepts(first.port), false);
  assert.equal(existsSync(path.join(dataDir, 'postmaster.pid')), false);

  const second = await startEmbeddedPostgres({ dataDir });
  servers.push(second);
  assert.deepEqual(await dataSurvived(second.url), ['kept across restarts']);
  await second.stop();
  assert.equal(await accepts(second.port), false);
});

for (const host of ['127.0.0.1', '0.0.0.0']) {
  test(`a port already taken on ${host} is refused at once with embedded_postgres_port_in_use`, { timeout: 30_000 }, async () => {
    const blocker = await listen(host);
    try {
      const { port } = blocker.address() as net.AddressInfo;
      const dataDir = path.join(tempDir(), 'pg');
      await assert.rejects(startEmbeddedPostgres({ dataDir, port, fast: true }), (e: unknown) => {
        assert.ok(e instanceof WaymarkError, String(e));
        assert.equal(e.code, 'embedded_postgres_port_in_use');
        assert.match(e.message, new RegExp(`Port ${port} on 127.0.0.1 is already in use`));
        assert.match(e.message, /WAYMARK_PG_PORT/);
        return true;
      });
      assert.equal(existsSync(path.join(dataDir, 'postmaster.pid')), false, 'no server was left running');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
}

test('a postmaster orphaned by a SIGKILLed owner and watchdog is stopped by the next start, and the data survives', async () => {
  const dataDir = path.join(tempDir(), 'pg');
  const owner = await spawnOwner(dataDir);
  await query(owner.url, `CREATE TABLE notes (note text); INSERT INTO notes VALUES ('written before the crash')`);
  const watchdog = findWatchdog(owner.pid);
  assert.ok(watchdog, 'the owner runs a watchdog for its postmaster');

  // Kill the watchdog first: with it gone, nothing stops the postmaster when its owner dies.
  process.kill(watchdog, 'SIGKILL');
  await waitFor('the watchdog to die', async () => !isAlive(watchdog));
  owner.child.kill('SIGKILL');
  await owner.exited;

  assert.ok(isAlive(owner.pid), 'the postmaster outlived its owner');
  assert.notEqual(parentPid(owner.pid), owner.child.pid);
  assert.deepEqual(await dataSurvived(owner.url), ['written before the crash'], 'the orphan still serves');
  assert.equal(findRunningEmbeddedPostgres(dataDir), undefined, 'an orphan is not offered for sharing');

  // Same port on purpose: the orphan holds it until it is stopped.
  const next = await startEmbeddedPostgres({ dataDir, port: owner.port, fast: true });
  servers.push(next);
  assert.equal(isAlive(owner.pid), false, 'the orphan was stopped');
  assert.notEqual(next.pid, owner.pid);
  assert.deepEqual(await dataSurvived(next.url), ['written before the crash']);
  await next.stop();
});

test('a data directory in use by a live process is refused, and findRunningEmbeddedPostgres offers its server', async () => {
  const dataDir = path.join(tempDir(), 'pg');
  const owner = await spawnOwner(dataDir);

  await assert.rejects(startEmbeddedPostgres({ dataDir, fast: true }), (e: unknown) => {
    assert.ok(e instanceof WaymarkError, String(e));
    assert.equal(e.code, 'embedded_postgres_in_use');
    assert.match(e.message, new RegExp(`in use by process ${owner.child.pid} \\(postmaster ${owner.pid}\\)`));
    assert.match(e.message, /DATABASE_URL/);
    return true;
  });
  assert.ok(isAlive(owner.pid), 'the refused start left the running server alone');

  const running = findRunningEmbeddedPostgres(dataDir);
  assert.ok(running);
  assert.equal(running.port, owner.port);
  assert.equal(running.ownerPid, owner.child.pid);
  assert.deepEqual(await query(running.withDatabase('postgres'), 'SELECT 1 AS one'), [{ one: 1 }]);

  owner.child.kill('SIGTERM');
  await owner.exited;
  await waitFor('the owner to stop its server', async () => !isAlive(owner.pid));
  assert.equal(findRunningEmbeddedPostgres(dataDir), undefined);
});

test('when only the owner is SIGKILLed, its watchdog stops the postmaster', async () => {
  const dataDir = path.join(tempDir(), 'pg');
  const owner = await spawnOwner(dataDir);
  await query(owner.url, `CREATE TABLE notes (note text); INSERT INTO notes VALUES ('committed before the kill')`);
  const watchdog = findWatchdog(owner.pid);
  assert.ok(watchdog && isAlive(watchdog));

  owner.child.kill('SIGKILL');
  await owner.exited;
  await waitFor('the watchdog to stop the postmaster', async () => !isAlive(owner.pid));
  await waitFor('the port to close', async () => !(await accepts(owner.port)));
  await waitFor('the watchdog to exit', async () => !isAlive(watchdog));

  const next = await startEmbeddedPostgres({ dataDir, fast: true });
  servers.push(next);
  assert.deepEqual(await dataSurvived(next.url), ['committed before the kill']);
  await next.stop();
});

/** Connects as `postgres` with the given password (none when undefined); resolves to the refusal, or undefined when let in. */
async function refusal(port: number, password: string | undefined): Promise<string | undefined> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', ...(password === undefined ? {} : { password }) });
  try {
    await c.connect();
    await c.end();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

test('only the holder of the random password in <dataDir>/pg-password (0600) can connect; nothing is trust', async () => {
  const dataDir = path.join(tempDir(), 'pg');
  const server = await startEmbeddedPostgres({ dataDir, fast: true });
  servers.push(server);
  const file = path.join(dataDir, PASSWORD_FILE);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const password = readFileSync(file, 'utf8').trim();
  assert.ok(password.length >= 32, 'a long random password');
  assert.equal(decodeURIComponent(new URL(server.url).password), password);
  assert.doesNotMatch(readFileSync(path.join(dataDir, 'pg_hba.conf'), 'utf8').replace(/^#.*$/gm, ''), /trust|password\b|md5/);

  assert.match((await refusal(server.port, 'postgres')) ?? 'let in', /password authentication failed/, 'the old fixed password is refused');
  assert.match((await refusal(server.port, undefined)) ?? 'let in', /password|SASL/i, 'no password is refused');
  assert.equal(await refusal(server.port, password), undefined, 'the owner gets in');
  const listen = (await query<{ listen: string }>(server.url, "SELECT current_setting('listen_addresses') AS listen"))[0]?.listen;
  assert.equal(listen, '127.0.0.1');
  assert.equal(readdirSync(os.tmpdir()).some((f) => f.startsWith('pg-password-') && safeRead(path.join(os.tmpdir(), f)).includes(password)), false,
    'the password was never written to the temp directory');
  await server.stop();

  const again = await startEmbeddedPostgres({ dataDir, fast: true });
  servers.push(again);
  assert.equal(readFileSync(file, 'utf8').trim(), password, 'a restart keeps the password');
  assert.deepEqual(await query(again.url, 'SELECT 1 AS one'), [{ one: 1 }]);
  await again.stop();
});

test('a data directory made with the fixed password postgres is migrated: the password is rotated and the data kept', async () => {
  const dataDir = path.join(tempDir(), 'pg');
  const server = await startEmbeddedPostgres({ dataDir, fast: true });
  servers.push(server);
  // Make it look like an older Waymark's: the fixed password, no password file, a trusting pg_hba.
  await query(server.url, `ALTER ROLE postgres WITH PASSWORD 'postgres'; CREATE TABLE notes (note text); INSERT INTO notes VALUES ('from the old version')`);
  await server.stop();
  rmSync(path.join(dataDir, PASSWORD_FILE));
  writeFileSync(path.join(dataDir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');

  const migrated = await startEmbeddedPostgres({ dataDir, fast: true });
  servers.push(migrated);
  const file = path.join(dataDir, PASSWORD_FILE);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const password = readFileSync(file, 'utf8').trim();
  assert.notEqual(password, 'postgres');
  assert.match((await refusal(migrated.port, 'postgres')) ?? 'let in', /password authentication failed/);
  assert.match((await refusal(migrated.port, undefined)) ?? 'let in', /password|SASL/i);
  assert.doesNotMatch(readFileSync(path.join(dataDir, 'pg_hba.conf'), 'utf8'), /trust\s*$/m);
  assert.deepEqual(await dataSurvived(migrated.url), ['from the old version']);
  await migrated.stop();
});
