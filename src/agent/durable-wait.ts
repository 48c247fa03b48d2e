/**
 * @module agent/durable-wait
 * The waits every primitive is built on: a message on a topic, or a time. Times are the
 * runtime clock's, so a test can move them (`waymark/testing`); each wait is a DBOS `recv`
 * whose deadline survives restarts, and a wait longer than the hot window parks the run.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { toMs, type Duration } from '../durations.js';
import { isClockWake, type ClockWake } from '../runtime/clock.js';
import { ATTR, withSpan } from '../telemetry/tracing.js';
import { crashProbe } from '../runtime/crash-probe.js';
import { enterWait, parkStep, stopIfParked } from './park.js';
import { markWaiting } from './poison-guard.js';
import { runContext, type RunContext } from './run-context.js';

/** How long one wait without a deadline lasts before it simply waits again (durably). */
const FAR_WAIT_SECONDS = 7 * 24 * 3600;

/**
 * Waits for a message on `topic` until clock time `at` (or, without `at`, for as long as it
 * takes); undefined when the time came first. A controllable clock wakes the wait when `at`
 * is reached.
 *
 * The wait is live for the hot window (`WAYMARK_HOT_WAIT_MS`): a message in that window is
 * read at once. Then the run parks (`agent/park.ts`): its execution ends, and the message or
 * the time `at` resumes it, replaying to here. A run waiting on two things at once stays live.
 *
 * @example
 * ```ts
 * const decision = await waitOn<DecisionMessage>(ctx, approvalTopic(id), reminderAt);
 * ```
 */
export async function waitOn<T>(ctx: RunContext, topic: string, at: number | undefined): Promise<T | undefined> {
  return withSpan(`wait ${topic.split(':')[0] ?? topic}`, { [ATTR.waitTopic]: topic }, () => waitOnTopic<T>(ctx, topic, at));
}

async function waitOnTopic<T>(ctx: RunContext, topic: string, at: number | undefined): Promise<T | undefined> {
  crashProbe()?.reach({ kind: 'wait', category: 'wait', name: topic, stepId: undefined });
  const { parkable, leave } = enterWait(ctx.runId);
  const unwatch = at === undefined ? undefined : ctx.clock.watch(ctx.runId, topic, at);
  // A worker that dies while the run waits did not die of the run (poison-run counting).
  const waited = markWaiting(ctx);
  try {
    for (;;) {
      const msg: T | ClockWake | null = await DBOS.recv<T | ClockWake>(topic, { deadlineEpochMS: recvDeadline(ctx, at, parkable()) });
      if (msg !== null) {
        if (!isClockWake(msg)) return msg;
        // A wake-up meant for an earlier wait on this topic is not this wait's business.
        if (at === undefined || msg.at !== at) continue;
        // The time came; a decision or event already waiting behind the wake-up still wins, as
        // it does with the system clock.
        const pending: T | ClockWake | null = await DBOS.recv<T | ClockWake>(topic, 0);
        return pending === null || isClockWake(pending) ? undefined : pending;
      }
      if (!parkable()) {
        if (at === undefined) continue;
        return undefined;
      }
      // The hot window (or the time) passed. Whether the time came is the park step's to say,
      // so that a replay takes the same branch.
      const s = await parkStep(ctx, topic, at);
      if (s.verdict === 'due') return undefined;
      if (s.verdict === 'parked' || s.verdict === 'cancelled') await stopIfParked(ctx, s.step);
      // Not parked (a message is waiting), or woken after the park: wait on.
    }
  } finally {
    unwatch?.();
    leave();
    await waited();
  }
}

/** Where this recv stops waiting (wall-clock epoch ms): the time `at`, or the hot window's end if sooner. */
function recvDeadline(ctx: RunContext, at: number | undefined, parkable: boolean): number {
  const time = at === undefined ? Date.now() + FAR_WAIT_SECONDS * 1000 : ctx.clock.wallDeadline(at);
  return parkable ? Math.min(time, Date.now() + ctx.config.hotWaitMs) : time;
}

/**
 * Sleeps durably for `duration` of the runtime clock (`'3d'`, `'15m'` or ms): a restart in
 * between keeps the wake-up time, and a test clock's `advance` ends it.
 *
 * @example
 * ```ts
 * await sleep('3d'); // then send the follow-up
 * ```
 */
export async function sleep(duration: Duration): Promise<void> {
  const ms = toMs(duration, 'sleep');
  const ctx = await runContext('sleep');
  // The step id (only defined inside a step) makes each sleep's topic its own.
  const { until, topic } = await DBOS.runStep(async () => ({ until: ctx.clock.now() + ms, topic: `waymark.sleep:${DBOS.stepID ?? 0}` }), { name: 'waymark.sleep' });
  for (;;) {
    // Nobody sends on this topic: only the deadline (or a test clock) ends the wait.
    if ((await waitOn<unknown>(ctx, topic, until)) === undefined) return;
  }
}
