/**
 * Circuit breakers' pure rules: admission (pass, wait, the one probe, a probe taken over) and
 * how outcomes move a breaker; and the declaration's defaults.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BREAKER, resolveBreakerPolicy } from '../../src/agent/define-tool.js';
import { CLOSED, decideAdmission, decideOutcome, type BreakerFacts, type BreakerLimits } from '../../src/store/breaker-rules.js';

const limits: BreakerLimits = { failureThreshold: 3, windowMs: 60_000, openMs: 30_000, maxOpenMs: 100_000, escalateAfterMs: 900_000 };
const T = 1_000_000;

/** Applies transient failures of different calls at the given times. */
function fail(row: BreakerFacts, ...times: number[]): BreakerFacts {
  for (const [i, t] of times.entries()) row = decideOutcome(row, `k${i}`, t, 'transient', limits)?.next ?? row;
  return row;
}

test('a closed breaker lets calls through; transient failures in a row within the window open it', () => {
  assert.deepEqual(decideAdmission(undefined, 'k', T, 1000), { verdict: 'pass' });
  const two = fail(CLOSED, T, T + 1);
  assert.equal(two.state, 'closed');
  assert.equal(two.failures, 2);
  const change = decideOutcome(two, 'k9', T + 2, 'transient', limits)!;
  assert.equal(change.event?.kind, 'opened');
  assert.equal(change.next.state, 'open');
  assert.equal(change.next.nextProbeAt, T + 2 + 30_000);
  assert.equal(change.next.escalateAt, T + 2 + 900_000);
  assert.equal(fail(CLOSED, T, T + 1, T + 2 + 60_000).state, 'closed', 'a failure after the window starts a new count');
});

test('a success or a permanent answer resets the count; a permanent answer never counts', () => {
  const two = fail(CLOSED, T, T + 1);
  assert.equal(decideOutcome(two, 'k', T + 2, 'answered', limits)?.next.failures, 0);
  assert.equal(decideOutcome(two, 'k', T + 2, 'success', limits)?.next.failures, 0);
  assert.equal(decideOutcome(CLOSED, 'k', T, 'answered', limits), undefined, 'nothing to write');
});

test('open: calls wait until the probe time; then exactly one call holds the probe until its time runs out', () => {
  const open = fail(CLOSED, T, T, T);
  assert.deepEqual(decideAdmission(open, 'a', T + 10, 5000), { verdict: 'wait', until: T + 30_000, state: 'open' });
  const probe = decideAdmission(open, 'a', T + 30_000, 5000);
  assert.equal(probe.verdict, 'probe');
  const half = (probe as { claim: BreakerFacts }).claim;
  assert.equal(half.state, 'half_open');
  assert.equal(half.probeKey, 'a');
  assert.deepEqual(decideAdmission(half, 'b', T + 30_001, 5000), { verdict: 'wait', until: T + 35_000, state: 'half_open' });
  assert.deepEqual(decideAdmission(half, 'a', T + 30_001, 5000), { verdict: 'probe', takeover: false }, 'the prober recovered after a crash');
  const taken = decideAdmission(half, 'b', T + 35_000, 5000);
  assert.equal(taken.verdict, 'probe');
  assert.equal((taken as { takeover: boolean }).takeover, true);
});

test("the probe's success closes it; its transient failure opens it again for twice as long, capped", () => {
  const half: BreakerFacts = { ...fail(CLOSED, T, T, T), state: 'half_open', probeKey: 'a', probeUntil: T + 40_000 };
  assert.deepEqual(decideOutcome(half, 'a', T + 31_000, 'success', limits), { next: CLOSED, event: { kind: 'closed', from: 'half_open', to: 'closed' } });
  assert.equal(decideOutcome(half, 'a', T + 31_000, 'answered', limits)?.next.state, 'closed', 'an answer shows the dependency is up');
  assert.equal(decideOutcome(half, 'b', T + 31_000, 'success', limits), undefined, 'only the probe counts');
  const re = decideOutcome(half, 'a', T + 31_000, 'transient', limits)!;
  assert.equal(re.event?.kind, 'reopened');
  assert.equal(re.next.nextProbeAt, T + 31_000 + 60_000);
  const third = decideOutcome({ ...half, reopenCount: 2 }, 'a', T, 'transient', limits)!;
  assert.equal(third.next.nextProbeAt, T + 100_000, 'capped at maxOpenMs');
  assert.equal(third.next.openedAt, half.openedAt, 'the opening goes on');
});

test('a breaker forced open never admits a probe', () => {
  const forced: BreakerFacts = { ...CLOSED, state: 'open', forced: true };
  assert.deepEqual(decideAdmission(forced, 'a', T, 1000), { verdict: 'wait', until: null, state: 'open' });
});

test('declared breakers get the defaults; impossible ones are refused', () => {
  assert.equal(resolveBreakerPolicy('t', undefined), undefined);
  assert.deepEqual(resolveBreakerPolicy('t', true), { name: 't', ...DEFAULT_BREAKER });
  assert.equal(resolveBreakerPolicy('t', { openFor: '1h' })?.maxOpenMs, 3_600_000, 'the cap follows a longer open time');
  assert.equal(resolveBreakerPolicy('t', { name: 'vendor', maxWait: '5m' })?.maxWaitMs, 300_000);
  assert.throws(() => resolveBreakerPolicy('t', { failureThreshold: 0 }), /failureThreshold/);
  assert.throws(() => resolveBreakerPolicy('t', { name: 'Bad Name' }), /lower-case/);
});
