/**
 * The run record is written atomically with the DBOS enqueue: when the enqueue fails, no run
 * row and no audit event remain.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

// Instant dispatch off: this file is about the enqueue in the start transaction (a direct start
// commits a dispatch row instead; test/instant-dispatch.test.ts covers that path).
const env = useFixtureEnv('run_record', { waymark: { http: false, config: { instantDispatch: false } } });

const counts = async () => {
  const { rows } = await env.pool.query(
    `SELECT (SELECT count(*) FROM waymark.runs)::int AS runs, (SELECT count(*) FROM waymark.run_events)::int AS events,
            (SELECT count(*) FROM dbos.workflow_status)::int AS workflows`,
  );
  return rows[0] as { runs: number; events: number; workflows: number };
};

test('a failing enqueue leaves no run row and no event', async () => {
  // Make DBOS's enqueue fail inside the transaction, as a broken system table would.
  await env.pool.query(`
    CREATE FUNCTION public.refuse_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'enqueue refused for the test'; END $$;
    CREATE TRIGGER refuse_enqueue BEFORE INSERT ON dbos.workflow_status FOR EACH ROW EXECUTE FUNCTION public.refuse_enqueue();`);
  const before = await counts();
  try {
    await assert.rejects(env.w.as({ actor: 'test' }).runs.start({ workflow: 'test.chain', input: { steps: 1 }, idempotencyKey: 'k-1' }), /enqueue refused/);
    assert.deepEqual(await counts(), before);
  } finally {
    await env.pool.query('DROP TRIGGER refuse_enqueue ON dbos.workflow_status; DROP FUNCTION public.refuse_enqueue()');
  }
  // The same idempotency key is free again: nothing of the failed attempt remained.
  const { run, created } = await env.w.as({ actor: 'test' }).runs.start({ workflow: 'test.chain', input: { steps: 1 }, idempotencyKey: 'k-1' });
  assert.equal(created, true);
  await waitFor('run to finish', async () => (await env.w.runs.get(run.id)).status === 'SUCCESS');
  const after = await counts();
  assert.equal(after.runs, before.runs + 1);
  assert.equal(after.workflows, before.workflows + 1);
});

test('a run started from the library is recorded with its actor, tenant and version', async () => {
  const { run } = await env.w.as({ actor: 'billing-service' }).runs.start({ workflow: 'test.chain', input: { steps: 1 } });
  const { rows } = await env.pool.query('SELECT tenant_id, created_by, app_version, workflow FROM waymark.runs WHERE id = $1', [run.id]);
  assert.deepEqual(rows[0], { tenant_id: 'default', created_by: 'billing-service', app_version: 'test-1', workflow: 'test.chain' });
  const status = await env.pool.query('SELECT application_version, queue_name FROM dbos.workflow_status WHERE workflow_uuid = $1', [run.id]);
  assert.deepEqual(status.rows[0], { application_version: 'test-1', queue_name: 'waymark_runs' });
});
