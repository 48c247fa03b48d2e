/**
 * @module service/parked-runs
 * Waking parked runs (migration 018). A sender claims a parked run in the transaction of its
 * message (`requestWake`); after the commit it resumes the run here. The sweep claims parked
 * runs whose timer fell due, and claims left behind by a process that died, with one indexed
 * query per tick. Each claim is taken once, so each run is resumed once.
 */
import { resumeClaimed, type WakeDeps } from '../agent/park.js';
import { SYSTEM_SCOPE } from '../scope.js';
import { claimDueParked } from '../store/parked-runs.js';

export { resumeClaimed, type WakeDeps } from '../agent/park.js';

/**
 * One pass of the timer sweep at clock time `now`: resumes parked runs whose next reminder,
 * escalation, deadline or sleep end is due, and claims (or parks woken half-way) left behind
 * by a process that died.
 * Returns how many runs it resumed.
 *
 * @example
 * ```ts
 * await sweepParkedRuns(deps, new Date(clock.now()));
 * ```
 */
export async function sweepParkedRuns(d: WakeDeps, now: Date): Promise<number> {
  const claimed = await d.db.tx(SYSTEM_SCOPE, (q) => claimDueParked(q, now, d.staleMs ?? 30_000));
  await resumeClaimed(d, SYSTEM_SCOPE, claimed);
  return claimed.length;
}
