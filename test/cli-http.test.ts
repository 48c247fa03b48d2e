/**
 * The `waymark` command line over HTTP (`--url` and WAYMARK_API_KEY): a real subprocess per
 * command against a real listening Waymark server, with no database of its own (its
 * DATABASE_URL points nowhere, so a command that touched the database would fail). Schedules
 * are created, listed, paused, resumed and deleted; runs are started and their results waited
 * for; bad input exits non-zero with a one-line `error [code]: ...` and creates nothing.
 *
 * The server is reached through a small recording proxy, so a test can wait until the CLI's
 * long poll for a result has reached the server before letting the run end.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { listenLocal, closeLocal } from './support/local-http.js';
import { runCli, waitFor, type CliResult } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

const env = useFixtureEnv('cli_http');

/** Forwards every request to the Waymark server and remembers the paths it saw. */
let proxy: { url: string; server: http.Server; seen: string[] };
let apiKey: string;
/** A database URL nothing listens on: the CLI must not need one with --url. */
const NO_DATABASE = 'postgresql://postgres@127.0.0.1:9/nowhere';

/** Starts the proxy and makes the key, once (on first use: the file's environment is up by then). */
let setUp: Promise<void> | undefined;
const ready = (): Promise<void> => (setUp ??= setUpOnce());
async function setUpOnce(): Promise<void> {
  apiKey = (await env.w.server.keys.create(env.w.server.scope({ actor: 'test-setup' }), { name: 'ops-cli', roles: ['operator'] })).key;
  const seen: string[] = [];
  const target = new URL(env.w.httpUrl);
  const { server, url } = await listenLocal((req, res, body) => {
    seen.push(`${req.method} ${req.url}`);
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  });
  proxy = { url, server, seen };
}
after(() => closeLocal(proxy?.server, []));

/** Runs `waymark --url <server> <args>` as the operator key (or with `extraEnv` instead). */
async function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  await ready();
  return runCli(['--url', proxy.url, ...args], {
    ...process.env, DATABASE_URL: NO_DATABASE, WAYMARK_URL: '', LOG_LEVEL: 'warn', WAYMARK_API_KEY: apiKey, ...extraEnv,
  });
}

function json(r: CliResult): any {
  assert.equal(r.code, 0, `exit code 0 expected; stderr:\n${r.stderr}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not JSON:\n${r.stdout}`);
  }
}

const schedule = async (name: string) =>
  (await env.pool.query(`SELECT name, workflow, cron, timezone, input, business_key, paused_at, paused_by, created_by FROM waymark.schedules WHERE name = $1`, [name])).rows[0];
const scheduleAudit = async (name: string) =>
  (await env.pool.query(`SELECT action, actor FROM waymark.audit_log WHERE target = $1 AND action LIKE 'schedule.%' ORDER BY id`, [name])).rows;

test('schedules: create, list, pause, resume and delete over HTTP, as the key', async () => {
  const created = json(await cli([
    'schedules', 'create', 'nightly-chain', 'test.chain', '0 3 * * *',
    '--timezone', 'Europe/Berlin', '--input', '{"steps":2}', '--business-key', 'report:nightly', '--catch-up', 'all', '--max-catch-up', '5',
  ]));
  assert.deepEqual(
    { name: created.name, workflow: created.workflow, cron: created.cron, timezone: created.timezone, input: created.input, businessKey: created.businessKey },
    { name: 'nightly-chain', workflow: 'test.chain', cron: '0 3 * * *', timezone: 'Europe/Berlin', input: { steps: 2 }, businessKey: 'report:nightly' },
  );
  assert.deepEqual({ catchUp: created.catchUp, maxCatchUp: created.maxCatchUp, paused: created.paused, createdBy: created.createdBy }, { catchUp: 'all', maxCatchUp: 5, paused: false, createdBy: 'ops-cli' });
  assert.ok(Date.parse(created.nextTickAt) > Date.now(), created.nextTickAt);
  assert.equal((await schedule('nightly-chain'))?.created_by, 'ops-cli', 'stored, by the key');

  const listed = json(await cli(['schedules', 'list']));
  assert.ok(Array.isArray(listed), 'a JSON array of schedules');
  assert.deepEqual(listed.find((s: any) => s.name === 'nightly-chain'), created);

  const paused = json(await cli(['schedules', 'pause', 'nightly-chain']));
  assert.deepEqual({ name: paused.name, paused: paused.paused, pausedBy: paused.pausedBy }, { name: 'nightly-chain', paused: true, pausedBy: 'ops-cli' });
  assert.ok((await schedule('nightly-chain'))?.paused_at, 'paused in the database');

  const resumed = json(await cli(['schedules', 'resume', 'nightly-chain']));
  assert.deepEqual({ paused: resumed.paused, pausedBy: resumed.pausedBy }, { paused: false, pausedBy: null });
  assert.equal((await schedule('nightly-chain'))?.paused_at, null, 'resumed in the database');

  const deleted = await cli(['schedules', 'delete', 'nightly-chain']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout.trim(), 'deleted nightly-chain');
  assert.equal(await schedule('nightly-chain'), undefined, 'gone from the database');
  assert.deepEqual(json(await cli(['schedules', 'list'])).filter((s: any) => s.name === 'nightly-chain'), []);
  assert.deepEqual(await scheduleAudit('nightly-chain'), ['created', 'paused', 'resumed', 'deleted'].map((a) => ({ action: `schedule.${a}`, actor: 'ops-cli' })));

  // Every command went to the server; none fell back to the database (which is unreachable).
  assert.deepEqual(proxy.seen.filter((s) => s.includes('/v1/schedules')).map((s) => s.split(' ')[0]), ['POST', 'GET', 'POST', 'POST', 'DELETE', 'GET']);
});

describe('runs over HTTP', () => {
  test('runs start --wait prints the run and its output once it has succeeded', async () => {
    const { run, output } = json(await cli(['runs', 'start', 'test.chain', '--input', '{"steps":3}', '--wait', '60s']));
    assert.equal(run.status, 'SUCCESS');
    assert.equal(run.createdBy, 'ops-cli');
    assert.deepEqual(output, [0, 10, 20]);
    assert.deepEqual((await env.w.runs.get(run.id)).output, [0, 10, 20]);
  });

  test('runs start --wait with a number of milliseconds waits like runs result --wait does', async () => {
    const { run, output } = json(await cli(['runs', 'start', 'test.chain', '--input', '{"steps":1}', '--wait', '60000']));
    assert.equal(run.status, 'SUCCESS');
    assert.deepEqual(output, [0]);
  });

  test('runs start --wait on a run that fails exits 1 with run_failed', async () => {
    const r = await cli(['runs', 'start', 'test.always-fails', '--wait', '60s']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.trim(), /^error \[run_failed\]: [^\n]+$/);
  });

  test('runs result --wait waits for the run to end and prints it', async () => {
    const { run } = json(await cli(['runs', 'start', 'test.chain', '--input', '{"steps":2,"blockAt":1}']));
    // Not ended yet: --wait 0 answers at once with the run as it is, and exit code 75.
    const early = await cli(['runs', 'result', run.id]);
    assert.equal(early.code, 75, early.stderr);
    assert.notEqual(JSON.parse(early.stdout).status, 'SUCCESS');

    const earlier = proxy.seen.length;
    const waiting = cli(['runs', 'result', run.id, '--wait', '2m']);
    // A wait longer than one long poll asks again when a poll is over (Node's fetch gives up on
    // an answer held for 300 s, proxies often after 60 s). Open the run's gate only once the
    // CLI's second poll has reached the server: the CLI must still be waiting then, and answer
    // with the ended run.
    const polls = (): string[] => proxy.seen.slice(earlier).filter((s) => s.startsWith(`GET /v1/runs/${run.id}/result?wait=`));
    await waitFor('the CLI to poll for the result a second time', () => Promise.resolve(polls().length >= 2), 120_000);
    await env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1)', [run.id]);
    const done = json(await waiting);
    assert.equal(done.id, run.id);
    assert.equal(done.status, 'SUCCESS');
    assert.deepEqual(done.output, [0, 10]);
    const waits = polls().map((s) => Number(new URL(s.split(' ')[1]!, 'http://x').searchParams.get('wait')));
    assert.ok(waits.every((ms) => ms > 0 && ms <= 60_000), `every poll is held briefly enough for proxies, got ${waits.join(', ')}`);
  });
});

describe('bad input over HTTP', () => {
  const counts = async () =>
    (await env.pool.query(
      `SELECT (SELECT count(*) FROM waymark.schedules)::int AS schedules, (SELECT count(*) FROM waymark.runs)::int AS runs,
              (SELECT count(*) FROM dbos.workflow_status)::int AS workflows,
              (SELECT count(*) FROM waymark.audit_log WHERE action NOT IN ('access.denied'))::int AS audit`,
    )).rows[0] as Record<string, number>;
  before(async () => {
    json(await cli(['schedules', 'create', 'taken', 'test.chain', '0 9 * * 1-5', '--input', '{"steps":1}']));
  });

  const cases: { name: string; args: string[]; env?: NodeJS.ProcessEnv; code: string }[] = [
    { name: 'a malformed cron expression', args: ['schedules', 'create', 'bad-cron', 'test.chain', 'every day', '--input', '{"steps":1}'], code: 'invalid_schedule' },
    { name: 'an unknown workflow for a schedule', args: ['schedules', 'create', 'no-wf', 'no-such-workflow', '0 9 * * *'], code: 'workflow_not_found' },
    { name: 'schedule input the workflow refuses', args: ['schedules', 'create', 'bad-input', 'test.chain', '0 9 * * *', '--input', '{"steps":0}'], code: 'invalid_input' },
    { name: 'malformed --input JSON for a schedule', args: ['schedules', 'create', 'bad-json', 'test.chain', '0 9 * * *', '--input', '{bad'], code: 'malformed_json' },
    { name: 'an unknown --catch-up policy', args: ['schedules', 'create', 'bad-catch-up', 'test.chain', '0 9 * * *', '--catch-up', 'never'], code: 'invalid_arguments' },
    { name: 'a schedule name that is taken', args: ['schedules', 'create', 'taken', 'test.chain', '0 10 * * *', '--input', '{"steps":1}'], code: 'schedule_name_taken' },
    { name: 'pausing an unknown schedule', args: ['schedules', 'pause', 'no-such-schedule'], code: 'schedule_not_found' },
    { name: 'resuming an unknown schedule', args: ['schedules', 'resume', 'no-such-schedule'], code: 'schedule_not_found' },
    { name: 'deleting an unknown schedule', args: ['schedules', 'delete', 'no-such-schedule'], code: 'schedule_not_found' },
    { name: 'starting an unknown workflow with --wait', args: ['runs', 'start', 'no-such-workflow', '--wait', '5s'], code: 'workflow_not_found' },
    { name: 'a malformed --wait for runs start', args: ['runs', 'start', 'test.chain', '--input', '{"steps":1}', '--wait', 'soon'], code: 'invalid_duration' },
    { name: 'the result of an unknown run', args: ['runs', 'result', 'no-such-run', '--wait', '5s'], code: 'run_not_found' },
    { name: 'a malformed --wait for runs result', args: ['runs', 'result', 'no-such-run', '--wait', 'soon'], code: 'invalid_duration' },
    { name: '--tenant with --url', args: ['--tenant', 'acme', 'schedules', 'create', 'other-tenant', 'test.chain', '0 9 * * *', '--input', '{"steps":1}'], code: 'invalid_arguments' },
    { name: 'no API key', args: ['schedules', 'create', 'no-key', 'test.chain', '0 9 * * *', '--input', '{"steps":1}'], env: { WAYMARK_API_KEY: '' }, code: 'invalid_arguments' },
    { name: 'an unknown API key', args: ['schedules', 'create', 'wrong-key', 'test.chain', '0 9 * * *', '--input', '{"steps":1}'], env: { WAYMARK_API_KEY: 'wmk_not_a_real_key' }, code: 'unauthenticated' },
  ];
  for (const c of cases) {
    test(`${c.name} exits non-zero with a one-line error [${c.code}] and creates nothing`, async () => {
      const before = await counts();
      const r = await cli(c.args, c.env);
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
      assert.match(lines[0]!, new RegExp(`^error \\[${c.code}\\]: \\S`));
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
      assert.deepEqual(await counts(), before);
    });
  }
});
