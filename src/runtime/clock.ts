/**
 * @module runtime/clock
 * The time Waymark's primitives schedule by. In production it is the system clock and every
 * wait is a plain DBOS deadline; a test installs a controllable clock (`waymark/testing`)
 * whose `advance('3d')` wakes the runs whose reminders, deadlines or sleeps fall due.
 */

/** A source of time for durable waits. */
export interface Clock {
  /** The current time, in epoch milliseconds. */
  now(): number;
  /** The wall-clock epoch ms at which clock time `at` is reached: the deadline DBOS waits for. */
  wallDeadline(at: number): number;
  /**
   * Called by a primitive just before it waits on `topic` until clock time `at`; the clock may
   * send the run a wake-up message on that topic when `at` is reached. Returns the un-watch
   * function, called when the wait ends.
   */
  watch(runId: string, topic: string, at: number): () => void;
  /**
   * A clock that jumps (a test's) calls `listener` after each jump, and waits for it: the
   * runtime wakes the parked runs whose time came. Returns the function that removes it.
   */
  onAdvance?(listener: (now: number) => Promise<unknown>): () => void;
}

/**
 * The system clock: waits are plain DBOS deadlines, nothing is watched.
 *
 * @example
 * ```ts
 * startWaymark({ clock: systemClock });
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  wallDeadline: (at: number) => at,
  watch: () => () => {},
});

/** The message a clock sends to wake a waiting run; primitives tell it from a real message. */
export interface ClockWake {
  /** The clock's time when it sent the wake-up. */
  waymarkClock: number;
  /** The time the woken wait was for. */
  at: number;
}

/**
 * Whether a received message is a clock wake-up rather than a decision or an event.
 *
 * @example
 * ```ts
 * if (msg && !isClockWake(msg)) return msg;
 * ```
 */
export function isClockWake(msg: unknown): msg is ClockWake {
  return typeof msg === 'object' && msg !== null && typeof (msg as { waymarkClock?: unknown }).waymarkClock === 'number';
}
