/**
 * @module store/breaker-rules
 * Pure decisions of circuit breakers (migration 024), kept apart from the SQL that applies them:
 * whether a call may go out (closed), must wait (open) or is the one half-open probe, and how an
 * attempt's outcome moves the breaker. Times are epoch ms of the runtime clock.
 */

/** A breaker's state. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** A breaker row, as the rules see it. */
export interface BreakerFacts {
  state: BreakerState;
  failures: number;
  firstFailureAt: number | null;
  openedAt: number | null;
  reopenCount: number;
  nextProbeAt: number | null;
  probeKey: string | null;
  probeUntil: number | null;
  forced: boolean;
  escalateAt: number | null;
  escalatedAt: number | null;
}

/** The numbers a breaker works by (a tool's declaration, defaults filled in; all ms). */
export interface BreakerLimits {
  failureThreshold: number;
  windowMs: number;
  openMs: number;
  maxOpenMs: number;
  escalateAfterMs: number;
}

/** What a call may do now. */
export type Admission =
  | { verdict: 'pass' }
  /** This call is the half-open probe: `claim` is the row to write (absent: it already holds the probe). */
  | { verdict: 'probe'; claim?: BreakerFacts; takeover: boolean }
  /** Wait until `until` (null: until an operator or a probe's result wakes it). */
  | { verdict: 'wait'; until: number | null; state: BreakerState };

/** An attempt's outcome as a breaker counts it. */
export type BreakerOutcome =
  /** The dependency did its job. */
  | 'success'
  /** It answered, with a permanent error (a 4xx, invalid output): it is up, the call was wrong. */
  | 'answered'
  /** A transient failure (5xx, 429, timeout, connection refused or lost): it may be down. */
  | 'transient';

/** A transition of a breaker, for its event. */
export type BreakerEventKind = 'opened' | 'half_open' | 'closed' | 'reopened' | 'escalated' | 'forced_open' | 'reset';

/** How an outcome changes the row, and the transition to record (if the state changed). */
export interface OutcomeChange {
  next: BreakerFacts;
  event?: { kind: BreakerEventKind; from: BreakerState; to: BreakerState };
}

/** A breaker that has never failed. */
export const CLOSED: BreakerFacts = Object.freeze({
  state: 'closed', failures: 0, firstFailureAt: null, openedAt: null, reopenCount: 0, nextProbeAt: null,
  probeKey: null, probeUntil: null, forced: false, escalateAt: null, escalatedAt: null,
});

/**
 * Whether call `key` may go out at clock time `now`; a probe holds the breaker for `probeMs`.
 *
 * @example
 * ```ts
 * decideAdmission(undefined, key, Date.now(), 35_000); // { verdict: 'pass' }
 * ```
 */
export function decideAdmission(row: BreakerFacts | undefined, key: string, now: number, probeMs: number): Admission {
  if (!row || row.state === 'closed') return { verdict: 'pass' };
  if (row.forced) return { verdict: 'wait', until: null, state: row.state };
  if (row.state === 'open') {
    if (row.nextProbeAt !== null && row.nextProbeAt > now) return { verdict: 'wait', until: row.nextProbeAt, state: 'open' };
    return { verdict: 'probe', claim: { ...row, state: 'half_open', probeKey: key, probeUntil: now + probeMs }, takeover: false };
  }
  // Half open: the probe's own call again (its worker died and the run was recovered), or a
  // probe whose holder never reported by its time (taken over by this call).
  if (row.probeKey === key) return { verdict: 'probe', takeover: false };
  if (row.probeUntil === null || row.probeUntil <= now) {
    return { verdict: 'probe', claim: { ...row, probeKey: key, probeUntil: now + probeMs }, takeover: true };
  }
  return { verdict: 'wait', until: row.probeUntil, state: 'half_open' };
}

/**
 * How call `key`'s outcome at `now` moves the breaker; undefined when nothing changes.
 * Closed: transient failures in a row (within the window) count, a success or an answer resets
 * the count, the threshold opens it. Half open: only the probe's outcome counts — a success or
 * an answer closes it, a transient failure opens it again for twice as long (capped). Outcomes
 * of calls that went out before it opened are ignored.
 *
 * @example
 * ```ts
 * decideOutcome(row, 'k', Date.now(), 'transient', limits)?.event?.kind; // 'opened' at the threshold
 * ```
 */
export function decideOutcome(row: BreakerFacts, key: string, now: number, outcome: BreakerOutcome, limits: BreakerLimits): OutcomeChange | undefined {
  if (row.state === 'closed') {
    if (outcome !== 'transient') return row.failures > 0 ? { next: { ...row, failures: 0, firstFailureAt: null } } : undefined;
    const inWindow = row.firstFailureAt !== null && now - row.firstFailureAt <= limits.windowMs;
    const failures = inWindow ? row.failures + 1 : 1;
    const firstFailureAt = inWindow ? row.firstFailureAt : now;
    if (failures < limits.failureThreshold) return { next: { ...row, failures, firstFailureAt } };
    return {
      next: {
        ...CLOSED, state: 'open', failures, firstFailureAt, openedAt: now, nextProbeAt: now + limits.openMs,
        escalateAt: now + limits.escalateAfterMs,
      },
      event: { kind: 'opened', from: 'closed', to: 'open' },
    };
  }
  if (row.state !== 'half_open' || row.probeKey !== key || row.forced) return undefined;
  if (outcome !== 'transient') return { next: { ...CLOSED }, event: { kind: 'closed', from: 'half_open', to: 'closed' } };
  const reopenCount = row.reopenCount + 1;
  const wait = Math.min(limits.maxOpenMs, limits.openMs * 2 ** Math.min(reopenCount, 30));
  return {
    next: { ...row, state: 'open', reopenCount, failures: row.failures + 1, nextProbeAt: now + wait, probeKey: null, probeUntil: null },
    event: { kind: 'reopened', from: 'half_open', to: 'open' },
  };
}
