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
 * Installs (or, with undefined, removes) the runtime of this process; called by startWaymark.
 *
 * @example
 * ```ts
 * installRuntime({ db, config, clock: systemClock, log, runTenants: new Map() });
 * ```
 */
export function installRuntime(runtime: ProcessRuntime | undefined): void {
  installed = runtime;
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
