/**
 * @module runtime/process-runtime
 * What the primitives of a running Waymark reach: the database gateway, the configuration, the
 * clock and the logger. DBOS, not Waymark, calls workflow functions, and their arguments are
 * checkpointed, so these cannot be passed in; the runtime installs them here once at start,
 * and primitives read them only through the per-run context (`agent/run-context.ts`).
 */
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import type { WaymarkConfig } from '../config.js';
import type { InstallationKeys } from '../installation-keys.js';
import { WaymarkError } from '../errors.js';
import type { RunIdentity } from '../store/runs.js';
import type { Logger } from '../logger.js';
import type { Database, Tx } from '../store/gateway.js';
import type { Scope } from '../scope.js';
import type { Clock } from './clock.js';
import type { RunSlots } from './run-slots.js';

/** A run to start as a child, in the transaction of its parent's step. */
export interface ChildRunStart {
  id: string;
  /** The registered workflow's public name. */
  workflow: string;
  input: unknown;
  businessKey: string | null;
  parentRunId: string;
  /** Enqueued held back by the concurrency cap, until a sibling's end releases it. */
  held: boolean;
  /** Its partition key (a partitioned workflow needs one) and priority. */
  queue?: { partitionKey?: string | undefined; priority?: number | undefined } | undefined;
  /** The child's first audit event after `created`. */
  origin: { kind: string; data: Record<string, unknown> };
}

/**
 * Inserts and enqueues a run in the caller's transaction (the service layer's run start, installed
 * by the composition root); false, having written nothing, when its id is taken.
 */
export type RunStarter = (q: Tx, scope: Scope, run: ChildRunStart) => Promise<boolean>;

/** The running Waymark as primitives see it. */
export interface ProcessRuntime {
  readonly db: Database;
  readonly config: WaymarkConfig;
  /** The installation's keys: tool-call keys, sealed secret inputs. */
  readonly keys: InstallationKeys;
  readonly clock: Clock;
  readonly log: Logger;
  /** DBOS's client: a parking run stops itself with it, a woken one is resumed with it, a closed breaker wakes its waiting calls with it. */
  readonly dbos: Pick<DBOSClient, 'cancelWorkflow' | 'resumeWorkflow' | 'sendInTransaction'>;
  /** The queue runs are dispatched from (a parked run is resumed onto it). */
  readonly queueName: string;
  /** Tenants and starting keys of runs seen by this process (neither ever changes). */
  readonly runTenants: Map<string, RunIdentity>;
  /** Starts child runs (`startChildren`); absent where no composition root installed it. */
  readonly startRun?: RunStarter | undefined;
  /**
   * Unique to this process start: marks the executions running here, so that the next
   * execution of a run can tell whether this process died with it (`waymark.run_executions`).
   */
  readonly processToken: string;
  /** The worker's run slots (`WAYMARK_CONCURRENCY`): queue dispatches and direct starts share them. */
  readonly slots?: RunSlots | undefined;
}

let installed: ProcessRuntime | undefined;

/**
 * Installs the runtime of this process's worker and returns the function that removes it.
 * There is one DBOS per process, so one worker: a second while the first runs is refused.
 *
 * @example
 * ```ts
 * const uninstall = installRuntime({ db, config, keys, clock: systemClock, log, dbos, queueName: RUN_QUEUE, runTenants: new Map(), processToken: randomUUID(), slots: new RunSlots(1000) });
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
