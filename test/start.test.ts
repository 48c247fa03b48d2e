/**
 * The two-command promise: `waymark start` with no DATABASE_URL runs the bundled example on an
 * embedded Postgres in a data directory, serves the HTTP API, stops cleanly on SIGTERM and
 * finds its runs again when started on the same directory; a taken port fails instead of
 * hanging.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { ROOT, apiWithKey, http, useTempDirs, waitFor, type Api } from './helpers.js';

const children: ChildProcess[] = [];

after(() => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // What an `npm start` group left behind (the test failed before stopping it).
    if (c.spawnargs[0] === 'npm' && c.pid) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        // the group is gone
      }
    }
  }
});

const tempDir = useTempDirs('waymark-start-test-');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
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

interface Server {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

interface Setup {
  dataDir: string;
  /** WAYMARK_PG_PORT; unset when omitted. */
  pgPort?: number;
  httpPort: number;
  env?: Record<string, string>;
  /** Run `npm start` (in a process group of its own, like a terminal's) instead of the CLI. */
  npm?: boolean;
  workflows?: string;
}

/** Runs `waymark start` the way a new user does: no DATABASE_URL, only a data directory. */
function spawnStart(s: Setup): Server {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WAYMARK_DATA_DIR: s.dataDir,
    PORT: String(s.httpPort),
    LOG_LEVEL: 'warn',
    ...s.env,
  };
  delete env.DATABASE_URL;
  delete env.WAYMARK_APP_VERSION;
  delete env.WAYMARK_PG_PORT;
  if (s.pgPort !== undefined) env.WAYMARK_PG_PORT = String(s.pgPort);
  const child = s.npm
    ? spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--workflows', s.workflows ?? 'examples/index.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Waits for the start-up banner; returns the HTTP URL and the admin key it announces. */
async function banner(server: Server): Promise<{ base: string; key: string; api: Api }> {
  const base = await Promise.race([
    // The whole banner: its lines may arrive in separate chunks of the child's stdout.
    waitFor('the start-up banner', () => Promise.resolve(/Press Ctrl-C to stop/.test(server.output()) && /HTTP API:\s+(http:\/\/\S+)/.exec(server.output())?.[1]), 120_000),
    server.exited.then(({ code, signal }) => {
      throw new Error(`waymark start exited (${code ?? signal}) before serving:\n${server.output()}`);
    }),
  ]);
  // The banner prints the exact header to use.
  const key = /admin key:\s+authorization: Bearer (\S+)/.exec(server.output())?.[1];
  assert.ok(key, server.output());
  return { base, key, api: apiWithKey(base, key) };
}

const documentInput = (documentId: string) => ({
  documentId,
  fileName: `${documentId}.txt`,
  content: 'INVOICE 2024-05-01\nAmount due: 99.90 EUR\nContact: ap@example.com',
});

const runStatus = (api: Api, id: string, status: string) =>
  waitFor(`run ${id} ${status}`, async () => {
    const r = await api('GET', `/v1/runs/${id}`);
    return r.body.status === status ? r.body : undefined;
  });

test('start runs the example on an embedded Postgres, stops cleanly on SIGTERM, and finds its runs after a restart', async () => {
  const setup = { dataDir: tempDir(), pgPort: await freePort(), httpPort: await freePort() };
  const first = spawnStart(setup);
  const { base, key, api } = await banner(first);
  assert.equal(base, `http://127.0.0.1:${setup.httpPort}`);
  assert.match(first.output(), /database:\s+embedded Postgres/);
  // The local admin key is kept where only its owner can read it, and nothing works without it.
  const keyFile = path.join(setup.dataDir, 'admin-key');
  assert.equal(readFileSync(keyFile, 'utf8').trim(), key);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  const anonymous = await http(base, 'GET', '/v1/workflows');
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.code, 'unauthenticated');
  // The console is served as shipped: no build step, no network.
  assert.match(first.output(), /console:\s+http:\/\/127\.0\.0\.1:\d+\/\s/);
  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(await page.text(), /<script type="module" src="\/console\/app\.js"><\/script>/);
  assert.equal((await fetch(`${base}/console/app.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');

  const wf = await api('GET', '/v1/workflows');
  assert.equal(wf.status, 200);
  assert.ok(wf.body.workflows.some((w: { name: string }) => w.name === 'document-pipeline'), JSON.stringify(wf.body));

  const started = await api('POST', '/v1/runs', { workflow: 'document-pipeline', input: documentInput('doc-1') });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const done = await runStatus(api, started.body.id, 'SUCCESS');
  assert.equal(done.phase, 'completed');
  assert.equal(done.output.documentId, 'doc-1');
  assert.equal(done.output.kind, 'invoice');
  assert.deepEqual(done.output.fields.amounts, [99.9]);

  first.child.kill('SIGTERM');
  const exit = await first.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, first.output());
  await waitFor('the embedded Postgres to stop accepting connections', async () => !(await accepts(setup.pgPort)));
  assert.equal(await accepts(setup.httpPort), false);

  const second = spawnStart(setup);
  const again = await banner(second);
  // The same key on every start.
  assert.equal(again.key, key);
  const found = await again.api('GET', `/v1/runs/${started.body.id}`);
  assert.equal(found.status, 200);
  assert.equal(found.body.status, 'SUCCESS');
  assert.deepEqual(found.body.output, done.output);
  second.child.kill('SIGTERM');
  assert.deepEqual(await second.exited, { code: 0, signal: null }, second.output());
  await waitFor('the embedded Postgres to stop again', async () => !(await accepts(setup.pgPort)));
});

test('SIGTERM during a run exits 0, and the next start finishes the run exactly once', async () => {
  // A slow OCR step keeps the run in flight when the signal arrives.
  const setup = { dataDir: tempDir(), pgPort: await freePort(), httpPort: await freePort(), env: { WAYMARK_EXAMPLE_OCR_DELAY_MS: '3000' } };
  const first = spawnStart(setup);
  const { api } = await banner(first);
  const started = await api('POST', '/v1/runs', { workflow: 'document-pipeline', input: documentInput('doc-in-flight') });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const id: string = started.body.id;
  await waitFor('the run to reach its OCR step', async () => {
    const t = await api('GET', `/v1/runs/${id}/timeline`);
    return t.body.entries?.some((e: { type: string; name: string }) => e.type === 'step' && e.name === 'read');
  });

  first.child.kill('SIGTERM');
  const exit = await first.exited;
  await waitFor('the embedded Postgres to stop', async () => !(await accepts(setup.pgPort)));

  const second = spawnStart({ ...setup, env: { WAYMARK_EXAMPLE_OCR_DELAY_MS: '0' } });
  const again = await banner(second);
  const done = await runStatus(again.api, id, 'SUCCESS');
  assert.equal(done.phase, 'completed');
  assert.equal(done.output.documentId, 'doc-in-flight');
  const db = new pg.Client({ connectionString: `postgresql://postgres:${encodeURIComponent(readFileSync(path.join(setup.dataDir, 'postgres', 'pg-password'), 'utf8').trim())}@127.0.0.1:${setup.pgPort}/waymark` });
  await db.connect();
  try {
    const { rows } = await db.query('SELECT run_id FROM public.documents WHERE id = $1', ['doc-in-flight']);
    assert.deepEqual(rows, [{ run_id: id }], 'the document was stored once, by this run');
  } finally {
    await db.end();
  }
  second.child.kill('SIGTERM');
  assert.deepEqual(await second.exited, { code: 0, signal: null }, second.output());

  // Checked last, so a wrong exit code does not hide whether the run survived.
  assert.deepEqual(exit, { code: 0, signal: null }, `a graceful shutdown exits 0; output:\n${first.output()}`);
});

test('start exits non-zero with a clear error when its HTTP port is taken', { timeout: 120_000 }, async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve, reject) => blocker.once('error', reject).listen(0, '127.0.0.1', resolve));
  try {
    const httpPort = (blocker.address() as net.AddressInfo).port;
    const setup = { dataDir: tempDir(), pgPort: await freePort(), httpPort };
    const server = spawnStart(setup);
    const exit = await server.exited;
    assert.notEqual(exit.code, 0, server.output());
    assert.equal(exit.signal, null);
    assert.match(server.output(), new RegExp(`^error \\[http_port_in_use\\]: Port ${httpPort} .*in use; set PORT`, 'm'));
    assert.doesNotMatch(server.output(), /^\s+at /m, 'no stack trace');
    assert.doesNotMatch(server.output(), /HTTP API:/);
    assert.equal(await accepts(setup.pgPort), false, 'the embedded Postgres was stopped');
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});

/** The port the banner says the embedded Postgres runs on (the data directory's postmaster.pid). */
function embeddedPort(dataDir: string): number {
  return Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[3]);
}

test('Ctrl-C in a terminal stops `npm start` quietly: DBOS first, then Postgres, no error lines', async () => {
  const setup = { dataDir: tempDir(), httpPort: await freePort(), npm: true };
  const server = spawnStart(setup);
  const { base } = await banner(server);
  const pgPort = embeddedPort(setup.dataDir);
  // A terminal sends SIGINT to the whole foreground process group: npm, the shell, node, and
  // (unless it has a group of its own) Postgres.
  process.kill(-server.child.pid!, 'SIGINT');
  await server.exited;
  await waitFor('the API to stop', async () => !(await accepts(Number(new URL(base).port))));
  await waitFor('the embedded Postgres to stop', async () => !(await accepts(pgPort)));
  const afterSignal = server.output().slice(server.output().indexOf('SIGINT received'));
  assert.match(afterSignal, /^SIGINT received: shutting down/);
  assert.doesNotMatch(afterSignal, /terminating connection|error|ECONNREFUSED/i, afterSignal);
});

test('SIGTERM to the npm process alone stops the whole tree: nothing is left serving', async () => {
  const setup = { dataDir: tempDir(), httpPort: await freePort(), npm: true };
  const server = spawnStart(setup);
  await banner(server);
  const pgPort = embeddedPort(setup.dataDir);
  server.child.kill('SIGTERM');
  await server.exited;
  await waitFor('the API to stop', async () => !(await accepts(setup.httpPort)));
  await waitFor('the embedded Postgres to stop', async () => !(await accepts(pgPort)));
});

test('a second checkout starts while the default embedded port is taken, on a free port of its own', async () => {
  const blocker = net.createServer();
  // Hold 54329 (if another server holds it already, the test is the same).
  await new Promise<void>((resolve) => blocker.once('error', () => resolve()).listen(54329, '127.0.0.1', resolve));
  try {
    const setup = { dataDir: tempDir(), httpPort: await freePort() };
    const server = spawnStart(setup);
    await banner(server);
    const pgPort = embeddedPort(setup.dataDir);
    assert.notEqual(pgPort, 54329);
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null }, server.output());
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});

test('a second start on the same data directory says it shares the first one\'s Postgres, refuses another WAYMARK_PG_PORT, and stops with the first', async () => {
  const setup = { dataDir: tempDir(), httpPort: await freePort() };
  const first = spawnStart(setup);
  await banner(first);
  const pgPort = embeddedPort(setup.dataDir);

  const otherPort = spawnStart({ ...setup, httpPort: await freePort(), pgPort: await freePort() });
  const refused = await otherPort.exited;
  assert.notEqual(refused.code, 0);
  assert.match(otherPort.output(), new RegExp(`error \\[embedded_postgres_shared\\]: .*already runs on port ${pgPort}`));

  const second = spawnStart({ ...setup, httpPort: await freePort() });
  await banner(second);
  assert.match(second.output(), new RegExp(`database:\\s+embedded Postgres \\(.*port ${pgPort}\\), run by Waymark process ${first.child.pid}: this one stops when it does`));
  first.child.kill('SIGTERM');
  assert.deepEqual(await first.exited, { code: 0, signal: null }, first.output());
  const exit = await second.exited;
  assert.equal(exit.code, 1, second.output());
  assert.match(second.output(), new RegExp(`The embedded Postgres run by Waymark process ${first.child.pid} has stopped; stopping this process too`));
});

test('--workflows names a module at the project root, and a module that fails to load is a clear error', async () => {
  const name = `wm-start-test-${process.pid}`;
  const good = path.join(ROOT, `${name}.ts`);
  const broken = path.join(ROOT, `${name}-broken.ts`);
  writeFileSync(good, `import { DBOS } from '@dbos-inc/dbos-sdk';
import { z } from 'zod';
import { Waymark } from './src/index.js';

export class Hello {
  @DBOS.step()
  static async greet(name: string): Promise<string> {
    return 'hello ' + name;
  }

  @Waymark.workflow({ name: 'hello', input: z.object({ name: z.string() }) })
  static async hello(input: { name: string }): Promise<string> {
    return Hello.greet(input.name);
  }
}

export const workflows = [Hello.hello];
`);
  writeFileSync(broken, `const nothing: any = undefined;\nexport const workflows = [nothing.value];\n`);
  try {
    const setup = { dataDir: tempDir(), httpPort: await freePort(), workflows: `./${name}.ts` };
    const server = spawnStart(setup);
    const { api } = await banner(server);
    const started = await api('POST', '/v1/runs', { workflow: 'hello', input: { name: 'root' } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal((await runStatus(api, started.body.id, 'SUCCESS')).output, 'hello root');
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null }, server.output());

    const failing = spawnStart({ ...setup, workflows: `./${name}-broken.ts` });
    assert.notEqual((await failing.exited).code, 0);
    assert.match(failing.output(), new RegExp(`error \\[invalid_workflows_module\\]: Could not load \\./${name}-broken\\.ts: .*experimentalDecorators`));
    assert.doesNotMatch(failing.output(), /^\s+at /m, 'no stack trace');
  } finally {
    rmSync(good, { force: true });
    rmSync(broken, { force: true });
  }
});
