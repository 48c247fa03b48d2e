/**
 * Secrets stay secret, with real worker processes, a real provider over HTTP and everything
 * Waymark and DBOS store read back as text: a bearer token a provider echoes in its 401 body,
 * a token in the notification webhook's URL path and a workflow input marked secret appear in
 * no table, no log line and no API answer — while the workflow still gets the live input, also
 * after its worker is SIGKILLed and another recovers the run. Tool-call keys are HMACs under
 * the installation secret, which every worker of a database shares.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, test } from 'node:test';
import { canonicalJson } from '../src/canonical-json.js';
import { toolCallKey } from '../src/agent/tool-keys.js';
import { useFixtureEnv } from './fixture-env.js';
import { http, installationKeys, killWorker, spawnWorker, waitFor, type WorkerProcess } from './helpers.js';

const PROVIDER_TOKEN = 'prov-tok-7f3a9c2e1b8d4f60';
const HOOK_TOKEN = 'HOOKtoken-93ab71cd55e2';
const API_KEY = 'sk-live-a1b2c3d4e5f6a7b8c9d0';

const env = useFixtureEnv('secrets', { toolServer: true, waymark: { worker: false } });
const workers: WorkerProcess[] = [];
after(async () => {
  for (const w of workers) await killWorker(w);
});

const worker = async (): Promise<WorkerProcess> => {
  const w = await spawnWorker(env.url, {
    TOOL_SERVER_URL: env.server.url,
    SECRETS_TEST_PROVIDER_TOKEN: PROVIDER_TOKEN,
    // The tool server answers 404 on this path, so the failed delivery is recorded with its URL.
    WAYMARK_NOTIFY_WEBHOOK_URL: `${env.server.url}/hooks/services/${HOOK_TOKEN}`,
    WORKER_HTTP: '1',
    PORT: '0',
    LOG_LEVEL: 'debug',
  });
  workers.push(w);
  return w;
};
const start = async (workflow: string, input: unknown) => (await env.w.as({ actor: 'test' }).runs.start({ workflow, input })).run.id;
const settled = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  }, 90_000);

/** Every row of every table in the waymark and dbos schemas, as text. */
async function everythingStored(): Promise<string> {
  const { rows } = await env.pool.query<{ s: string; t: string }>(
    `SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_schema IN ('waymark', 'dbos') AND table_type = 'BASE TABLE'`,
  );
  const out: string[] = [];
  for (const { s, t } of rows) {
    const r = await env.pool.query<{ row: string }>(`SELECT x::text AS row FROM "${s}"."${t}" x`);
    out.push(...r.rows.map((x) => `${s}.${t}: ${x.row}`));
  }
  assert.ok(out.some((l) => l.startsWith('dbos.workflow_status')) && out.some((l) => l.startsWith('dbos.operation_outputs')), 'the dump covers DBOS checkpoints');
  return out.join('\n');
}

/** What the HTTP API (on a worker: the in-process Waymark has none) answers about a run. */
async function servedAbout(base: string, id: string): Promise<string> {
  const answers = await Promise.all(
    [`/v1/runs/${id}`, `/v1/runs/${id}/timeline`, `/v1/runs/${id}/tool-calls`, `/v1/runs?limit=100`, `/v1/dead-letters`, `/v1/dead-letters/${id}`].map((p) =>
      http(base, 'GET', p, undefined, { authorization: `Bearer ${env.w.adminKey}` }),
    ),
  );
  assert.equal(answers[0]!.status, 200);
  return JSON.stringify(answers.map((a) => a.body));
}

const httpBase = (w: WorkerProcess): string => {
  const m = /^HTTP (http:\/\/\S+)/m.exec(w.output());
  if (!m) throw new Error(`no HTTP URL in worker output:\n${w.output()}`);
  return m[1]!;
};

test('a bearer token a provider echoes in its 401 body is stored, logged and served nowhere', async () => {
  const w = await worker();
  const id = await start('secrets.rejected', { ref: 'r-401' });
  const run = await settled(id);
  assert.equal(run.status, 'ERROR');
  assert.ok(env.server.requests.some((r) => r.path === '/provider' && r.authorization === `Bearer ${PROVIDER_TOKEN}`), 'the provider got the token');
  // The failure is recorded — scrubbed — in the run's error, the ledger and the dead letter.
  assert.match(JSON.stringify(run.error), /answered 401: .*Invalid credentials: Bearer \[redacted\]/);
  const [call] = (await env.pool.query(`SELECT last_error FROM waymark.tool_calls WHERE run_id = $1`, [id])).rows;
  assert.match(JSON.stringify(call.last_error), /Bearer \[redacted\]/);
  await waitFor('the dead letter', async () => (await env.pool.query('SELECT 1 FROM waymark.dead_letters WHERE run_id = $1', [id])).rowCount);

  const stored = await everythingStored();
  assert.ok(!stored.includes(PROVIDER_TOKEN), `token stored:\n${stored.split('\n').filter((l) => l.includes(PROVIDER_TOKEN)).join('\n')}`);
  assert.ok(!(await servedAbout(httpBase(w), id)).includes(PROVIDER_TOKEN));
  assert.match(w.output(), /\[redacted\]/, 'the worker logged the failure (scrubbed)');
  assert.ok(!w.output().includes(PROVIDER_TOKEN), `token logged:\n${w.output()}`);
});

test('a token in the notification webhook URL path is neither stored nor served', async () => {
  const w = workers[0] ?? (await worker());
  const id = await start('secrets.notify', { ref: 'n-1' });
  const run = await settled(id);
  assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error)); // a failed delivery does not fail the run
  assert.ok(env.server.requests.some((r) => r.path === `/hooks/services/${HOOK_TOKEN}`), 'the webhook was called on its secret path');
  const [call] = (await env.pool.query(`SELECT status, last_error FROM waymark.tool_calls WHERE run_id = $1 AND tool = 'waymark.notify.webhook'`, [id])).rows;
  assert.equal(call.status, 'failed');
  assert.match(JSON.stringify(call.last_error), /POST http:\/\/127\.0\.0\.1:\d+\/\[redacted\] answered 404/);

  const stored = await everythingStored();
  assert.ok(!stored.includes(HOOK_TOKEN), `hook token stored:\n${stored.split('\n').filter((l) => l.includes(HOOK_TOKEN)).join('\n')}`);
  assert.ok(!(await servedAbout(httpBase(w), id)).includes(HOOK_TOKEN));
  assert.ok(!w.output().includes(HOOK_TOKEN), 'hook token logged');
});

test('a secret input reaches the workflow but no table, log or API answer, also when another worker recovers the run; keys are HMACs shared by the workers', async () => {
  // Only this test's workers may take the run: the earlier tests' worker goes first.
  for (const w of workers.splice(0)) await killWorker(w);
  // Two workers started at once agree on one installation secret.
  const [first, second] = await Promise.all([worker(), worker()]);
  const { rows: installations } = await env.pool.query('SELECT secret FROM waymark.installation');
  assert.equal(installations.length, 1);

  const id = await start('secrets.input', { customer: 'c-1', apiKey: API_KEY, gated: true });
  await waitFor('the first call', async () => env.server.requests.some((r) => r.body?.note === 'first:c-1'));
  // Kill whichever worker took the run (the other one recovers it) while it waits at its gate.
  await waitFor('the run to reach its gate', async () =>
    (await env.pool.query(`SELECT 1 FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_name LIKE 'tool:%'`, [id])).rowCount);
  const [{ executor_id: owner }] = (await env.pool.query('SELECT executor_id FROM dbos.workflow_status WHERE workflow_uuid = $1', [id])).rows;
  const victim = [first, second].find((w) => w.executorId === owner)!;
  const survivor = [first, second].find((w) => w !== victim)!;
  assert.ok(victim, `the run is owned by one of the workers (${owner})`);
  await killWorker(victim);
  await env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1)', [id]);

  // The survivor adopts the dead worker's runs once its lease runs out.
  const run = await settled(id);
  assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
  const calls = env.server.requests.filter((r) => r.path === '/provider' && /:c-1$/.test(String(r.body?.note)));
  assert.deepEqual(calls.map((r) => [r.body.note, r.authorization]), [
    ['first:c-1', `Bearer ${API_KEY}`],
    ['second:c-1', `Bearer ${API_KEY}`],
  ], 'both calls, the second after the recovery, got the live value');
  assert.deepEqual(run.input, { customer: 'c-1', apiKey: '[redacted]', gated: true });
  assert.deepEqual(run.output, { customer: 'c-1', apiKey: '[redacted]', notes: ['first:c-1', 'second:c-1'] });

  const stored = await everythingStored();
  assert.ok(!stored.includes(API_KEY), `secret input stored:\n${stored.split('\n').filter((l) => l.includes(API_KEY)).join('\n')}`);
  assert.equal((await env.pool.query('SELECT 1 FROM waymark.run_secrets WHERE run_id = $1', [id])).rowCount, 0, 'the sealed input went with success');
  assert.ok(!(await servedAbout(httpBase(survivor), id)).includes(API_KEY));
  for (const w of [first, second]) assert.ok(!w.output().includes(API_KEY), 'secret input logged');

  // The keys: HMACs under the installation secret, not plain hashes of the arguments.
  const keys = await installationKeys(env.pool);
  const ledger = (await env.pool.query(`SELECT key, args FROM waymark.tool_calls WHERE run_id = $1 ORDER BY created_at`, [id])).rows;
  assert.deepEqual(ledger.map((r) => r.key), [
    toolCallKey(keys, 'secrets.provider', { apiKey: API_KEY, note: 'first:c-1' }, id),
    toolCallKey(keys, 'secrets.provider', { apiKey: API_KEY, note: 'second:c-1' }, id),
  ], 'the recovering worker computed the same keys as the first');
  const plain = createHash('sha256').update(canonicalJson({ apiKey: API_KEY, note: 'first:c-1' })).digest('hex').slice(0, 32);
  assert.ok(!ledger[0].key.endsWith(plain));
  assert.deepEqual(ledger[0].args, { apiKey: '[redacted]', note: 'first:c-1' });

  // A fork after success cannot see the secret any more, and says so.
  const fork = await env.w.as({ actor: 'test' }).runs.fork(id, 0);
  const forked = await settled(fork.id);
  assert.equal(forked.status, 'ERROR');
  assert.match(JSON.stringify(forked.error), /secret inputs of run .* are gone/);
});
