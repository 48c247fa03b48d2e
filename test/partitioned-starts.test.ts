/**
 * Runs that start themselves, of a workflow declared partitioned (one run per customer at a
 * time): a schedule, an event trigger and a parent's `startChildren` each give the partition
 * key (and priority) of the runs they start, and are refused when they are made — not at every
 * tick or event — if they give none. Over the real HTTP API, with the controllable clock.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { z } from 'zod';
import { Waymark, startChildren, waitForChildren, type ReceivedEvent } from '../src/index.js';
import { eventRunId, signWebhook } from '../src/server.js';
import { TestClock } from '../src/testing.js';
import { useFixtureEnv } from './fixture-env.js';
import { closeQueueFixtures, partitioned, queueBeforeLaunch, queueWorkflows } from './fixtures/queue-workflows.js';
import { startTestWaymark, waitFor } from './helpers.js';

const SECRET = 'orders-secret';
const clock = new TestClock(new Date('2026-04-06T08:00:00Z'));

const orderPlaced = Waymark.trigger({
  source: 'shop', type: 'order.placed', workflow: 'q.partitioned',
  input: (e: ReceivedEvent) => ({ label: `order ${e.key}`, sleepMs: 0 }),
  partitionKey: (e) => `customer:${(e.data as { customer: string }).customer}`,
  priority: 7,
});

/** A parent that starts partitioned children, two per customer. */
const fanOut = Waymark.registerWorkflow(
  { name: 'q.partitioned-fan-out', description: 'Starts partitioned children, keyed by customer', input: z.object({ customers: z.array(z.string()) }) },
  async (input) => {
    const handles = await startChildren(partitioned, input.customers.map((c) => ({ label: c, hold: false, sleepMs: 0 })), {
      partitionKey: (child) => `customer:${child.label}`, priority: 3,
    });
    return (await waitForChildren(handles)).map((o) => o.status);
  },
);

// Registered before the environment's own teardown, so it runs first: the fixtures' pool closes
// before the test database is dropped.
after(() => closeQueueFixtures());

const env = useFixtureEnv('partitioned_starts', {
  waymark: {
    clock, workflows: [...queueWorkflows, fanOut], beforeLaunch: queueBeforeLaunch, triggers: [orderPlaced],
    config: { leaseTtlMs: 600, webhookSecrets: { shop: SECRET }, webhookToleranceSeconds: 300 },
  },
});

const schedulesCount = async () => Number((await env.pool.query('SELECT count(*) FROM waymark.schedules')).rows[0].count);
const runOf = (id: string) =>
  waitFor(`run ${id} to complete`, async () => {
    const r = await env.w.api('GET', `/v1/runs/${encodeURIComponent(id)}`);
    return r.status === 200 && r.body.status === 'SUCCESS' ? r.body : undefined;
  }, 120_000);

describe('schedules', () => {
  test('a schedule of a partitioned workflow without a partition key is refused when made, and nothing is stored', async () => {
    const before = await schedulesCount();
    const missing = await env.w.api('POST', '/v1/schedules', { name: 'no-key', workflow: 'q.partitioned', cron: '*/5 * * * *', input: {} });
    assert.equal(missing.status, 422, JSON.stringify(missing.body));
    assert.equal(missing.body.code, 'partition_key_required');
    const notPartitioned = await env.w.api('POST', '/v1/schedules', { name: 'wrong-key', workflow: 'q.shared', cron: '*/5 * * * *', input: {}, partitionKey: 'customer:1' });
    assert.equal(notPartitioned.status, 422, JSON.stringify(notPartitioned.body));
    assert.equal(notPartitioned.body.code, 'invalid_queue_options');
    const badPriority = await env.w.api('POST', '/v1/schedules', { name: 'bad-priority', workflow: 'q.partitioned', cron: '*/5 * * * *', partitionKey: 'customer:1', priority: 1001 });
    assert.equal(badPriority.status, 422);
    assert.equal(await schedulesCount(), before);
  });

  test('a schedule with a partition key and priority starts each tick\'s run in that partition', async () => {
    const made = await env.w.api('POST', '/v1/schedules', {
      name: 'customer-nine', workflow: 'q.partitioned', cron: '*/10 * * * *', input: { label: 'tick', sleepMs: 0 }, partitionKey: 'customer:9', priority: 20,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.partitionKey, 'customer:9');
    assert.equal(made.body.priority, 20);
    await clock.set(new Date('2026-04-06T08:10:30Z'));
    const schedule = await waitFor('the tick', async () => {
      const s = (await env.w.api('GET', '/v1/schedules/customer-nine')).body;
      return s.lastRunId ? s : undefined;
    });
    assert.equal(schedule.lastError, null);
    const run = await runOf(schedule.lastRunId);
    assert.equal(run.partitionKey, 'customer:9');
    assert.equal(run.priority, 20);
  });

  test('a schedule declared with a partitioned workflow must give a partition key', () => {
    assert.throws(
      () => Waymark.registerWorkflow(
        { name: 'q.declared-partitioned', description: 'x', input: z.object({}), queue: { partitionConcurrency: 1 }, schedule: { cron: '@daily' } },
        async () => 0,
      ),
      (e: Error & { code?: string }) => e.code === 'invalid_workflow' && /needs a partitionKey/.test(e.message),
    );
  });
});

describe('event triggers', () => {
  test('a trigger maps the partition key from the event; the run carries it and the priority', async () => {
    const body = JSON.stringify({ id: 'ord-1', type: 'order.placed', key: 'A-100', data: { customer: '42' } });
    const r = await env.w.api('POST', '/v1/events/shop', body, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, body) });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const run = await runOf(eventRunId('shop', 'ord-1', 'q.partitioned'));
    assert.equal(run.partitionKey, 'customer:42');
    assert.equal(run.priority, 7);
    assert.equal(run.output, 'order A-100');
  });

  test("an event key that is no valid business key (it has a space) starts the run without one, by default", async () => {
    const body = JSON.stringify({ id: 'ord-2', type: 'order.placed', key: 'Dana Kim', data: { customer: '43' } });
    const r = await env.w.api('POST', '/v1/events/shop', body, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, body) });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const run = await runOf(eventRunId('shop', 'ord-2', 'q.partitioned'));
    assert.equal(run.businessKey, null);
    assert.equal(run.output, 'order Dana Kim');
  });

  test('two triggers that one event matches, of one workflow, stop Waymark from starting', async () => {
    const all = Waymark.trigger({ source: 'shop', type: '*', workflow: 'q.partitioned', partitionKey: () => 'customer:0', name: 'every-shop-event' });
    await assert.rejects(
      startTestWaymark(env.url, { workflows: queueWorkflows, triggers: [orderPlaced, all], worker: false, http: false, config: { webhookSecrets: { shop: SECRET } } }),
      (e: Error & { code?: string }) => e.code === 'invalid_trigger' && /every-shop-event/.test(e.message),
    );
  });

  test('a trigger of a partitioned workflow without a partition-key mapping stops Waymark from starting', async () => {
    const unkeyed = Waymark.trigger({ source: 'shop', type: 'order.placed', workflow: 'q.partitioned' });
    await assert.rejects(
      startTestWaymark(env.url, { workflows: queueWorkflows, triggers: [unkeyed], worker: false, http: false, config: { webhookSecrets: { shop: SECRET } } }),
      (e: Error & { code?: string }) => e.code === 'invalid_trigger' && /needs a partitionKey/.test(e.message),
    );
    assert.throws(() => Waymark.trigger({ source: 'shop', type: 'x', workflow: 'q.partitioned', priority: -1 }), /priority/);
  });
});

describe('child runs', () => {
  test('startChildren gives each child its partition key and the priority', async () => {
    const { run } = await env.w.runs.start({ workflow: 'q.partitioned-fan-out', input: { customers: ['7', '8'] } });
    const done = await runOf(run.id);
    assert.deepEqual(done.output, ['succeeded', 'succeeded']);
    const kids = (await env.w.api('GET', `/v1/runs/${run.id}/children`)).body.children as { id: string }[];
    const views = await Promise.all(kids.map(async (k) => (await env.w.api('GET', `/v1/runs/${encodeURIComponent(k.id)}`)).body));
    assert.deepEqual(views.map((v) => [v.partitionKey, v.priority]), [['customer:7', 3], ['customer:8', 3]]);
  });
});
