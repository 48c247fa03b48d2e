/**
 * A fork keeps the business write its ancestors committed at its fork step: re-executing that
 * step, a `db.transaction` that committed in the run it was forked from (or that run's own
 * origin) returns the recorded result instead of writing again — as a dead-letter retry from a
 * step whose transaction committed just before its worker died must. Steps after the fork step
 * are executed again, as the fork asks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useFixtureEnv } from './fixture-env.js';
import { waitFor } from './helpers.js';

const env = useFixtureEnv('fork_writes');

const finished = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  });
const fork = async (id: string, fromStep: number) => {
  const res = await env.w.api('POST', `/v1/runs/${encodeURIComponent(id)}/fork`, { fromStep });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
};

test("a fork (and a fork of the fork) from a business transaction's step returns the committed write instead of writing again", async () => {
  const { run } = await env.w.runs.start({ workflow: 'test.pipeline', input: { documentId: 'fork-doc-1' } });
  const done = await finished(run.id);
  assert.equal(done.status, 'SUCCESS');
  const step = (await env.pool.query(`SELECT function_id FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_name = 'storeDocument'`, [run.id])).rows[0]?.function_id as number;
  assert.equal(typeof step, 'number', 'the write is a recorded step');

  const first = await fork(run.id, step);
  const forked = await finished(first);
  assert.equal(forked.status, 'SUCCESS', JSON.stringify(forked.error));
  assert.deepEqual(forked.output, done.output);
  const second = await fork(first, step);
  assert.equal((await finished(second)).status, 'SUCCESS');
  const rows = await env.pool.query(`SELECT run_id FROM test_documents WHERE id = 'fork-doc-1'`);
  assert.deepEqual(rows.rows, [{ run_id: run.id }], 'one business row, written by the original run');

  // A fork from an earlier step re-executes the steps after it on purpose, the write included.
  const third = await fork(run.id, 0);
  assert.equal((await finished(third)).status, 'SUCCESS');
  const again = await env.pool.query(`SELECT run_id FROM test_documents WHERE id = 'fork-doc-1' ORDER BY seq`);
  assert.deepEqual(again.rows, [{ run_id: run.id }, { run_id: third }]);
});

test('a fork from a transaction that failed runs it again', async () => {
  // The order exists already: the run's insert violates the key, and the run fails.
  await env.pool.query(`INSERT INTO test_orders (id, run_id) VALUES ('fork-dup-1', 'someone-else')`);
  const { run } = await env.w.runs.start({ workflow: 'test.order', input: { orderId: 'fork-dup-1' } });
  const failed = await finished(run.id);
  assert.equal(failed.status, 'ERROR');
  await env.pool.query(`DELETE FROM test_orders WHERE id = 'fork-dup-1'`);
  const step = (await env.pool.query(`SELECT function_id FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_name = 'insertOrder' ORDER BY function_id DESC LIMIT 1`, [run.id])).rows[0]?.function_id as number;
  assert.equal(typeof step, 'number');
  const retried = await finished(await fork(run.id, step));
  assert.equal(retried.status, 'SUCCESS', JSON.stringify(retried.error));
  const rows = await env.pool.query(`SELECT run_id FROM test_orders WHERE id = 'fork-dup-1'`);
  assert.deepEqual(rows.rows, [{ run_id: retried.id }], 'the retry wrote the order');
});
