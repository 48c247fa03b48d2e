/**
 * Parked waits: a waiting run leaves memory and its queue slot after its hot window (here 0:
 * it parks at once), stays waiting in the database, and the decision, event, resolution or
 * its next timer resumes it exactly once — against real Postgres, real DBOS and real processes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { signWebhook } from '../src/server.js';
import { TestClock } from '../src/testing.js';
import { beforeLaunch, workflows } from './fixtures/workflows.js';
import { killWorker, spawnWorker, startTestWaymark, waitFor, type WorkerProcess } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

const SECRET = 'parked-secret';
const clock = new TestClock(new Date('2026-03-02T09:00:00Z'));
// Every wait parks at once; 16 runs execute at a time, however many wait.
const env = useFixtureEnv('parked', {
  poolSize: 6,
  toolServer: true,
  waymark: { clock, config: { hotWaitMs: 0, concurrency: 16, webhookSecrets: { police: SECRET }, leaseTtlMs: 1500 } },
});
const api = (method: string, path: string, body?: unknown) => env.w.api(method, path, body);

const parked = (runId: string) =>
  waitFor(`run ${runId} to park`, async () => (await env.pool.query(`SELECT 1 FROM waymark.parked_runs WHERE run_id = $1 AND state = 'parked'`, [runId])).rowCount === 1, 120_000);
const countEvents = async (runId: string, kind: string): Promise<number> =>
  Number((await env.pool.query('SELECT count(*) AS n FROM waymark.run_events WHERE run_id = $1 AND kind = $2', [runId, kind])).rows[0].n);
const stepRuns = async (runId: string, name: string): Promise<number> =>
  Number((await env.pool.query('SELECT count(*) AS n FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_name = $2', [runId, name])).rows[0].n);
const settled = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  });

async function startApproval(input: Record<string, unknown> = {}): Promise<{ runId: string; approvalId: string }> {
  const { run } = await env.w.runs.start({ workflow: 'test.approval', input: { title: 'Pay the garage', proposal: { amount: 10, payee: 'Smith' }, assignees: { users: ['ada'] }, ...input } });
  const approval = await waitFor('the approval', async () => (await env.w.approvals.list({ runId: run.id })).approvals[0]);
  return { runId: run.id, approvalId: approval.id };
}

describe('an approval', () => {
  test('parks, shows as waiting, and the decision resumes it once', async () => {
    const { runId, approvalId } = await startApproval();
    await parked(runId);
    const view = await api('GET', `/v1/runs/${runId}`);
    assert.equal(view.body.status, 'PENDING');
    assert.equal(view.body.phase, 'waiting_for_approval');
    assert.equal(view.body.parked, true);
    const decided = await env.w.approvals.decide(approvalId, { decision: 'approve' });
    assert.equal(decided.status, 'approved');
    const done = await settled(runId);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.equal((done.output as { decision: { decision: string } }).decision.decision, 'approved');
    assert.equal((await env.pool.query('SELECT 1 FROM waymark.parked_runs WHERE run_id = $1', [runId])).rowCount, 0);
  });
});

describe('waiting for the result of a parked run', () => {
  test('a long poll on a parked run keeps waiting past its fallback looks and answers with the end', async () => {
    const { runId, approvalId } = await startApproval();
    await parked(runId);
    const poll = api('GET', `/v1/runs/${runId}/result?wait=5m`);
    // Past the long poll's fallback look (every 5 s), which read the parked run's DBOS status
    // (CANCELLED) as an end and answered 202 while the run still waited.
    await new Promise((r) => setTimeout(r, 7_000));
    await env.w.approvals.decide(approvalId, { decision: 'approve' });
    const res = await poll;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'SUCCESS');
  });
});

describe('decisions racing the park', () => {
  test('each of 20 runs decided while it parks continues exactly once', async () => {
    const started = await Promise.all(Array.from({ length: 20 }, () => startApproval()));
    // Decide at once: some decisions land before the park step, some while the run stops, some after.
    await Promise.all(started.map((s) => env.w.approvals.decide(s.approvalId, { decision: 'approve' })));
    for (const s of started) {
      const done = await settled(s.runId);
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
      assert.equal(await stepRuns(s.runId, 'afterWait'), 1);
      assert.equal(await countEvents(s.runId, 'approval_decided'), 1);
    }
    const left = await env.pool.query('SELECT run_id, state FROM waymark.parked_runs WHERE run_id = ANY($1)', [started.map((s) => s.runId)]);
    assert.deepEqual(left.rows, []);
  });
});

describe('timers of parked runs', () => {
  test('a reminder due while parked is sent once, and the deadline due while parked applies once', async () => {
    const { runId, approvalId } = await startApproval({ reminders: [86_400_000], deadline: { afterMs: 3 * 86_400_000, outcome: 'reject' } });
    await parked(runId);
    assert.equal((await env.w.approvals.get(approvalId)).remindersSent, 0);
    await clock.advance('1d');
    await waitFor('the reminder', async () => (await env.w.approvals.get(approvalId)).remindersSent === 1);
    await parked(runId);
    // Nothing more is due: a second sweep and another hour change nothing.
    await clock.advance('1h');
    assert.equal((await env.w.approvals.get(approvalId)).remindersSent, 1);
    await clock.advance('2d');
    const done = await settled(runId);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    const out = done.output as { decision: { decision: string; expired: boolean } };
    assert.deepEqual([out.decision.decision, out.decision.expired], ['rejected', true]);
    const a = await env.w.approvals.get(approvalId);
    assert.deepEqual([a.status, a.remindersSent], ['expired', 1]);
    assert.equal(await countEvents(runId, 'approval_reminder_sent'), 1);
    assert.equal(await countEvents(runId, 'approval_expired'), 1);
  });

  test('a durable sleep parks and its end resumes it', async () => {
    const { run } = await env.w.runs.start({ workflow: 'test.sleep', input: { duration: '2h' } });
    await parked(run.id);
    await clock.advance('1h');
    assert.equal((await env.w.runs.get(run.id)).parked, true);
    await clock.advance('1h');
    const done = await settled(run.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.equal(done.output, 'continued after sleep');
  });
});

describe('deadlines of parked runs', () => {
  test("a run's deadline that passes while it is parked fails it once: stopped for good, approval cancelled, dead-lettered", async () => {
    const { run } = await env.w.runs.start({ workflow: 'test.approval-deadline', input: { title: 'Pay late', proposal: { amount: 3, payee: 'z' }, assignees: { users: ['ada'] } } });
    await parked(run.id);
    const failed = await waitFor('the deadline', async () => {
      const r = await env.w.runs.get(run.id);
      return r.phase === 'failed' && r.status === 'CANCELLED' ? r : undefined;
    });
    assert.equal(failed.parked, false);
    const approval = (await env.w.approvals.list({ runId: run.id })).approvals[0]!;
    assert.equal(approval.status, 'cancelled');
    await assert.rejects(env.w.approvals.decide(approval.id, { decision: 'approve' }), { code: 'approval_cancelled' });
    assert.equal(await countEvents(run.id, 'deadline_exceeded'), 1);
    const letter = await waitFor('the dead letter', async () => (await env.pool.query(`SELECT cause FROM waymark.dead_letters WHERE run_id = $1`, [run.id])).rows[0]);
    assert.equal(letter.cause, 'timeout');
    // Its timer no longer wakes it.
    await clock.advance('1d');
    assert.deepEqual([(await env.w.runs.get(run.id)).status, (await env.w.runs.get(run.id)).phase], ['CANCELLED', 'failed']);
  });
});

describe('an event wait', () => {
  test('parks; the webhook delivers to it and resumes it once', async () => {
    const key = `claim-${Date.now()}`;
    const { run } = await env.w.runs.start({ workflow: 'test.event', input: { source: 'police', type: 'report', key } });
    await parked(run.id);
    assert.equal((await env.w.runs.get(run.id)).phase, 'waiting_for_event');
    const raw = JSON.stringify({ id: `ev-${key}`, type: 'report', key, data: { no: 7 } });
    const r = await env.w.api('POST', '/v1/events/police', raw, { 'content-type': 'application/json', 'waymark-signature': signWebhook(SECRET, raw) });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual(r.body.deliveredTo, [run.id]);
    const done = await settled(run.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.deepEqual((done.output as { result: { event: { data: unknown } } }).result.event.data, { no: 7 });
  });
});

describe('an in-doubt tool call', () => {
  test('the run parks while a person decides; the resolution resumes it once, and the tool is not called again', async () => {
    env.server.hangAfterActing.set('/charges', 1);
    const { run } = await env.w.runs.start({ workflow: 'tools.charge-quick-timeout', input: { ref: 'parked-1', cents: 10 } });
    await parked(run.id);
    assert.equal((await env.w.runs.get(run.id)).phase, 'escalated');
    const [call] = await env.w.toolCalls.list(run.id);
    assert.equal(call?.status, 'in_doubt');
    await env.w.toolCalls.resolve(run.id, call.key, { happened: true, output: { chargeId: 'ch-parked' } });
    const done = await settled(run.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.deepEqual(done.output, { chargeId: 'ch-parked' });
    assert.equal(env.server.charges.filter((c) => c.ref === 'parked-1').length, 1, 'charged once, never again');
  });
});

describe('operating on a parked run', () => {
  test('cancel stops it for good; a decision is refused and time wakes nothing; resume makes it wait again', async () => {
    const { runId, approvalId } = await startApproval({ reminders: [3_600_000] });
    await parked(runId);
    const cancelled = await api('POST', `/v1/runs/${runId}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'CANCELLED');
    assert.equal(cancelled.body.phase, 'cancelled');
    assert.equal(cancelled.body.parked, false);
    assert.equal((await env.w.approvals.get(approvalId)).status, 'cancelled');
    await assert.rejects(env.w.approvals.decide(approvalId, { decision: 'approve' }), { code: 'approval_cancelled' });
    await clock.advance('2h');
    const still = await env.w.runs.get(runId);
    assert.deepEqual([still.status, still.phase], ['CANCELLED', 'cancelled']);
    assert.equal((await env.w.approvals.get(approvalId)).remindersSent, 0);

    const resumed = await api('POST', `/v1/runs/${runId}/resume`);
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    await parked(runId);
    assert.equal((await env.w.approvals.get(approvalId)).status, 'pending');
    assert.equal((await env.w.runs.get(runId)).phase, 'waiting_for_approval');
    await env.w.approvals.decide(approvalId, { decision: 'reject' });
    const done = await settled(runId);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    assert.equal((done.output as { decision: { decision: string } }).decision.decision, 'rejected');
  });

  test('resume is refused as for a live waiting run; a fork from its first step waits (parked) on its own', async () => {
    const { runId } = await startApproval();
    await parked(runId);
    const refused = await api('POST', `/v1/runs/${runId}/resume`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'run_not_resumable');
    const fork = await api('POST', `/v1/runs/${runId}/fork`, { fromStep: 0 });
    assert.equal(fork.status, 201, JSON.stringify(fork.body));
    await parked(fork.body.id);
    const forkApproval = await waitFor('the fork\'s approval', async () => (await env.w.approvals.list({ runId: fork.body.id })).approvals[0]);
    await env.w.approvals.decide(forkApproval.id, { decision: 'approve' });
    assert.equal((await settled(fork.body.id)).status, 'SUCCESS');
    assert.equal((await env.w.runs.get(runId)).parked, true, 'the original still waits');
  });
});

describe('concurrency means work', () => {
  test('1,000 parked runs with concurrency 16: a new run starts and completes as usual', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 1000; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => env.w.runs.start({ workflow: 'test.sleep', input: { duration: '30d' } })));
      ids.push(...batch.map((b) => b.run.id));
    }
    await waitFor('1,000 runs parked', async () => Number((await env.pool.query(`SELECT count(*) AS n FROM waymark.parked_runs WHERE state = 'parked' AND run_id = ANY($1)`, [ids])).rows[0].n) === 1000, 300_000);
    const { run } = await env.w.runs.start({ workflow: 'test.chain', input: { steps: 3 } });
    const done = await settled(run.id);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
    const listed = await env.w.runs.list({ status: 'PENDING', workflow: 'test.sleep', limit: 5 });
    assert.equal(listed.runs.length, 5);
    assert.ok(listed.runs.every((r) => r.parked));
    // Parked runs are in flight for their version (a worker of it must stay to resume them).
    const version = (await env.w.versions.list()).find((v) => v.appVersion === 'test-1');
    assert.ok(version && version.parked >= 1000 && version.inFlight >= 1000, JSON.stringify(version));
    // Cancelled for good in one go, so that later tests' sweeps have nothing of theirs to do.
    for (const id of ids) await env.w.runs.cancel(id);
  });
});

describe('a worker that dies', () => {
  test('runs parked on a worker killed with SIGKILL are resumed by another worker, once each', async () => {
    const worker = await spawnWorker(env.url, { WAYMARK_HOT_WAIT_MS: '0', WAYMARK_LEASE_TTL_MS: '1500', WAYMARK_CONCURRENCY: '4' });
    // Only the other worker executes these runs: this process's worker is busy with nothing, but
    // the queue hands runs to both; those it takes are as good a test of resumption.
    const started = await Promise.all(Array.from({ length: 8 }, () => startApproval()));
    // Kill it while runs are parking (some parked, some half-way).
    await waitFor('some runs parked', async () => Number((await env.pool.query(`SELECT count(*) AS n FROM waymark.parked_runs WHERE run_id = ANY($1)`, [started.map((s) => s.runId)])).rows[0].n) >= 2);
    await killWorker(worker);
    for (const s of started) await env.w.approvals.decide(s.approvalId, { decision: 'approve' });
    for (const s of started) {
      const done = await settled(s.runId);
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
      assert.equal(await stepRuns(s.runId, 'afterWait'), 1);
    }
  });
});

/**
 * Barriers in the database stop a worker at an exact boundary of park or resume: a trigger makes
 * the boundary's statement wait for an advisory lock the test holds. The test then SIGKILLs the
 * process that waits there and ends its connection (so the statement never commits, as in a
 * crash), and another worker carries on.
 */
describe('SIGKILL at the boundaries of park and resume', () => {
  const WORKER_ENV = { WAYMARK_HOT_WAIT_MS: '0', WAYMARK_LEASE_TTL_MS: '1500', WORKER_HTTP: '1', PORT: '0' };
  let holder: pg.Client;
  before(async () => {
    // The runs below execute only in the two worker processes each test starts.
    await env.w.stop();
    env.w = await startTestWaymark(env.url, { workflows, beforeLaunch, worker: false, config: { leaseTtlMs: 1500 } });
    await env.pool.query(`
      CREATE TABLE IF NOT EXISTS public.test_barriers (point text PRIMARY KEY);
      DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'waymark_app') THEN GRANT SELECT ON public.test_barriers TO waymark_app; END IF; END $$;
      CREATE OR REPLACE FUNCTION public.test_barrier(p_run text, p_point text) RETURNS void LANGUAGE plpgsql AS $b$
      BEGIN
        -- One run at a time passes these barriers in the tests below.
        IF EXISTS (SELECT 1 FROM public.test_barriers WHERE point = p_point) THEN
          PERFORM pg_advisory_xact_lock_shared(hashtext('barrier:' || p_point));
        END IF;
      END $b$;
      CREATE OR REPLACE FUNCTION public.test_barrier_status() RETURNS trigger LANGUAGE plpgsql AS $b$
      BEGIN
        IF OLD.status = 'PENDING' AND NEW.status = 'CANCELLED' THEN PERFORM public.test_barrier(NEW.workflow_uuid, 'stop'); END IF;
        IF OLD.status = 'CANCELLED' AND NEW.status = 'ENQUEUED' THEN PERFORM public.test_barrier(NEW.workflow_uuid, 'resume'); END IF;
        RETURN NEW;
      END $b$;
      CREATE OR REPLACE FUNCTION public.test_barrier_park() RETURNS trigger LANGUAGE plpgsql AS $b$
      BEGIN
        IF OLD.state = 'parking' AND NEW.state = 'parked' THEN PERFORM public.test_barrier(NEW.run_id, 'finish'); END IF;
        RETURN NEW;
      END $b$;
      DROP TRIGGER IF EXISTS test_barrier ON dbos.workflow_status;
      CREATE TRIGGER test_barrier BEFORE UPDATE OF status ON dbos.workflow_status FOR EACH ROW EXECUTE FUNCTION public.test_barrier_status();
      DROP TRIGGER IF EXISTS test_barrier ON waymark.parked_runs;
      CREATE TRIGGER test_barrier BEFORE UPDATE ON waymark.parked_runs FOR EACH ROW EXECUTE FUNCTION public.test_barrier_park();`);
    holder = new pg.Client({ connectionString: env.url });
    holder.on('error', () => {}); // ended by the database's drop at the end
    await holder.connect();
  });
  after(() => holder.end());

  /** Arms `point`: the next statement to reach it waits for the lock the test holds. */
  async function arm(point: string): Promise<void> {
    await holder.query(`SELECT pg_advisory_lock(hashtext('barrier:' || $1::text))`, [point]);
    await env.pool.query('INSERT INTO public.test_barriers (point) VALUES ($1)', [point]);
  }
  const blockedPid = (point: string) =>
    waitFor(`a statement waiting at barrier '${point}'`, async () => {
      const { rows } = await env.pool.query(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = hashtext('barrier:' || $1::text)::oid`, [point]);
      return rows[0]?.pid as number | undefined;
    }, 60_000);
  /** The crash: the process dies, and its statement waiting at the barrier dies with it. */
  async function crash(victim: WorkerProcess, pid: number, point: string): Promise<void> {
    await killWorker(victim);
    await env.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await env.pool.query('DELETE FROM public.test_barriers WHERE point = $1', [point]);
    await holder.query(`SELECT pg_advisory_unlock(hashtext('barrier:' || $1::text))`, [point]);
  }
  const workers = async () => [await spawnWorker(env.url, WORKER_ENV), await spawnWorker(env.url, WORKER_ENV)];
  const executorOf = async (runId: string) => (await env.pool.query('SELECT executor_id FROM dbos.workflow_status WHERE workflow_uuid = $1', [runId])).rows[0].executor_id as string;
  const approvalOf = (runId: string) => waitFor('the approval', async () => (await env.w.approvals.list({ runId })).approvals[0]);

  for (const point of ['stop', 'finish'] as const) {
    test(`killed ${point === 'stop' ? 'after the park step, before the run stopped itself' : 'after it stopped itself, before the park was recorded'}: the decision still resumes it once`, async () => {
      const ws = await workers();
      await arm(point);
      const { run } = await env.w.runs.start({ workflow: 'test.approval', input: { title: `Crash at ${point}`, proposal: { amount: 1, payee: 'x' }, assignees: { users: ['ada'] } } });
      const pid = await blockedPid(point);
      const victimId = await executorOf(run.id);
      const victim = ws.find((w) => w.executorId === victimId)!;
      const survivor = ws.find((w) => w !== victim)!;
      const state = (await env.pool.query('SELECT state FROM waymark.parked_runs WHERE run_id = $1', [run.id])).rows[0]?.state;
      assert.equal(state, 'parking');
      await crash(victim, pid, point);
      try {
        // Still waiting, as far as anyone can tell.
        const shown = await env.w.runs.get(run.id);
        assert.deepEqual([shown.status, shown.phase], ['PENDING', 'waiting_for_approval']);
        const approval = await approvalOf(run.id);
        await env.w.approvals.decide(approval.id, { decision: 'approve' });
        const done = await settled(run.id);
        assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
        assert.equal(await stepRuns(run.id, 'afterWait'), 1);
        assert.equal(await countEvents(run.id, 'approval_decided'), 1);
      } finally {
        await killWorker(survivor);
      }
    });
  }

  test('the waker killed between its claim and the resume: another worker resumes the run once', async () => {
    const ws = await workers();
    const { run } = await env.w.runs.start({ workflow: 'test.approval', input: { title: 'Crash at resume', proposal: { amount: 1, payee: 'x' }, assignees: { users: ['ada'] } } });
    await parked(run.id);
    const approval = await approvalOf(run.id);
    await arm('resume');
    const [waker, other] = ws as [WorkerProcess, WorkerProcess];
    const httpOf = (w: WorkerProcess) => /HTTP (\S+)/.exec(w.output())![1]!;
    // The decision through the waker's own HTTP API: it commits, claims the run, and stops at the resume.
    const decided = fetch(`${httpOf(waker)}/v1/approvals/${approval.id}/decision`, {
      method: 'POST', headers: { authorization: `Bearer ${env.w.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve' }),
    }).catch(() => undefined);
    const pid = await blockedPid('resume');
    assert.equal((await env.pool.query('SELECT state FROM waymark.parked_runs WHERE run_id = $1', [run.id])).rows[0]?.state, 'resuming');
    assert.equal((await env.w.approvals.get(approval.id)).status, 'approved');
    await crash(waker, pid, 'resume');
    await decided;
    try {
      const done = await settled(run.id);
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
      assert.equal(await stepRuns(run.id, 'afterWait'), 1);
    } finally {
      await killWorker(other);
    }
  });
});
