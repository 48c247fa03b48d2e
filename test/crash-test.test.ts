/**
 * `waymark crash-test` against real worker processes: a plain step with an unprotected side
 * effect is flagged (the counter it bumps differs after a kill between its effect and its
 * checkpoint), and the same effect in a transaction, with an approval the harness answers after
 * the restart, passes at every boundary.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { crashTest } from '../src/testing.js';
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
