/**
 * @module agent/durable-wait
 * The waits every primitive is built on: a message on a topic, or a time. Times are the
 * runtime clock's, so a test can move them (`waymark/testing`); each wait is a DBOS `recv`
 * whose deadline survives restarts.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { toMs, type Duration } from '../durations.js';
import { isClockWake } from '../runtime/clock.js';
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
    const msg = await DBOS.recv<T>(topic, FAR_WAIT_SECONDS);
    return msg === null || isClockWake(msg) ? undefined : msg;
  }
  const unwatch = ctx.clock.watch(ctx.runId, topic, at);
  try {
    const msg = await DBOS.recv<T>(topic, { deadlineEpochMS: ctx.clock.wallDeadline(at) });
    return msg === null || isClockWake(msg) ? undefined : msg;
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
  const stepId = DBOS.stepID ?? 0;
  const until = await DBOS.runStep(async () => ctx.clock.now() + ms, { name: 'waymark.sleep' });
  for (;;) {
    // Nobody sends on this topic: only the deadline (or a test clock) ends the wait.
    if ((await waitOn<unknown>(ctx, `waymark.sleep:${stepId}`, until)) === undefined) return;
  }
}
