/**
 * The tool-call ledger's decision table, state by state, without a database.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLOCK_TOLERANCE_MS, decideWriteAttempt, retryVerdict, type CallNature, type LedgerState } from '../../src/store/ledger-rules.js';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const write: CallNature = { effect: 'write', idempotent: false, hasReconcile: false };
const idempotent: CallNature = { effect: 'write', idempotent: true, hasReconcile: false };
const reconcilable: CallNature = { effect: 'write', idempotent: false, hasReconcile: true };
const row = (over: Partial<LedgerState>): LedgerState => ({
  status: 'started', result: null, attempts: 1, attemptBase: 0, mine: true, ownerLive: false, nextAttemptAt: null, lastError: null, ...over,
});

describe('decideWriteAttempt', () => {
  test('no row: the first attempt', () => {
    assert.deepEqual(decideWriteAttempt(undefined, write, NOW), { kind: 'first_attempt' });
  });

  test('succeeded or reconciled: the recorded result, whoever owns it', () => {
    for (const status of ['succeeded', 'reconciled']) {
      for (const mine of [true, false]) {
        assert.deepEqual(decideWriteAttempt(row({ status, result: { id: 7 }, mine, ownerLive: true }), write, NOW), { kind: 'answer', output: { id: 7 } });
      }
    }
  });

  test('started by another live run (same business key): busy', () => {
    assert.deepEqual(decideWriteAttempt(row({ status: 'started', mine: false, ownerLive: true }), write, NOW), { kind: 'busy' });
  });

  test('started and never finished by this site: a non-idempotent write is in doubt, never run again', () => {
    assert.deepEqual(decideWriteAttempt(row({ status: 'started', attempts: 3, attemptBase: 1 }), write, NOW), {
      kind: 'abandoned', then: 'in_doubt', takeOver: true, attempt: 2, total: 3,
    });
  });

  test('started and never finished: a reconcilable write is asked, an idempotent one runs again with its key', () => {
    assert.equal((decideWriteAttempt(row({ status: 'started' }), reconcilable, NOW) as { then: string }).then, 'reconcile');
    assert.deepEqual(decideWriteAttempt(row({ status: 'started' }), idempotent, NOW), { kind: 'abandoned', then: 'start_again', takeOver: false, attempt: 1, total: 1 });
  });

  test("a dead run's unfinished call is taken over by the new call site", () => {
    const d = decideWriteAttempt(row({ status: 'started', mine: false, ownerLive: false }), idempotent, NOW);
    assert.deepEqual(d, { kind: 'abandoned', then: 'start_again', takeOver: true, attempt: 1, total: 1 });
  });

  test('in doubt: wait for a person; another live owner makes it busy; a dead owner hands it over', () => {
    assert.deepEqual(decideWriteAttempt(row({ status: 'in_doubt' }), write, NOW), { kind: 'await_resolution', takeOver: false });
    assert.deepEqual(decideWriteAttempt(row({ status: 'in_doubt', mine: false, ownerLive: true }), write, NOW), { kind: 'busy' });
    assert.deepEqual(decideWriteAttempt(row({ status: 'in_doubt', mine: false, ownerLive: false }), write, NOW), { kind: 'await_resolution', takeOver: true });
  });

  test('failed for good at this site: the same failure again, never a new attempt', () => {
    const err = { name: 'Error', message: 'card declined' };
    assert.deepEqual(decideWriteAttempt(row({ status: 'failed', attempts: 4, attemptBase: 1, lastError: err }), write, NOW), { kind: 'repeat_failure', error: err, attempts: 3 });
  });

  test('a planned retry keeps its time after a crash, and runs once due (within the clock tolerance)', () => {
    const later = new Date(NOW + 30_000);
    assert.deepEqual(decideWriteAttempt(row({ status: 'failed', nextAttemptAt: later }), write, NOW), { kind: 'wait', delayMs: 30_000 });
    const almost = new Date(NOW + CLOCK_TOLERANCE_MS - 1);
    assert.deepEqual(decideWriteAttempt(row({ status: 'failed', nextAttemptAt: almost }), write, NOW), { kind: 'start_again', takeOver: false });
    assert.deepEqual(decideWriteAttempt(row({ status: 'failed', nextAttemptAt: new Date(NOW - 1) }), write, NOW), { kind: 'start_again', takeOver: false });
  });

  test('a retry planned by another live run is busy; by a dead run it is taken over', () => {
    const due = new Date(NOW - 1);
    assert.deepEqual(decideWriteAttempt(row({ status: 'failed', nextAttemptAt: due, mine: false, ownerLive: true }), write, NOW), { kind: 'busy' });
    assert.deepEqual(decideWriteAttempt(row({ status: 'failed', nextAttemptAt: due, mine: false, ownerLive: false }), write, NOW), { kind: 'start_again', takeOver: true });
  });

  test("another run's final failure is tried again by a new run with the same business key", () => {
    assert.deepEqual(decideWriteAttempt(row({ status: 'failed', mine: false, ownerLive: false }), write, NOW), { kind: 'start_again', takeOver: true });
  });
});

describe('retryVerdict', () => {
  const base = { retryable: true, attempt: 1, maxAttempts: 5, retriesUsed: 0, budget: 10 };
  test('a transient failure with attempts and budget left is retried', () => {
    assert.equal(retryVerdict(base), null);
  });
  test('a permanent error is never retried, even with attempts left', () => {
    assert.equal(retryVerdict({ ...base, retryable: false }), 'permanent');
  });
  test('the last attempt ends the call', () => {
    assert.equal(retryVerdict({ ...base, attempt: 5 }), 'attempts_exhausted');
    assert.equal(retryVerdict({ ...base, attempt: 4 }), null);
  });
  test('a spent run budget ends the call, whatever the tool allows', () => {
    assert.equal(retryVerdict({ ...base, retriesUsed: 10 }), 'retry_budget_exhausted');
    assert.equal(retryVerdict({ ...base, retriesUsed: 0, budget: 0 }), 'retry_budget_exhausted');
  });
});
