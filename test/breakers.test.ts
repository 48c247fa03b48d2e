/**
 * Circuit breakers in one process against a real local HTTP dependency that goes down and
 * comes back, on a test clock: repeated transient failures open a breaker; while it is open
 * calls do not reach the dependency and spend no attempts; one call probes at the probe time;
 * recovery closes it and the waiting runs complete; permanent errors do not count; fallbacks
 * answer (audited); a breaker open too long escalates (alert, audit); the HTTP list and reset,
 * with their permissions; the metrics gauge. Worker processes: breakers-workers.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TestClock } from '../src/testing.js';
import { useFixtureEnv } from './fixture-env.js';
import { http, waitFor } from './helpers.js';

const clock = new TestClock(new Date('2026-04-06T08:00:00Z'));
const env = useFixtureEnv('breakers', {
  toolServer: true, webhookSink: true, poolSize: 4,
  waymark: (e) => ({ clock, config: { leaseTtlMs: 1_500, alerts: { webhookUrl: e.hooks.url, emails: [] } } }),
});

const start = async (tool: string, ref: string) => (await env.w.runs.start({ workflow: 'breakers.order', input: { tool, ref } })).run.id;
const settled = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  }, 120_000);
const requests = (dependency: string) => env.server.count('POST', `/dep/${dependency}/`);
const breaker = async (name: string) => (await env.pool.query('SELECT * FROM waymark.breakers WHERE name = $1', [name])).rows[0];
const breakerEvents = async (name: string) =>
  (await env.pool.query<{ kind: string; actor: string }>('SELECT kind, actor FROM waymark.breaker_events WHERE breaker = $1 ORDER BY id', [name])).rows;
const runEvents = async (runId: string, kind: string) =>
  (await env.pool.query('SELECT reason, data FROM waymark.run_events WHERE run_id = $1 AND kind = $2 ORDER BY id', [runId, kind])).rows;
const waitingCalls = async (name: string) =>
  Number((await env.pool.query('SELECT count(*) AS n FROM waymark.breaker_waits WHERE breaker = $1', [name])).rows[0].n);
const attemptsOf = async (runId: string) =>
  (await env.pool.query<{ tool: string; attempts: number; status: string }>('SELECT tool, attempts, status FROM waymark.tool_calls WHERE run_id = $1', [runId])).rows;
/** Waits until `name` is in `state` with `n` calls waiting on it. */
const breakerState = (name: string, state: string, n: number) =>
  waitFor(`breaker ${name} ${state} with ${n} waiting`, async () => {
    const b = await breaker(name);
    return b?.state === state && (await waitingCalls(name)) === n ? b : undefined;
  }, 120_000);

describe('a dependency that stays down', () => {
  test('transient failures open the breaker; open, calls wait without calling or spending attempts; one probe per probe time; recovery completes every waiting run', async () => {
    env.server.dependencies.set('vendor', 'down');
    const first = await start('vendor', 'v-1');
    const opened = await breakerState('vendor.order', 'open', 1);
    assert.equal(opened.failures, 3);
    assert.equal(requests('vendor'), 3, 'three failures, then no more calls');
    assert.deepEqual((await attemptsOf(first)).map((c) => c.attempts), [3]);
    assert.equal(opened.next_probe_at.getTime(), clock.now() + 60_000, 'the next probe is the clock time plus openFor');

    const more = [await start('vendor', 'v-2'), await start('vendor', 'v-3')];
    await breakerState('vendor.order', 'open', 3);
    assert.equal(requests('vendor'), 3, 'waiting calls do not reach the dependency');
    for (const id of more) {
      assert.deepEqual(await attemptsOf(id), [], 'no attempt spent while the breaker is open');
      const [wait] = await runEvents(id, 'tool_breaker_wait');
      assert.equal(wait.data.breaker, 'vendor.order');
      assert.equal(wait.data.nextProbeAt, new Date(clock.now() + 60_000).toISOString());
    }

    // The probe time comes while the dependency is still down: one call probes, it fails, the breaker opens again for twice as long.
    await clock.advance('1m');
    await waitFor('the failed probe', async () => (await breaker('vendor.order')).reopen_count === 1 && (await waitingCalls('vendor.order')) === 3);
    assert.equal(requests('vendor'), 4, 'exactly one probe');
    assert.equal((await breaker('vendor.order')).next_probe_at.getTime(), clock.now() + 120_000);

    env.server.dependencies.set('vendor', 'up');
    await clock.advance('2m');
    const runs = await Promise.all([first, ...more].map(settled));
    for (const r of runs) assert.equal(r.status, 'SUCCESS', JSON.stringify(r.error));
    assert.deepEqual(runs.map((r) => (r.output as { via: string }).via), ['vendor', 'vendor', 'vendor']);
    assert.equal([...env.server.orders.values()].filter((o) => o.dependency === 'vendor').length, 3, 'each order placed once');
    assert.equal(requests('vendor'), 4 + 3, 'after the recovery, each waiting call went out once (one of them as the probe)');
    assert.deepEqual((await breakerEvents('vendor.order')).map((e) => e.kind), ['opened', 'half_open', 'reopened', 'half_open', 'closed']);
    const closed = await breaker('vendor.order');
    assert.equal(closed.state, 'closed');
    assert.equal(closed.failures, 0);
    assert.equal(await waitingCalls('vendor.order'), 0);
    for (const id of more) {
      // The call that probed at the first probe time waited twice (before and after its probe).
      const waited = (await runEvents(id, 'tool_breaker_resumed')).reduce((n, e) => n + Number(e.data.waitedMs), 0);
      assert.equal(waited, 180_000, 'waited until the recovery, on the clock');
      assert.deepEqual((await attemptsOf(id)).map((c) => c.status), ['succeeded']);
    }
  });

  test('permanent errors (a 4xx) do not open the breaker', async () => {
    env.server.dependencies.set('strict', 'reject');
    const ids = [await start('strict', 's-1'), await start('strict', 's-2'), await start('strict', 's-3')];
    for (const id of ids) {
      const r = await settled(id);
      assert.equal(r.status, 'ERROR');
      assert.match(JSON.stringify(r.error), /answered 400/);
    }
    assert.equal(requests('strict'), 3);
    const row = await breaker('strict.order');
    assert.ok(!row || (row.state === 'closed' && row.failures === 0), 'nothing counted');
    assert.deepEqual(await breakerEvents('strict.order'), []);
  });

  test('a fallback answers when the call fails for good with a transient cause, and at once while the breaker is open; both audited', async () => {
    env.server.dependencies.set('primary', 'down');
    const failed = await settled(await start('primary', 'p-1'));
    assert.equal(failed.status, 'SUCCESS', JSON.stringify(failed.error));
    assert.equal((failed.output as { via: string }).via, 'backup');
    assert.equal(requests('primary'), 2, 'both attempts went out; the second opened the breaker');
    const [used] = await runEvents(failed.id, 'tool_fallback_used');
    assert.deepEqual({ ...used.data, key: undefined }, { tool: 'primary.order', fallback: 'backup.order', reason: 'failed', key: undefined });
    assert.equal((await breaker('primary.order')).state, 'open');

    const open = await settled(await start('primary', 'p-2'));
    assert.equal(open.status, 'SUCCESS', JSON.stringify(open.error));
    assert.equal((open.output as { via: string }).via, 'backup');
    assert.equal(requests('primary'), 2, 'the open breaker kept the call from the dependency');
    assert.equal((await runEvents(open.id, 'tool_fallback_used'))[0].data.reason, 'breaker_open');
    assert.deepEqual((await attemptsOf(open.id)).map((c) => [c.tool, c.status]), [['backup.order', 'succeeded']], 'the fallback has its own ledger row');
    assert.equal(await waitingCalls('primary.order'), 0);
  });

  test('a call that may wait at most 5 minutes fails with breaker_open when the breaker stays open', async () => {
    env.server.dependencies.set('impatient', 'down');
    const id = await start('impatient', 'i-1');
    await breakerState('impatient.order', 'open', 1);
    await clock.advance('5m');
    const r = await settled(id);
    assert.equal(r.status, 'ERROR');
    assert.match(JSON.stringify(r.error), /breaker_open/);
    assert.equal(requests('impatient'), 1);
    assert.equal(await waitingCalls('impatient.order'), 0);
  });
});

describe('escalation and operators', () => {
  test('a breaker open past its escalation time alerts once and tells the waiting runs; operators force it open and reset it over HTTP', async () => {
    env.server.dependencies.set('vendor', 'down');
    const id = await start('vendor', 'e-1');
    const opened = await breakerState('vendor.order', 'open', 1);
    const openedAt: Date = opened.opened_at;

    await clock.advance('9m');
    await breakerState('vendor.order', 'open', 1);
    assert.equal((await breaker('vendor.order')).escalated_at, null, 'not yet');
    await clock.advance('1m');
    await waitFor('the escalation', async () => (await breaker('vendor.order')).escalated_at !== null);
    const alerts = (await env.pool.query(`SELECT * FROM waymark.alerts WHERE kind = 'breaker_open' AND page_id = 'vendor.order'`)).rows;
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].tenant_id, 'default');
    assert.equal(alerts[0].run_id, null);
    assert.equal(alerts[0].key, `breaker_open:vendor.order:${openedAt.getTime()}`);
    const hook = await waitFor('the webhook alert', async () => env.hooks.received.find((h) => h.body.kind === 'alert.breaker_open' && (h.body.data as { breaker?: string }).breaker === 'vendor.order'));
    assert.match(String(hook.body.subject), /breaker vendor\.order open/);
    assert.match(String((hook.body as unknown as { link: string }).link), /\/breakers\/vendor\.order$/);
    assert.equal((await runEvents(id, 'tool_breaker_escalated')).length, 1);

    await clock.advance('10m');
    await breakerState('vendor.order', 'open', 1);
    assert.equal((await env.pool.query(`SELECT count(*)::int AS n FROM waymark.alerts WHERE kind = 'breaker_open' AND page_id = 'vendor.order'`)).rows[0].n, 1, 'once per opening');
    assert.equal((await breakerEvents('vendor.order')).filter((e) => e.kind === 'escalated').length, 1);

    // The list: any reader sees it; only the default tenant's operators change it.
    const viewer = await env.w.apiAs('breaker-viewer', ['viewer']);
    const listed = await viewer('GET', '/v1/breakers');
    assert.equal(listed.status, 200);
    const vendor = listed.body.breakers.find((b: { name: string }) => b.name === 'vendor.order');
    assert.equal(vendor.state, 'open');
    assert.equal(vendor.waitingCalls, 1);
    assert.equal(vendor.openedAt, openedAt.toISOString());
    assert.deepEqual(vendor.tools, ['vendor.order']);
    assert.ok(vendor.nextProbeAt);
    assert.ok(vendor.escalatedAt);
    assert.equal(vendor.lastError.message.includes('503'), true);
    assert.equal((await http(env.w.httpUrl, 'GET', '/v1/breakers')).status, 401);
    assert.equal((await viewer('POST', '/v1/breakers/vendor.order/reset', {})).status, 403);
    const otherTenant = await env.w.apiAs('other-operator', ['operator'], 'tenant-b');
    const foreign = await otherTenant('GET', '/v1/breakers');
    assert.equal(foreign.body.breakers.find((b: { name: string }) => b.name === 'vendor.order').waitingCalls, 0, "another tenant's waiting calls are not counted");
    assert.equal((await otherTenant('POST', '/v1/breakers/vendor.order/reset', {})).status, 403);
    const operator = await env.w.apiAs('breaker-operator', ['operator']);
    assert.equal((await operator('POST', '/v1/breakers/no-such-breaker/reset', {})).body.code, 'breaker_not_found');

    const forced = await operator('POST', '/v1/breakers/vendor.order/reset', { state: 'open', reason: 'vendor maintenance' });
    assert.equal(forced.status, 200);
    assert.equal(forced.body.forced, true);
    assert.equal(forced.body.nextProbeAt, null);
    env.server.dependencies.set('vendor', 'up');
    const before = requests('vendor');
    await clock.advance('1h');
    await breakerState('vendor.order', 'open', 1);
    assert.equal(requests('vendor'), before, 'no probe while forced open');

    const reset = await operator('POST', '/v1/breakers/vendor.order/reset', { reason: 'vendor confirmed recovery' });
    assert.equal(reset.status, 200);
    assert.equal(reset.body.state, 'closed');
    const r = await settled(id);
    assert.equal(r.status, 'SUCCESS', JSON.stringify(r.error));
    const events = await env.pool.query(`SELECT kind, actor, reason FROM waymark.breaker_events WHERE breaker = 'vendor.order' AND kind IN ('forced_open', 'reset') ORDER BY id`);
    assert.deepEqual(events.rows, [
      { kind: 'forced_open', actor: 'breaker-operator', reason: 'vendor maintenance' },
      { kind: 'reset', actor: 'breaker-operator', reason: 'vendor confirmed recovery' },
    ]);
  });

  test('the metrics show each breaker\'s state', async () => {
    const res = await env.w.api('GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(String(res.body), /waymark_breaker_state\{breaker="primary.order"\} 2/);
    assert.match(String(res.body), /waymark_breaker_state\{breaker="vendor.order"\} 0/);
    assert.match(String(res.body), /waymark_breaker_waiting_calls\{breaker="vendor.order"\} 0/);
  });
});
