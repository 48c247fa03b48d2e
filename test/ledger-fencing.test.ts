/**
 * The ledger against a real Postgres: only the execution that owns a call's current attempt
 * may record its outcome. A stale execution — its run was taken over while the tool ran, and
 * the call is in doubt now — records nothing, so a person's resolution is not pre-empted.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { Database } from '../src/store/gateway.js';
import { insertRun } from '../src/store/runs.js';
import { beginWriteAttempt, markAttemptInDoubt, recordFailure, recordWriteSuccess, type CallFacts } from '../src/store/tool-calls.js';
import { createTestDatabase, dropTestDatabase } from './helpers.js';

const scope = { tenantId: 'acme' };
let url: string;
let pool: pg.Pool;
let db: Database;

before(async () => {
  url = await createTestDatabase('ledger_fencing');
  pool = new pg.Pool({ connectionString: url, max: 3 });
  db = new Database(pool, { statementTimeoutMs: 10_000 });
  await db.tx(scope, (q) =>
    insertRun(q, { id: 'run-f', tenantId: 'acme', workflow: 'w', input: {}, idempotencyKey: null, requestHash: 'h', appVersion: 'v', createdBy: 'test', retryBudget: null }),
  );
});
after(async () => {
  await pool.end();
  await dropTestDatabase(url);
});

const facts = (key: string): CallFacts => ({ runId: 'run-f', callSite: 3, key, tool: 'pay.charge', effect: 'write', idempotent: false, compensable: false, args: { cents: 5 } });
const row = async (key: string) => (await pool.query('SELECT status, result, attempts FROM waymark.tool_calls WHERE key = $1', [key])).rows[0];
const begin = (f: CallFacts) => db.tx(scope, (q) => beginWriteAttempt(q, f, { hasReconcile: false }));

test('the owner of the attempt records its outcome', async () => {
  const f = facts('k-owner');
  assert.deepEqual(await begin(f), { decision: 'run', attempt: 1, total: 1 });
  assert.equal(await db.tx(scope, (q) => recordWriteSuccess(q, f, 1, { chargeId: 'c-1' }, 'succeeded')), true);
  assert.deepEqual(await row('k-owner'), { status: 'succeeded', result: { chargeId: 'c-1' }, attempts: 1 });
});

test('a stale execution cannot turn an in-doubt call into succeeded, failed or anything else', async () => {
  const f = facts('k-stale');
  assert.equal((await begin(f))?.decision, 'run');
  // The run is taken over while the tool runs: the new execution finds the attempt unfinished
  // (an attempt a crash interrupted: `recovered`, for the steps-re-executed metric).
  assert.deepEqual(await begin(f), { decision: 'in_doubt', recovered: true });
  assert.equal((await row('k-stale')).status, 'in_doubt');

  // The old execution's tool call returns now: whatever it tries to record changes nothing.
  assert.equal(await db.tx(scope, (q) => recordWriteSuccess(q, f, 1, { chargeId: 'late' }, 'succeeded')), false);
  const plan = await db.tx(scope, (q) =>
    recordFailure(q, f, { attempt: 1, total: 1, error: { retryable: true }, outcome: 'failed', maxAttempts: 5, delayMs: 10, defaultBudget: 10 }),
  );
  assert.equal(plan.fenced, true);
  assert.equal(await db.tx(scope, (q) => markAttemptInDoubt(q, f, 1, { message: 'timeout' }, true)), false);
  assert.deepEqual(await row('k-stale'), { status: 'in_doubt', result: null, attempts: 1 });
});

test("another call site's attempt is not this one's to record", async () => {
  const f = facts('k-other');
  assert.equal((await begin(f))?.decision, 'run');
  const elsewhere = { ...f, callSite: 9 };
  assert.equal(await db.tx(scope, (q) => recordWriteSuccess(q, elsewhere, 1, { chargeId: 'x' }, 'succeeded')), false);
  assert.equal((await row('k-other')).status, 'started');
});
