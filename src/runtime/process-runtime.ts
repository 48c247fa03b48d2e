/**
 * @module runtime/process-runtime
 * What the primitives of a running Waymark reach: the database gateway, the configuration, the
 * clock and the logger. DBOS, not Waymark, calls workflow functions, and their arguments are
 * checkpointed, so these cannot be passed in; the runtime installs them here once at start,
 * and primitives read them only through the per-run context (`agent/run-context.ts`).
 */
import type { WaymarkConfig } from '../config.js';
import { WaymarkError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Database } from '../store/gateway.js';
import type { Clock } from './clock.js';

/** The running Waymark as primitives see it. */
export interface ProcessRuntime {
  readonly db: Database;
  readonly config: WaymarkConfig;
  readonly clock: Clock;
  readonly log: Logger;
  /** Tenants of runs seen by this process (a run's tenant never changes). */
  readonly runTenants: Map<string, string>;
}

let installed: ProcessRuntime | undefined;

/**
 * Installs the runtime of this process's worker and returns the function that removes it.
 * There is one DBOS per process, so one worker: a second while the first runs is refused.
 *
 * @example
 * ```ts
 * const uninstall = installRuntime({ db, config, clock: systemClock, log, runTenants: new Map() });
 * ```
 */
export function installRuntime(runtime: ProcessRuntime): () => void {
  if (installed) throw new WaymarkError('worker_already_running', 'A Waymark worker already runs in this process (DBOS runs once per process); stop it first or start this one with worker: false');
  installed = runtime;
  return () => {
    if (installed === runtime) installed = undefined;
  };
}

/**
 * The installed runtime; throws `not_started` when Waymark runs nowhere in this process.
 *
 * @example
 * ```ts
 * const { db } = currentRuntime();
 * ```
 */
export function currentRuntime(): ProcessRuntime {
  if (!installed) throw new WaymarkError('not_started', 'Waymark is not started in this process (call startWaymark first)');
  return installed;
}
