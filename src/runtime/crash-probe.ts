/**
 * @module runtime/crash-probe
 * The seam `waymark crash-test` kills a worker through. Waymark's own code marks the few crash
 * windows a step wrapper cannot see — a business transaction committed but not yet
 * checkpointed, a tool that acted but whose outcome is not yet in the ledger, a run parked in a
 * durable wait — by calling `crashProbe()?.reach(...)`. Nothing is installed in a normal
 * process, so production pays one property read per point; only the crash-test worker
 * (`app/crash-test/worker.ts`) installs a probe, which may SIGKILL its own process there.
 */

/** Where in a step a probe is reached. */
export type CrashPointKind = 'before' | 'after-effect' | 'after-checkpoint' | 'wait';

/** What kind of operation the point belongs to. */
export type CrashPointCategory = 'step' | 'transaction' | 'tool' | 'waymark' | 'wait';

/** One point of a run's execution. */
export interface CrashPoint {
  kind: CrashPointKind;
  category: CrashPointCategory;
  /** The step's (or transaction's) name, or the wait's topic. */
  name: string;
  /** DBOS's function id of the step, when known. */
  stepId: number | undefined;
}

/** Told about every crash point a worker reaches. */
export interface CrashProbe {
  reach(point: CrashPoint): void;
}

let installed: CrashProbe | undefined;

/**
 * Installs the probe of a crash-test worker; returns the function that removes it.
 *
 * @example
 * ```ts
 * const remove = installCrashProbe({ reach: (p) => console.log(p.kind, p.name) });
 * ```
 */
export function installCrashProbe(probe: CrashProbe): () => void {
  installed = probe;
  return () => {
    if (installed === probe) installed = undefined;
  };
}

/**
 * The installed probe; undefined in every process but a crash-test worker.
 *
 * @example
 * ```ts
 * crashProbe()?.reach({ kind: 'after-effect', category: 'transaction', name: 'insertOrder', stepId: 3 });
 * ```
 */
export function crashProbe(): CrashProbe | undefined {
  return installed;
}
