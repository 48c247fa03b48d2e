/**
 * The `waymark` command line as a user runs it: a real subprocess per command against a test
 * database, with a worker in this process executing the runs. Bad input exits non-zero with a
 * one-line `error [code]: ...` and creates nothing.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { RunView } from '../src/server.js';
import { loadMigrations } from '../src/store/migrate.js';
import { executions } from './fixtures/workflows.js';
import { runCli, waitFor, type CliResult } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

const FIXTURE_WORKFLOWS = 'test/fixtures/workflows.ts';

// The worker that executes what the CLI starts; the CLI itself never runs workflows.
const env = useFixtureEnv('cli', { waymark: { http: false } });

/** Runs `waymark <args>` from source, as `npx waymark` would. */
function cli(args: string[], databaseUrl = env.url): Promise<CliResult> {
  return runCli(args, { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', WAYMARK_APP_VERSION: 'test-1' });
}

function json(r: CliResult): any {
  assert.equal(r.code, 0, `exit code 0 expected; stderr:\n${r.stderr}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not JSON:\n${r.stdout}`);
  }
}

const start = async (workflow: string, input: unknown): Promise<string> => (await env.w.as({ actor: 'test' }).runs.start({ workflow, input })).run.id;
const finished = (id: string, status = 'SUCCESS'): Promise<RunView> =>
  waitFor(`run ${id} ${status}`, async () => {
    const run = await env.w.runs.get(id);
    return run.status === status ? run : undefined;
  });
const counts = async () =>
  (await env.pool.query(
    `SELECT (SELECT count(*) FROM waymark.runs)::int AS runs, (SELECT count(*) FROM waymark.run_events)::int AS events,
            (SELECT count(*) FROM dbos.workflow_status)::int AS workflows`,
  )).rows[0] as { runs: number; events: number; workflows: number };

test('migrate applies the schema, then reports it up to date', async () => {
  const fresh = await env.extraDatabase('migrate', { migrated: false });
  const latest = loadMigrations().at(-1)!.version;
  const first = await cli(['migrate'], fresh);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`^applied migrations 1(, \\d+)*; schema at version ${latest}$`, 'm'));
  const second = await cli(['migrate'], fresh);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`^schema up to date at version ${latest}$`, 'm'));
  assert.doesNotMatch(first.stderr + second.stderr, /error/i);
});

describe('runs', () => {
  test('runs start prints the new run as JSON, and the worker completes it', async () => {
    const r = await cli(['runs', 'start', 'test.chain', '--input', '{"steps":2}', '--workflows', FIXTURE_WORKFLOWS]);
    const { run, created } = json(r);
    assert.equal(created, true);
    assert.equal(run.workflow, 'test.chain');
    assert.deepEqual(run.input, { steps: 2 });
    // Read back right after the enqueue: a worker may already have picked it up.
    assert.ok(['queued', 'running', 'completed'].includes(run.phase), run.phase);
    assert.equal(run.createdBy, 'cli');
    assert.equal(run.appVersion, 'test-1');
    const done = await finished(run.id);
    assert.deepEqual(done.output, [0, 10]);
  });

  test('runs list --json lists runs', async () => {
    const id = await start('test.chain', { steps: 1 });
    await finished(id);
    const page = json(await cli(['runs', 'list', '--json', '--workflows', FIXTURE_WORKFLOWS]));
    const listed = page.runs.find((r: RunView) => r.id === id);
    assert.ok(listed, `run ${id} is listed`);
    assert.equal(listed.status, 'SUCCESS');
    assert.equal(listed.phase, 'completed');
    assert.ok('nextCursor' in page);
  });

  test('runs show prints the run and its timeline', async () => {
    const id = await start('test.chain', { steps: 2 });
    await finished(id);
    const { run, timeline } = json(await cli(['runs', 'show', id]));
    assert.equal(run.id, id);
    assert.equal(run.status, 'SUCCESS');
    assert.deepEqual(run.output, [0, 10]);
    assert.deepEqual(
      timeline.map((e: any) => (e.type === 'step' ? `step:${e.name}:${JSON.stringify(e.output)}` : `${e.name}:${e.toPhase ?? ''}`)),
      ['created:queued', 'phase_changed:running', 'step:chainStep:0', 'step:chainStep:10', 'phase_changed:completed'],
    );
  });

  test('runs cancel stops a waiting run; runs resume continues it from its checkpoint', async () => {
    const id = await start('test.wait-for-go', {});
    await waitFor('the run to wait for its message', async () => (await executions(env.pool, id)).s0 === 1);

    const cancelled = json(await cli(['runs', 'cancel', id]));
    assert.equal(cancelled.id, id);
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal(cancelled.phase, 'cancelled');

    const resumed = json(await cli(['runs', 'resume', id]));
    assert.equal(resumed.id, id);
    assert.ok(['ENQUEUED', 'PENDING'].includes(resumed.status), resumed.status);
    await waitFor('the resumed run to wait again', async () => (await env.w.runs.get(id)).status === 'PENDING');
    await DBOS.send(id, 'from the cli test', 'go');
    const done = await finished(id);
    assert.deepEqual(done.output, { got: 'from the cli test' });
    assert.deepEqual(await executions(env.pool, id), { s0: 1 }, 'the completed step was not re-run');
    const requests = await env.pool.query(`SELECT kind, actor FROM waymark.run_events WHERE run_id = $1 AND kind LIKE '%_requested' ORDER BY id`, [id]);
    assert.deepEqual(requests.rows, [{ kind: 'cancel_requested', actor: 'cli' }, { kind: 'resume_requested', actor: 'cli' }]);
  });

  test('runs fork --from-step 1 prints a new run forked from the original', async () => {
    const id = await start('test.chain', { steps: 3 });
    await finished(id);
    const fork = json(await cli(['runs', 'fork', id, '--from-step', '1']));
    assert.notEqual(fork.id, id);
    assert.equal(fork.forkedFrom, id);
    assert.equal(fork.workflow, 'test.chain');
    const done = await finished(fork.id);
    assert.deepEqual(done.output, [0, 10, 20]);
    assert.deepEqual(await executions(env.pool, fork.id), { s1: 1, s2: 1 }, 'step 0 came from its checkpoint');
  });
});

describe('bad input', () => {
  let existing: string;
  before(async () => {
    existing = await start('test.chain', { steps: 1 });
    await finished(existing);
  });

  const cases: { name: string; args: () => string[]; code?: string }[] = [
    { name: 'malformed --input JSON', args: () => ['runs', 'start', 'test.chain', '--input', '{bad'], code: 'malformed_json' },
    { name: 'an unknown workflow', args: () => ['runs', 'start', 'no-such-workflow', '--input', '{}'], code: 'workflow_not_found' },
    { name: 'an unknown run id', args: () => ['runs', 'show', 'nope'], code: 'run_not_found' },
    { name: 'a negative --from-step', args: () => ['runs', 'fork', existing, '--from-step', '-1'] },
  ];
  for (const c of cases) {
    test(`${c.name} exits non-zero with a one-line error and creates no run`, async () => {
      const before = await counts();
      const r = await cli(c.args());
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
      assert.match(lines[0]!, c.code ? new RegExp(`^error \\[${c.code}\\]: \\S`) : /^error \[[a-z_]+\]: \S/);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
      assert.deepEqual(await counts(), before);
    });
  }
});

test('keys create prints a key once; it authenticates in its tenant until keys revoke', async () => {
  const created = await cli(['--tenant', 'acme', 'keys', 'create', '--name', 'ci-bot', '--roles', 'operator,deployer']);
  assert.equal(created.code, 0, created.stderr);
  const key = /key \(shown once\): (wmk_\S+)/.exec(created.stdout)?.[1];
  assert.ok(key, created.stdout);
  assert.match(created.stdout, new RegExp(`authorization: Bearer ${key}`));
  const principal = await env.w.server.keys.authenticate(`Bearer ${key}`);
  assert.deepEqual(principal && { tenantId: principal.tenantId, name: principal.name, roles: principal.roles }, { tenantId: 'acme', name: 'ci-bot', roles: ['operator', 'deployer'] });

  const listed = json(await cli(['--tenant', 'acme', 'keys', 'list']));
  assert.deepEqual(listed.map((k: any) => k.name), ['ci-bot']);
  assert.ok(!JSON.stringify(listed).includes(key.slice(21)), 'never the secret');
  assert.deepEqual(json(await cli(['keys', 'list'])).filter((k: any) => k.name === 'ci-bot'), [], 'not in another tenant');
  assert.notEqual((await cli(['keys', 'revoke', principal!.keyId])).code, 0, "another tenant's key cannot be revoked");

  const revoked = json(await cli(['--tenant', 'acme', 'keys', 'revoke', principal!.keyId]));
  assert.equal(revoked.revokedBy, 'cli');
  assert.equal(await env.w.server.keys.authenticate(`Bearer ${key}`), undefined);
  const audit = json(await cli(['--tenant', 'acme', 'audit-log']));
  assert.deepEqual(audit.entries.map((e: any) => e.action), ['key.revoked', 'key.created']);

  const bad = await cli(['keys', 'create', '--name', 'x', '--roles', 'Root!']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error \[validation_failed\]: Invalid key: roles\.0/m);
});

test('breakers list shows the declared breakers; breakers reset --open forces one open and reset closes it, recorded with the actor', async () => {
  const listed = json(await cli(['--workflows', FIXTURE_WORKFLOWS, 'breakers', 'list']));
  const vendor = listed.find((b: any) => b.name === 'vendor.order');
  assert.deepEqual({ state: vendor.state, tools: vendor.tools, waitingCalls: vendor.waitingCalls }, { state: 'closed', tools: ['vendor.order'], waitingCalls: 0 });
  const forced = json(await cli(['--workflows', FIXTURE_WORKFLOWS, 'breakers', 'reset', 'vendor.order', '--open', '--by', 'ops@acme', '--reason', 'maintenance']));
  assert.deepEqual({ state: forced.state, forced: forced.forced }, { state: 'open', forced: true });
  const reset = json(await cli(['breakers', 'reset', 'vendor.order']));
  assert.equal(reset.state, 'closed');
  const events = await env.pool.query(`SELECT kind, actor, reason FROM waymark.breaker_events WHERE breaker = 'vendor.order' ORDER BY id`);
  assert.deepEqual(events.rows, [{ kind: 'forced_open', actor: 'ops@acme', reason: 'maintenance' }, { kind: 'reset', actor: 'cli', reason: null }]);
  const missing = await cli(['breakers', 'reset', 'no-such-breaker']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /breaker_not_found/);
});
