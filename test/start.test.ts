/**
 * The two-command promise: `waymark start` with no DATABASE_URL runs the bundled example on an
 * embedded Postgres in a data directory, serves the HTTP API, stops cleanly on SIGTERM and
 * finds its runs again when started on the same directory; a taken port fails instead of
 * hanging.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { after, test } from 'node:test';
import pg from 'pg';
import { ROOT, http, useTempDirs, waitFor } from './helpers.js';

const children: ChildProcess[] = [];

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
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
  pgPort: number;
  httpPort: number;
  env?: Record<string, string>;
}

/** Runs `waymark start` the way a new user does: no DATABASE_URL, only a data directory. */
function spawnStart(s: Setup): Server {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WAYMARK_DATA_DIR: s.dataDir,
    WAYMARK_PG_PORT: String(s.pgPort),
    PORT: String(s.httpPort),
    LOG_LEVEL: 'warn',
    ...s.env,
  };
  delete env.DATABASE_URL;
  delete env.WAYMARK_APP_VERSION;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--workflows', 'examples/index.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Waits for the start-up banner and returns the HTTP URL it announces. */
async function banner(server: Server): Promise<string> {
  return Promise.race([
    // The whole banner: its lines may arrive in separate chunks of the child's stdout.
    waitFor('the start-up banner', () => Promise.resolve(/Press Ctrl-C to stop/.test(server.output()) && /HTTP API:\s+(http:\/\/\S+)/.exec(server.output())?.[1]), 120_000),
    server.exited.then(({ code, signal }) => {
      throw new Error(`waymark start exited (${code ?? signal}) before serving:\n${server.output()}`);
    }),
  ]);
}

const documentInput = (documentId: string) => ({
  documentId,
  fileName: `${documentId}.txt`,
  content: 'INVOICE 2024-05-01\nAmount due: 99.90 EUR\nContact: ap@example.com',
});

const runStatus = (base: string, id: string, status: string) =>
  waitFor(`run ${id} ${status}`, async () => {
    const r = await http(base, 'GET', `/v1/runs/${id}`);
    return r.body.status === status ? r.body : undefined;
  });

test('start runs the example on an embedded Postgres, stops cleanly on SIGTERM, and finds its runs after a restart', async () => {
  const setup = { dataDir: tempDir(), pgPort: await freePort(), httpPort: await freePort() };
  const first = spawnStart(setup);
  const base = await banner(first);
  assert.equal(base, `http://127.0.0.1:${setup.httpPort}`);
  assert.match(first.output(), /database:\s+embedded Postgres/);

  const wf = await http(base, 'GET', '/v1/workflows');
  assert.equal(wf.status, 200);
  assert.ok(wf.body.workflows.some((w: { name: string }) => w.name === 'document-pipeline'), JSON.stringify(wf.body));

  const started = await http(base, 'POST', '/v1/runs', { workflow: 'document-pipeline', input: documentInput('doc-1') });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const done = await runStatus(base, started.body.id, 'SUCCESS');
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
  const found = await http(again, 'GET', `/v1/runs/${started.body.id}`);
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
  const base = await banner(first);
  const started = await http(base, 'POST', '/v1/runs', { workflow: 'document-pipeline', input: documentInput('doc-in-flight') });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const id: string = started.body.id;
  await waitFor('the run to reach its OCR step', async () => {
    const t = await http(base, 'GET', `/v1/runs/${id}/timeline`);
    return t.body.entries?.some((e: { type: string; name: string }) => e.type === 'step' && e.name === 'read');
  });

  first.child.kill('SIGTERM');
  const exit = await first.exited;
  await waitFor('the embedded Postgres to stop', async () => !(await accepts(setup.pgPort)));

  const second = spawnStart({ ...setup, env: { WAYMARK_EXAMPLE_OCR_DELAY_MS: '0' } });
  const again = await banner(second);
  const done = await runStatus(again, id, 'SUCCESS');
  assert.equal(done.phase, 'completed');
  assert.equal(done.output.documentId, 'doc-in-flight');
  const db = new pg.Client({ connectionString: `postgresql://postgres:postgres@127.0.0.1:${setup.pgPort}/waymark` });
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
