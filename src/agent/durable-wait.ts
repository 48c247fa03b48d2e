/**
 * @module agent/durable-wait
 * The waits every primitive is built on: a message on a topic, or a time. Times are the
 * runtime clock's, so a test can move them (`waymark/testing`); each wait is a DBOS `recv`
 * whose deadline survives restarts.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { toMs, type Duration } from '../durations.js';
import { isClockWake, type ClockWake } from '../runtime/clock.js';
import { runContext, type RunContext } from './run-context.js';

/** How long one wait without a deadline lasts before it simply waits again (durably). */
const FAR_WAIT_SECONDS = 7 * 24 * 3600;

/**
 * Waits for a message on `topic` until clock time `at` (or, without `at`, for as long as it
 * takes); undefined when the time came first. A controllable clock wakes the wait when `at`
 * is reached.
 *
 * @example
 * ```ts
 * const decision = await waitOn<DecisionMessage>(ctx, approvalTopic(id), reminderAt);
 * ```
 */
export async function waitOn<T>(ctx: RunContext, topic: string, at: number | undefined): Promise<T | undefined> {
  if (at === undefined) {
    for (;;) {
      const msg: T | ClockWake | null = await DBOS.recv<T | ClockWake>(topic, FAR_WAIT_SECONDS);
      // A wake-up meant for an earlier wait on this topic is not this wait's business.
      if (!isClockWake(msg)) return msg ?? undefined;
    }
  }
  const unwatch = ctx.clock.watch(ctx.runId, topic, at);
  try {
    for (;;) {
      const msg: T | ClockWake | null = await DBOS.recv<T | ClockWake>(topic, { deadlineEpochMS: ctx.clock.wallDeadline(at) });
      if (msg === null) return undefined;
      if (!isClockWake(msg)) return msg;
      if (msg.at !== at) continue;
      // The time came; a decision or event already waiting behind the wake-up still wins, as
      // it does with the system clock.
      const pending: T | ClockWake | null = await DBOS.recv<T | ClockWake>(topic, 0);
      return pending === null || isClockWake(pending) ? undefined : pending;
    }
  } finally {
    unwatch();
  }
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
