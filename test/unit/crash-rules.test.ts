/**
 * The poison-run rule: crashes are counted in a row without progress; graceful stops, deaths in
 * a wait and an execution still running in the same process are not crashes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeCrashSite, judgeExecutionStart, type PreviousExecution } from '../../src/store/crash-rules.js';

const prev = (p: Partial<PreviousExecution> = {}): PreviousExecution => ({ processToken: 'a', state: 'executing', checkpointAtStart: 3, crashesWithoutProgress: 0, ...p });

test('a first execution has nothing to count', () => {
  assert.deepEqual(judgeExecutionStart(undefined, 'b', -1, 5), { crashed: false, crashesWithoutProgress: 0, poisoned: false });
});

test('a crash without progress adds one; at the limit the run is poisoned', () => {
  assert.deepEqual(judgeExecutionStart(prev({ crashesWithoutProgress: 1 }), 'b', 3, 5), { crashed: true, crashesWithoutProgress: 2, poisoned: false });
  assert.deepEqual(judgeExecutionStart(prev({ crashesWithoutProgress: 4 }), 'b', 3, 5), { crashed: true, crashesWithoutProgress: 5, poisoned: true });
  assert.deepEqual(judgeExecutionStart(prev(), 'b', 3, 1), { crashed: true, crashesWithoutProgress: 1, poisoned: true });
});

test('a crash after progress starts a new row', () => {
  assert.deepEqual(judgeExecutionStart(prev({ crashesWithoutProgress: 4 }), 'b', 4, 5), { crashed: true, crashesWithoutProgress: 1, poisoned: false });
});

test('graceful stops and deaths while waiting are not crashes; progress since clears the row', () => {
  for (const state of ['interrupted', 'waiting', 'ended'] as const) {
    assert.deepEqual(judgeExecutionStart(prev({ state, crashesWithoutProgress: 4 }), 'b', 3, 5), { crashed: false, crashesWithoutProgress: 4, poisoned: false });
    assert.deepEqual(judgeExecutionStart(prev({ state, crashesWithoutProgress: 4 }), 'b', 7, 5), { crashed: false, crashesWithoutProgress: 0, poisoned: false });
  }
});

test('an execution still marked executing by this very process did not crash', () => {
  assert.deepEqual(judgeExecutionStart(prev({ crashesWithoutProgress: 4 }), 'a', 3, 5), { crashed: false, crashesWithoutProgress: 4, poisoned: false });
});

test('the crash site names a tool call, or the step after the last checkpoint', () => {
  assert.equal(describeCrashSite({ stepId: 4, after: 'tool:ship', tool: 'charge' }), "step 4 (tool call 'charge')");
  assert.equal(describeCrashSite({ stepId: 2, after: 'prepare', tool: null }), "step 2 (the step after 'prepare')");
  assert.equal(describeCrashSite({ stepId: 0, after: null, tool: null }), 'step 0 (its first step)');
});
