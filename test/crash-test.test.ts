/**
 * `waymark crash-test` against real worker processes: a plain step with an unprotected side
 * effect is flagged (the counter it bumps differs after a kill between its effect and its
 * checkpoint), and the same effect in a transaction, with an approval the harness answers after
 * the restart, passes at every boundary. A plain step that POSTs to an HTTP server is flagged
 * when the request is repeated without an Idempotency-Key, and passes with one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { crashTest, formatCrashTestReport } from '../src/testing.js';
import { ROOT, serverUrl } from './helpers.js';

const workflowsModule = 'test/fixtures/crash-test-workflows.ts';

test('a plain step that bumps a counter outside a transaction is flagged where its effect is not checkpointed', async () => {
  const report = await crashTest({
    workflow: 'crash.unsafe-counter', input: { id: 'c1' }, workflowsModule, databaseUrl: serverUrl(),
    check: "SELECT n FROM public.counters WHERE id = 'c1'", waymarkSteps: false,
  });
  assert.equal(report.ok, false);
  assert.deepEqual(report.reference.check, [{ n: 1 }]);
  const flagged = report.boundaries.filter((b) => b.problems.length);
  assert.deepEqual(flagged.map((b) => b.label), ['after effect, before checkpoint: step bump (step 0)']);
  const [b] = flagged;
  assert.equal(b!.completed, true);
  assert.deepEqual(b!.checkValue, [{ n: 2 }]);
  assert.deepEqual(b!.tablesDiffer, ['public.counters']);
  assert.ok(b!.problems.some((p) => /plain step bump \(step 0\) ran again.*not protected/.test(p)), b!.problems.join('\n'));
  // Killed before the effect or after the checkpoint, the same step is fine.
  assert.ok(report.boundaries.filter((x) => !x.problems.length).every((x) => x.completed && x.sameCheck === true));
});

test('the same effect in a transaction, around an approval, survives a kill at every boundary (CLI, JSON, exit code)', async () => {
  const cli = promisify(execFile)(process.execPath, [
    '--import', 'tsx', 'src/cli.ts', 'crash-test', 'crash.safe-counter', '--workflows', workflowsModule, '--input', '{"id":"c2"}',
    '--check', "SELECT n FROM public.counters WHERE id = 'c2'", '--no-waymark-steps', '--json',
  ], { cwd: ROOT, env: { ...process.env, DATABASE_URL: serverUrl(), LOG_LEVEL: 'warn' }, maxBuffer: 10 * 1024 * 1024 });
  const { stdout } = await cli;
  const report = JSON.parse(stdout);
  assert.equal(report.ok, true, JSON.stringify(report.boundaries.filter((b: any) => b.problems.length), null, 2));
  assert.deepEqual(report.reference.output, { id: 'c2', decision: 'approved' });
  assert.deepEqual(report.reference.check, [{ n: 2 }]);
  const labels: string[] = report.boundaries.map((b: any) => b.label);
  assert.ok(labels.includes('after commit, before checkpoint: transaction bumpSafely (step 0)'), labels.join('\n'));
  assert.ok(labels.some((l) => l.startsWith('during wait')), labels.join('\n'));
  assert.ok(report.boundaries.every((b: any) => b.completed && b.sameOutput === true && b.sameCheck === true && b.killed));
});

test('the CLI exits 1 and prints the table when it finds a problem', async () => {
  const run = promisify(execFile)(process.execPath, [
    '--import', 'tsx', 'src/cli.ts', 'crash-test', 'crash.unsafe-counter', '--workflows', workflowsModule, '--input', '{"id":"c3"}', '--kinds', 'after-effect',
  ], { cwd: ROOT, env: { ...process.env, DATABASE_URL: serverUrl(), LOG_LEVEL: 'warn' } });
  const err = await run.then(() => undefined, (e: { code: number; stdout: string }) => e);
  assert.ok(err, 'exit code 0');
  assert.equal(err.code, 1);
  assert.match(err.stdout, /after effect, before checkpoint: step bump \(step 0\).*PROBLEM/);
  assert.match(err.stdout, /crash\.unsafe-counter: 1 of \d+ boundaries have a problem/);
});

/** A payment-like endpoint that counts the charges it received, per id and idempotency key. */
async function chargeServer(): Promise<{ url: string; received: { id: string; key: string | null; auth: boolean }[]; close(): Promise<void> }> {
  const received: { id: string; key: string | null; auth: boolean }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ id: (JSON.parse(body) as { id: string }).id, key: (req.headers['idempotency-key'] as string | undefined) ?? null, auth: req.headers.authorization === 'Bearer s3cret-token' });
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/charges`,
    received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

test('a plain step that POSTs without an idempotency key is flagged: the request went out twice after a kill between its effect and its checkpoint', async () => {
  const server = await chargeServer();
  try {
    const report = await crashTest({
      workflow: 'crash.http-charge', input: { id: 'h1', url: `${server.url}?api_key=s3cret-query` }, workflowsModule, databaseUrl: serverUrl(),
      kinds: ['after-effect'], waymarkSteps: false,
    });
    assert.equal(report.ok, false);
    assert.deepEqual(report.boundaries.map((b) => b.label), ['after effect, before checkpoint: step charge (step 0)']);
    const [b] = report.boundaries;
    assert.equal(b!.completed, true);
    assert.deepEqual(b!.duplicateHttpRequests, [{ method: 'POST', url: server.url, sent: 2, reference: 1 }]);
    assert.ok(b!.problems.includes(`HTTP POST ${server.url} sent 2 times, 1 in the uninterrupted run`), b!.problems.join('\n'));
    // The server really was charged twice by the crashed run (once by each uninterrupted run).
    assert.equal(server.received.filter((r) => r.id === 'h1').length, 4);
    assert.ok(server.received.every((r) => r.auth));
    // Neither the query's secret nor the authorization header reaches the report.
    const text = `${JSON.stringify(report)}\n${formatCrashTestReport(report)}`;
    assert.doesNotMatch(text, /s3cret/);
    assert.match(formatCrashTestReport(report), /DUP HTTP/);
  } finally {
    await server.close();
  }
});

test('the same POST with an Idempotency-Key is not a problem: the provider de-duplicates the repeat', async () => {
  const server = await chargeServer();
  try {
    const report = await crashTest({
      workflow: 'crash.http-charge', input: { id: 'h2', url: server.url, idempotencyKey: 'charge-h2' }, workflowsModule, databaseUrl: serverUrl(),
      kinds: ['after-effect'], waymarkSteps: false,
    });
    assert.equal(report.ok, true, JSON.stringify(report.boundaries, null, 2));
    const [b] = report.boundaries;
    assert.equal(b!.killed, true);
    assert.deepEqual(b!.duplicateHttpRequests, []);
    // It was repeated, with the same key.
    assert.deepEqual(server.received.filter((r) => r.id === 'h2').map((r) => r.key), ['charge-h2', 'charge-h2', 'charge-h2', 'charge-h2']);
  } finally {
    await server.close();
  }
});
