/**
 * @module store/ledger-rules
 * The tool-call ledger's decisions as plain functions, apart from the SQL that reads and writes
 * the rows (`store/tool-calls.ts`), so every state of the table is unit-tested without a
 * database.
 */

/** What a write attempt finds in the ledger for its key. */
export interface LedgerState {
  status: 'started' | 'succeeded' | 'reconciled' | 'failed' | 'in_doubt' | (string & {});
  result: unknown;
  /** Attempts recorded in all (by every owner). */
  attempts: number;
  /** Attempts made before the current owner took the call over. */
  attemptBase: number;
  /** The owner is the calling site (the same run and first-attempt step). */
  mine: boolean;
  /** The owner is another run that is still queued or executing. */
  ownerLive: boolean;
  /** When a planned retry is due, if one is planned. */
  nextAttemptAt: Date | null;
  lastError: unknown;
}

/** What the calling tool is. */
export interface CallNature {
  effect: 'read' | 'write';
  idempotent: boolean;
  hasReconcile: boolean;
}

/** The ledger's verdict for a write attempt; the SQL layer carries it out. */
export type WriteVerdict =
  /** No row yet: record attempt 1 as `started` and run. */
  | { kind: 'first_attempt' }
  /** It happened: answer from the ledger. */
  | { kind: 'answer'; output: unknown }
  /** Another live run executes (or waits to retry) the same call: wait and ask again. */
  | { kind: 'busy' }
  /** A person must say whether the call happened; `takeOver` moves the call to this site first. */
  | { kind: 'await_resolution'; takeOver: boolean }
  /** An attempt started and never finished (a crash): close it as in doubt, then `then`. */
  | { kind: 'abandoned'; then: 'reconcile' | 'in_doubt' | 'start_again'; takeOver: boolean; attempt: number; total: number }
  /** This site already failed for good: the same failure again. */
  | { kind: 'repeat_failure'; error: unknown; attempts: number }
  /** This site planned a retry that is not due yet: keep the plan. */
  | { kind: 'wait'; delayMs: number }
  /** Record another attempt and run (a due retry, or a takeover of a dead run's call). */
  | { kind: 'start_again'; takeOver: boolean };

/** Skew between this process's clock and the database's that is accepted before waiting again. */
export const CLOCK_TOLERANCE_MS = 1_000;

/**
 * Decides a write attempt from the ledger row (or its absence).
 *
 * @example
 * ```ts
 * decideWriteAttempt(undefined, nature, Date.now()); // { kind: 'first_attempt' }
 * ```
 */
export function decideWriteAttempt(row: LedgerState | undefined, nature: CallNature, now: number): WriteVerdict {
  if (!row) return { kind: 'first_attempt' };
  if (row.status === 'succeeded' || row.status === 'reconciled') return { kind: 'answer', output: row.result };
  const ownerLive = !row.mine && row.ownerLive;
  if (row.status === 'in_doubt') {
    // Its owner is this site, or a dead run: this site waits for the resolution.
    return ownerLive ? { kind: 'busy' } : { kind: 'await_resolution', takeOver: !row.mine };
  }
  if (row.status === 'started') {
    if (ownerLive) return { kind: 'busy' };
    // Started, never finished, and its owner is this site re-executing, or a dead run.
    if (nature.effect === 'write' && !nature.idempotent) {
      return { kind: 'abandoned', then: nature.hasReconcile ? 'reconcile' : 'in_doubt', takeOver: true, attempt: row.attempts - row.attemptBase, total: row.attempts };
    }
    return { kind: 'abandoned', then: 'start_again', takeOver: !row.mine, attempt: row.attempts - row.attemptBase, total: row.attempts };
  }
  // failed: a retry is planned (nextAttemptAt), or the call failed for good.
  if (row.nextAttemptAt !== null && ownerLive) return { kind: 'busy' };
  if (row.mine && row.nextAttemptAt === null) {
    // A re-execution after a crash that followed the final failure.
    return { kind: 'repeat_failure', error: row.lastError, attempts: row.attempts - row.attemptBase };
  }
  if (row.mine && row.nextAttemptAt !== null) {
    // After a crash that followed a planned retry, keep the plan rather than retrying at once.
    const waitMs = row.nextAttemptAt.getTime() - now;
    if (waitMs > CLOCK_TOLERANCE_MS) return { kind: 'wait', delayMs: waitMs };
  }
  return { kind: 'start_again', takeOver: !row.mine };
}

/** Why a failed call is not tried again, or null when it is. */
export type FinalReason = 'permanent' | 'attempts_exhausted' | 'retry_budget_exhausted';

/**
 * Whether a failed attempt is retried: never for a permanent error, not after the tool's last
 * attempt, not once the run has spent its retry budget.
 *
 * @example
 * ```ts
 * retryVerdict({ retryable: true, attempt: 2, maxAttempts: 5, retriesUsed: 3, budget: 100 }); // null: retry
 * ```
 */
export function retryVerdict(a: { retryable: boolean; attempt: number; maxAttempts: number; retriesUsed: number; budget: number }): FinalReason | null {
  if (!a.retryable) return 'permanent';
  if (a.attempt >= a.maxAttempts) return 'attempts_exhausted';
  if (a.retriesUsed >= a.budget) return 'retry_budget_exhausted';
  return null;
}
