/**
 * Which forks would wait for an answer addressed to the original run, from recorded step
 * layouts of approvals and event waits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forkBlockedByWait, type RecordedStep } from '../../src/service/fork-rules.js';

// requestApproval: the request, a reminder deadline passing, the decision (recv), then on.
const approval: RecordedStep[] = [
  { id: 0, name: 'waymark.approval.request', output: { id: 'apv_1', createdAtMs: 1 } },
  { id: 2, name: 'DBOS.recv', output: null },
  { id: 6, name: 'DBOS.recv', output: { decision: 'approved', value: {} } },
];

test('a fork from before the wait opens it again; from after its answer it replays the answer', () => {
  assert.equal(forkBlockedByWait(approval, 0), null);
  assert.equal(forkBlockedByWait(approval, 7), null);
  assert.equal(forkBlockedByWait(approval, 9), null);
});

test('a fork from between the opening and the answer is blocked, naming the wait', () => {
  for (const from of [1, 3, 6]) assert.deepEqual(forkBlockedByWait(approval, from), { stepId: 0, kind: 'approval', id: 'apv_1' }, String(from));
});

test('a wait still open blocks every fork after it; a clock wake-up is no answer', () => {
  const open: RecordedStep[] = [
    { id: 0, name: 'waymark.approval.request', output: { id: 'apv_2' } },
    { id: 1, name: 'DBOS.recv', output: { waymarkClock: 5, at: 5 } },
  ];
  assert.deepEqual(forkBlockedByWait(open, 2), { stepId: 0, kind: 'approval', id: 'apv_2' });
});

test('event waits: a timeout or an early event answers them; an expiry answers an approval', () => {
  const timedOut: RecordedStep[] = [
    { id: 0, name: 'waymark.event.wait', output: { id: 'wait_1', early: null, deadlineMs: 1 } },
    { id: 1, name: 'DBOS.recv', output: null },
    { id: 3, name: 'waymark.event.timeout', output: true },
  ];
  assert.equal(forkBlockedByWait(timedOut, 4), null);
  assert.deepEqual(forkBlockedByWait(timedOut, 2), { stepId: 0, kind: 'event', id: 'wait_1' });
  const early: RecordedStep[] = [{ id: 0, name: 'waymark.event.wait', output: { id: 'wait_2', early: { source: 's' } } }];
  assert.equal(forkBlockedByWait(early, 1), null);
  const expired: RecordedStep[] = [
    { id: 0, name: 'waymark.approval.request', output: { id: 'apv_3' } },
    { id: 1, name: 'DBOS.recv', output: null },
    { id: 3, name: 'waymark.approval.expired', output: true },
  ];
  assert.equal(forkBlockedByWait(expired, 4), null);
});

test('each wait is judged on its own: the second of two waits can block', () => {
  const two: RecordedStep[] = [
    { id: 0, name: 'waymark.event.wait', output: { id: 'wait_a', early: null } },
    { id: 1, name: 'DBOS.recv', output: { id: 'evt-1' } },
    { id: 4, name: 'waymark.approval.request', output: { id: 'apv_b' } },
    { id: 5, name: 'DBOS.recv', output: null },
  ];
  assert.equal(forkBlockedByWait(two, 3), null);
  assert.deepEqual(forkBlockedByWait(two, 5), { stepId: 4, kind: 'approval', id: 'apv_b' });
});
