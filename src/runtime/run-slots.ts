/**
 * @module runtime/run-slots
 * The worker's run slots: at most `WAYMARK_CONCURRENCY` runs execute in this process at once,
 * whether DBOS's queue dispatched them or the worker started them directly (instant dispatch).
 * DBOS counts only the executions it dispatched from the queue, so a run it dispatches while
 * direct starts fill the slots waits here, before its body, until one frees up.
 *
 * A direct start reserves its slot before the run's start transaction and hands it to the
 * run's execution by run id; a reservation that no execution in this process takes (another
 * process won the start) is given back after a while.
 */

/** How long a reserved slot waits for its run's execution before it is given back. */
const HANDOFF_MS = 30_000;

/**
 * Slots of one queue in this process.
 *
 * @example
 * ```ts
 * const slots = new RunSlots(16);
 * if (slots.reserve(runId)) { ... start it directly ... }
 * const release = await slots.enter(runId); // in the run's execution
 * try { ... } finally { release(); }
 * ```
 */
export class RunSlots {
  readonly #limit: number;
  #busy = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #reserved = new Map<string, NodeJS.Timeout>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Slots in use (executions and reservations). */
  get busy(): number {
    return this.#busy;
  }

  /** Takes a slot for run `runId` if one is free and nobody waits for one; false otherwise. */
  reserve(runId: string): boolean {
    if (this.#busy >= this.#limit || this.#waiting.length > 0 || this.#reserved.has(runId)) return false;
    this.#busy++;
    const timer = setTimeout(() => this.unreserve(runId), HANDOFF_MS);
    timer.unref();
    this.#reserved.set(runId, timer);
    return true;
  }

  /** Gives back the reservation of run `runId`, if it is still not taken. */
  unreserve(runId: string): void {
    const timer = this.#reserved.get(runId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#reserved.delete(runId);
    this.#free();
  }

  /**
   * The slot of an execution of run `runId`: its reservation, else a free slot, else the next
   * one freed. Resolves with the function that frees it (idempotent).
   */
  async enter(runId: string): Promise<() => void> {
    const timer = this.#reserved.get(runId);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#reserved.delete(runId);
    } else if (this.#busy < this.#limit && this.#waiting.length === 0) {
      this.#busy++;
    } else {
      // The slot is handed over by #free without being counted down and up again.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.#free();
    };
  }

  #free(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy--;
  }
}
