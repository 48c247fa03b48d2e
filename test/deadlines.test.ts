/**
 * Run deadlines and idle timeouts: a missed deadline fails the run (cancelled, dead-lettered,
 * recorded); an idle run escalates and may still finish; each acted on once.
 */
import assert from 'node:assert/strict';
import { useFixtureEnv } from './fixture-env.js';
import { test } from 'node:test';
import { waitFor } from './helpers.js';

const env = useFixtureEnv('deadlines', { waymark: { config: { leaseTtlMs: 900 } } });

const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);
const events = async (id: string) => (await env.pool.query(`SELECT kind, actor, reason, to_phase FROM waymark.run_events WHERE run_id = $1 ORDER BY id`, [id])).rows;

test('a run that misses its deadline is failed, cancelled and dead-lettered, with the reason in the audit trail', async () => {
  const id = (await api('POST', '/v1/runs', { workflow: 'test.deadline', input: {} })).body.id as string;
  const run = await waitFor('the deadline', async () => {
    const r = (await api('GET', `/v1/runs/${id}`)).body;
    return r.status === 'CANCELLED' ? r : undefined;
  });
  assert.equal(run.phase, 'failed');
  const log = await events(id);
  const exceeded = log.filter((e) => e.kind === 'deadline_exceeded');
  assert.equal(exceeded.length, 1, 'acted on once');
  assert.match(exceeded[0].reason, /deadline of 1000 ms exceeded/);
  assert.ok(log.some((e) => e.to_phase === 'failed' && e.actor === 'system'));
  // The dead letter is recorded by the run's failure, just after the cancel that ended it.
  const dead = await waitFor('the dead letter', async () => {
    const r = await api('GET', `/v1/dead-letters/${id}`);
    return r.status === 200 ? r.body : undefined;
  });
  assert.equal(dead.cause, 'timeout');
});

test('an idle run escalates and still completes when it moves again', async () => {
  const id = (await api('POST', '/v1/runs', { workflow: 'test.idle', input: { steps: 2, blockAt: 1 } })).body.id as string;
  await waitFor('escalation', async () => (await api('GET', `/v1/runs/${id}`)).body.phase === 'escalated');
  assert.equal((await api('GET', `/v1/runs/${id}`)).body.status, 'PENDING', 'escalated, not stopped');
  await env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1)', [id]);
  const run = await waitFor('completion', async () => {
    const r = (await api('GET', `/v1/runs/${id}`)).body;
    return r.status === 'SUCCESS' ? r : undefined;
  });
  assert.equal(run.phase, 'completed');
  assert.equal((await events(id)).filter((e) => e.kind === 'idle_timeout').length, 1);
});
