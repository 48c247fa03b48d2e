/**
 * @module runtime/adoption-grace
 * When a worker may adopt the runs of workers whose lease ran out: not right after it was cut
 * off from the database itself (see {@link AdoptionGrace}).
 */
/**
 * When this worker may adopt others. A lease that ran out while the database was unreachable
 * (restarted, failed over, cut off) says nothing about its worker: every worker lost the
 * database at once, and the first one back would otherwise adopt the runs of live workers that
 * have not yet reconnected — fencing their executions and counting each as a crash. So a worker
 * that was cut off, or whose own renewals were more than a lease apart, adopts nobody for one
 * lease after it is back in touch, long enough for every live worker to renew.
 *
 * @example
 * ```ts
 * const grace = new AdoptionGrace(30_000);
 * if (grace.renewed(performance.now())) log.info('back after an outage');
 * if (grace.mayAdopt(performance.now())) adoptTheDead();
 * ```
 */
export class AdoptionGrace {
  readonly #ttlMs: number;
  #lastRenewal: number | undefined;
  #cutOff = false;
  #adoptFrom = -Infinity;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** A renewal failed: the database is out of reach. */
  cutOff(): void {
    this.#cutOff = true;
  }

  /** A renewal succeeded at `now` (monotonic ms); true when it starts a grace. */
  renewed(now: number): boolean {
    const lapsed = this.#cutOff || (this.#lastRenewal !== undefined && now - this.#lastRenewal > this.#ttlMs);
    this.#cutOff = false;
    this.#lastRenewal = now;
    if (lapsed) this.#adoptFrom = now + this.#ttlMs;
    return lapsed;
  }

  /** Whether adopting expired workers is allowed at `now`. */
  mayAdopt(now: number): boolean {
    return this.#lastRenewal !== undefined && now >= this.#adoptFrom;
  }
}
