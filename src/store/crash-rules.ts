/**
 * @module store/crash-rules
 * When a run is a poison run, as a plain function apart from its SQL (`store/run-executions.ts`),
 * so every case is unit-tested without a database.
 *
 * An execution that starts finds its run's previous execution. If that one is still marked
 * `executing` by another process, the process died with it: a crash. The crashes are counted in
 * a row *without progress*: a crash after the run reached a newer checkpoint than the crashed
 * execution started from counts as the first of a new row. Executions interrupted by a graceful
 * stop, and those that died inside a durable wait, are no crashes, and do not break a row
 * either (they made no progress).
 */

/** How an execution was last seen. */
export type ExecutionState = 'executing' | 'waiting' | 'interrupted' | 'ended';

/** The run's previous execution, as its row says. */
export interface PreviousExecution {
  processToken: string;
  state: ExecutionState;
  /** The run's newest checkpoint (DBOS function id, -1: none) when it started. */
  checkpointAtStart: number;
  crashesWithoutProgress: number;
}

/** What the starting execution decides. */
export interface ExecutionStartVerdict {
  /** The previous execution died with its process. */
  crashed: boolean;
  /** Crashes in a row without progress, this one included. */
  crashesWithoutProgress: number;
  /** The limit is reached: the run must not execute again. */
  poisoned: boolean;
}

/**
 * Judges the start of an execution in process `processToken`, the run's newest checkpoint being
 * `checkpoint`, with the workflow's limit `maxCrashes` (a positive integer).
 *
 * @example
 * ```ts
 * judgeExecutionStart({ processToken: 'a', state: 'executing', checkpointAtStart: 3, crashesWithoutProgress: 4 }, 'b', 3, 5);
 * // { crashed: true, crashesWithoutProgress: 5, poisoned: true }
 * ```
 */
export function judgeExecutionStart(prev: PreviousExecution | undefined, processToken: string, checkpoint: number, maxCrashes: number): ExecutionStartVerdict {
  if (!prev) return { crashed: false, crashesWithoutProgress: 0, poisoned: false };
  const progressed = checkpoint > prev.checkpointAtStart;
  // Still `executing` under this very process: it did not die (its end was not recorded, the
  // database being away); nothing to count.
  const crashed = prev.state === 'executing' && prev.processToken !== processToken;
  const crashesWithoutProgress = crashed ? (progressed ? 1 : prev.crashesWithoutProgress + 1) : progressed ? 0 : prev.crashesWithoutProgress;
  return { crashed, crashesWithoutProgress, poisoned: crashed && crashesWithoutProgress >= maxCrashes };
}

/** Where a crashed execution died, as far as the database can tell. */
export interface CrashSite {
  /** DBOS's function id of the step it died in (the one after the newest checkpoint). */
  stepId: number;
  /** The newest checkpointed step's name, if any. */
  after: string | null;
  /** A tool call it had started and never recorded the outcome of, if any. */
  tool: string | null;
}

/**
 * The step a crash happened in, in words.
 *
 * @example
 * ```ts
 * describeCrashSite({ stepId: 2, after: 'prepare', tool: null }); // "step 2 (the step after 'prepare')"
 * ```
 */
export function describeCrashSite(site: CrashSite): string {
  if (site.tool) return `step ${site.stepId} (tool call '${site.tool}')`;
  return site.after === null ? `step ${site.stepId} (its first step)` : `step ${site.stepId} (the step after '${site.after}')`;
}
