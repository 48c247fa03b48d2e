/**
 * @module app/test-clock
 * A clock a test controls: time stands still until the test calls `advance`, and then every
 * run whose reminder, escalation, deadline, event timeout or sleep fell due is woken (a live
 * wait by a message, a parked run by Waymark's sweep), so a
 * five-day scenario runs in seconds against real Postgres and real DBOS workflows.
 */
import { AsyncResource } from 'node:async_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { toMs, type Duration } from '../durations.js';
import { ensureError } from '../errors.js';
import type { Clock, ClockWake } from '../runtime/clock.js';

/** How far in the wall-clock future a wait that only the test clock can end is put. */
const NEVER_MS = 365 * 24 * 3600 * 1000;

interface Watch {
  runId: string;
  topic: string;
  at: number;
}

/**
 * A controllable clock. Pass it to `startWaymark({ clock })` in the process that runs the
 * worker; primitives then schedule by it.
 *
 * @example
 * ```ts
 * const clock = new TestClock(new Date('2026-01-05T09:00:00Z'));
 * const waymark = await startWaymark({ workflows, clock });
 * // ... start a run that asks for a document and follows up after 3 days ...
 * await clock.advance('3d'); // the follow-up goes out now
 * ```
 */
export class TestClock implements Clock {
  #now: number;
  readonly #watches = new Map<string, Watch>();
  /** Wake-ups are sent one pass at a time, so each watch is woken exactly once. */
  #pending: Promise<void> = Promise.resolve();
  #failure: unknown;
  readonly #listeners = new Set<(now: number) => Promise<unknown>>();
  /**
   * Runs a function in the context the clock was made in: a wake-up queued by a workflow's own
   * `watch` must not be sent from inside that workflow (DBOS would record the send as its step).
   */
  readonly #detached = AsyncResource.bind((fn: () => void) => fn());

  constructor(start: Date | number = Date.now()) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  wallDeadline(_at: number): number {
    // Only this clock ends a wait (with exactly one wake-up per watch), never DBOS's own
    // deadline: a wait that ended by both would leave a stray wake-up on its topic.
    return Date.now() + NEVER_MS;
  }

  watch(runId: string, topic: string, at: number): () => void {
    const key = `${runId}\u0000${topic}`;
    const entry: Watch = { runId, topic, at };
    this.#watches.set(key, entry);
    // Already due (time was advanced past it before the wait began): wake it now.
    if (at <= this.#now) this.#detached(() => void this.#queueWake());
    return () => {
      if (this.#watches.get(key) === entry) this.#watches.delete(key);
    };
  }

  /**
   * Moves time forward and wakes the runs whose waits fell due (each once). Resolves when the
   * wake-ups are sent; wait for the state you expect afterwards.
   */
  async advance(duration: Duration): Promise<void> {
    this.#now += toMs(duration, 'advance');
    await this.#wake();
  }

  /** Moves time to `to` (never backwards). */
  async set(to: Date | number): Promise<void> {
    this.#now = Math.max(this.#now, typeof to === 'number' ? to : to.getTime());
    await this.#wake();
  }

  /**
   * Calls `listener` after every advance and waits for it (Waymark wakes the parked runs whose
   * time came this way). Returns the function that removes it.
   */
  onAdvance(listener: (now: number) => Promise<unknown>): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Wakes what is due, after any wake-up already under way; reports a wake-up that failed. */
  async #wake(): Promise<void> {
    await this.#queueWake();
    for (const l of this.#listeners) await l(this.#now).catch((e: unknown) => (this.#failure ??= e));
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure !== undefined) throw ensureError(failure);
  }

  /** Queues a wake-up pass behind the one under way; the queue itself never rejects. */
  #queueWake(): Promise<void> {
    this.#pending = this.#pending
      .then(() => this.#wakeDue())
      .catch((e: unknown) => {
        this.#failure ??= e;
      });
    return this.#pending;
  }

  /** How many runs wait on this clock now (for assertions that a run is waiting). */
  get waiting(): number {
    return this.#watches.size;
  }

  async #wakeDue(): Promise<void> {
    for (const [key, w] of [...this.#watches]) {
      if (w.at > this.#now) continue;
      const wake: ClockWake = { waymarkClock: this.#now, at: w.at };
      await DBOS.send(w.runId, wake, w.topic, `waymark.clock:${w.runId}:${w.topic}:${w.at}`);
      // Forgotten only once sent: a failed send is tried again by the next advance.
      if (this.#watches.get(key) === w) this.#watches.delete(key);
    }
  }
}
