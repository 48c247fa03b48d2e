/**
 * Durable time on a controllable clock (`waymark/testing`): sleeps, reminders and deadlines fall
 * due when the test advances time, not before, against real Postgres and real DBOS workflows.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClock } from '../src/testing.js';
import { beforeLaunch, workflows } from './fixtures/workflows.js';
import { createTestDatabase, dropTestDatabase, startTestWaymark, waitFor, type TestWaymark } from './helpers.js';

const clock = new TestClock(new Date('2026-06-01T08:00:00Z'));
let url: string;
let w: TestWaymark;

before(async () => {
  url = await createTestDatabase('clock');
  // These tests watch the clock's live waits (clock.waiting): runs stay live while they wait here
  // (parked waits on a test clock are test/parked-waits.test.ts's).
  w = await startTestWaymark(url, { workflows, beforeLaunch, clock, http: false, config: { hotWaitMs: 600_000 } });
});
after(async () => {
  await w.stop();
  await dropTestDatabase(url);
});

const finished = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await w.runs.get(id);
    return r.status === 'SUCCESS' || r.status === 'ERROR' ? r : undefined;
  });
const timeline = async (id: string) => (await w.runs.timeline(id)).map((e) => e.name);

test('a durable sleep of three days ends when the clock has advanced three days, not before', async () => {
  const { run } = await w.runs.start({ workflow: 'test.sleep', input: { duration: '3d' } });
  await waitFor('the run to sleep', () => Promise.resolve(clock.waiting === 1));
  await clock.advance('2d');
  // Two days on, the run still sleeps: nothing woke it, and its step after the sleep has not run.
  assert.equal(clock.waiting, 1);
  assert.equal((await w.runs.get(run.id)).status, 'PENDING');
  assert.ok(!(await timeline(run.id)).includes('afterWait'));
  await clock.advance('1d');
  const done = await finished(run.id);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
  assert.equal(done.output, 'continued after sleep');
  assert.equal(clock.waiting, 0);
});

test("an approval's reminder and deadline fire on the clock's days, once each", async () => {
  const requestedAt = clock.now();
  const { run } = await w.runs.start({
    workflow: 'test.approval',
    input: { title: 'Pay Ada', proposal: { amount: 10, payee: 'Ada' }, assignees: { users: ['ops'] }, reminders: ['1d'], deadline: { afterMs: '5d', outcome: 'continue' } },
  });
  const approval = await waitFor('the approval', async () => (await w.approvals.list({ runId: run.id })).approvals[0]);
  assert.equal(approval.deadlineAt, new Date(requestedAt + 5 * 86_400_000).toISOString(), 'the deadline counts from the clock, five days after the request');
  await waitFor('the run to wait', () => Promise.resolve(clock.waiting === 1));
  assert.equal((await w.approvals.get(approval.id)).remindersSent, 0);

  await clock.advance('1d');
  await waitFor('the reminder', async () => (await w.approvals.get(approval.id)).remindersSent === 1);
  await waitFor('the run to wait for the deadline', () => Promise.resolve(clock.waiting === 1));
  await clock.advance('3d');
  // Day 4: before the deadline, the approval is still pending and nothing more was sent.
  const day4 = await w.approvals.get(approval.id);
  assert.equal(day4.status, 'pending');
  assert.equal(day4.remindersSent, 1);

  await clock.advance('1d');
  const done = await finished(run.id);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
  const out = done.output as { decision: { decision: string; expired: boolean; decidedBy: string } };
  assert.deepEqual([out.decision.decision, out.decision.expired, out.decision.decidedBy], ['approved', true, 'system:deadline']);
  assert.equal((await w.approvals.get(approval.id)).status, 'expired');
});

test('advancing past several due times at once runs each of them, in order, once', async () => {
  const { run } = await w.runs.start({
    workflow: 'test.approval',
    input: {
      title: 'Refund Bo', proposal: { amount: 5, payee: 'Bo' }, assignees: { users: ['ops'] }, reminders: ['1d'],
      escalations: [{ afterMs: '2d', to: { roles: ['lead'] } }], deadline: { afterMs: '5d', outcome: 'reject' },
    },
  });
  const approval = await waitFor('the approval', async () => (await w.approvals.list({ runId: run.id })).approvals[0]);
  await waitFor('the run to wait', () => Promise.resolve(clock.waiting === 1));
  await clock.advance('10d');
  const done = await finished(run.id);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.error));
  const out = done.output as { decision: { decision: string; expired: boolean } };
  assert.deepEqual([out.decision.decision, out.decision.expired], ['rejected', true]);
  const after = await w.approvals.get(approval.id);
  assert.deepEqual([after.status, after.remindersSent, after.escalationLevel, after.assignees.roles], ['expired', 1, 1, ['lead']]);
  const kinds = (await w.runs.timeline(run.id)).filter((e) => e.type === 'event' && e.name.startsWith('approval_')).map((e) => e.name);
  assert.deepEqual(kinds, ['approval_requested', 'approval_reminder_sent', 'approval_escalated', 'approval_expired']);
});
