/**
 * @module service/run-dispatch
 * Instant dispatch: a worker that starts a run while it has a free run slot executes the run
 * at once instead of leaving it to the run queue's next poll. DBOS 5.3 has no public way to
 * wake its queue runner; its one public call that executes a workflow at once is a direct
 * start (`DBOS.startWorkflow` without a queue). So the start transaction records the run with
 * a dispatch row instead of the DBOS enqueue, and after the commit the worker starts the
 * workflow directly under the run's id.
 *
 * Exactly once: DBOS's workflow id is unique and only the start that inserts the status row
 * executes; any other start or enqueue of the id attaches to it. A process that dies between
 * the commit and the direct start leaves its dispatch row: the sweep enqueues those runs.
 * The worker's run slots (`runtime/run-slots.ts`) keep `WAYMARK_CONCURRENCY` for direct and
 * queue-dispatched executions together.
 */
import { DBOS, type DBOSClient } from '@dbos-inc/dbos-sdk';
import { registeredFunctionOf, type WorkflowRegistry } from '../agent/workflows.js';
import { ensureError } from '../errors.js';
import type { Logger } from '../logger.js';
import { crashProbe } from '../runtime/crash-probe.js';
import type { RunSlots } from '../runtime/run-slots.js';
import { SYSTEM_SCOPE, type Scope } from '../scope.js';
import type { Database } from '../store/gateway.js';
import { claimStaleDispatches, deleteRunDispatch } from '../store/run-dispatch.js';
import type { RunIdentity } from '../store/runs.js';
import type { PreparedRun } from './run-start.js';

/** What instant dispatch needs: this worker's identity, slots and the queue they belong to. */
export interface InstantDispatchDeps {
  dbos: Pick<DBOSClient, 'enqueue'>;
  executorId: string;
  /** The queue whose slots `slots` are: runs of other queues (other limits) go through DBOS. */
  queueName: string;
  slots: RunSlots;
  appVersion: string;
  log: Logger;
  /** The worker's cache of run tenants: a direct start fills it, saving its first execution a read. */
  runTenants?: Map<string, RunIdentity> | undefined;
}

/**
 * Starts runs on this worker at once when a slot is free.
 *
 * @example
 * ```ts
 * const dispatch = new InstantDispatch({ dbos, executorId, queueName: RUN_QUEUE, slots, appVersion, log });
 * if (dispatch.reserve(prepared, RUN_QUEUE)) { ... insert with a dispatch row ...; await dispatch.launch(prepared, scope); }
 * ```
 */
export class InstantDispatch {
  readonly #d: InstantDispatchDeps;

  constructor(deps: InstantDispatchDeps) {
    this.#d = deps;
  }

  get executorId(): string {
    return this.#d.executorId;
  }

  /**
   * Reserves a slot for run `p` if it can start here directly: its queue is this worker's run
   * queue, its workflow is registered in this process and a slot is free. False: enqueue it.
   */
  reserve(p: PreparedRun, queueName: string): boolean {
    if (queueName !== this.#d.queueName || registeredFunctionOf(p.def) === undefined) return false;
    return this.#d.slots.reserve(p.id);
  }

  /** Gives back the reservation of a run that was not started (its transaction failed or found it). */
  unreserve(p: PreparedRun): void {
    this.#d.slots.unreserve(p.id);
  }

  /**
   * Starts run `p`'s workflow directly, after its start committed with a dispatch row. If the
   * direct start fails, the run is enqueued instead (idempotent by id); if that fails too, the
   * sweep enqueues it later. Never throws: the run is recorded either way.
   */
  async launch(p: PreparedRun, scope: Scope): Promise<void> {
    this.#d.runTenants?.set(p.id, { tenantId: scope.tenantId, startedByKey: scope.keyId ?? null });
    // A crash test may kill the worker here: the start committed, the workflow does not exist yet.
    crashProbe()?.reach({ kind: 'after-effect', category: 'waymark', name: 'run-dispatch', stepId: undefined });
    try {
      const fn = registeredFunctionOf(p.def)!;
      await DBOS.startWorkflow(fn as (input: unknown) => Promise<unknown>, { workflowID: p.id })(p.stored);
    } catch (e) {
      this.#d.slots.unreserve(p.id);
      this.#d.log.warn({ runId: p.id, err: ensureError(e).message }, 'direct start failed; the run is enqueued instead');
      try {
        await this.#d.dbos.enqueue(
          { queueName: this.#d.queueName, workflowName: p.def.dbosName, workflowClassName: p.def.dbosClassName, workflowID: p.id, appVersion: this.#d.appVersion },
          p.stored,
        );
      } catch (e2) {
        this.#d.log.warn({ runId: p.id, err: ensureError(e2).message }, 'enqueue after a failed direct start failed; the dispatch sweep enqueues the run');
      }
    }
  }
}

/** What the sweep of stale dispatch rows needs. */
export interface DispatchSweepDeps {
  db: Database;
  dbos: Pick<DBOSClient, 'enqueue'>;
  registry: WorkflowRegistry;
  log: Logger;
}

/**
 * Enqueues the runs whose direct start did not happen (the starting process died after the
 * run's start committed): dispatch rows older than `staleMs`. Enqueueing a run whose workflow
 * exists meanwhile changes nothing (DBOS keeps the first), so a slow starter is harmless.
 * Returns how many runs it enqueued.
 *
 * @example
 * ```ts
 * await sweepStaleDispatches({ db, dbos, registry, log }, 30_000);
 * ```
 */
export async function sweepStaleDispatches(d: DispatchSweepDeps, staleMs: number): Promise<number> {
  const claimed = await d.db.tx(SYSTEM_SCOPE, (q) => claimStaleDispatches(q, staleMs, 100));
  let n = 0;
  for (const row of claimed) {
    let def;
    try {
      def = d.registry.get(row.workflow);
    } catch {
      continue; // a worker that has the workflow enqueues it when the row is stale again
    }
    await d.dbos.enqueue(
      { queueName: row.queue_name, workflowName: def.dbosName, workflowClassName: def.dbosClassName, workflowID: row.run_id, appVersion: row.app_version },
      row.input,
    );
    // Gone already when the enqueue inserted the workflow; here when it existed before.
    await d.db.tx(SYSTEM_SCOPE, (q) => deleteRunDispatch(q, row.run_id));
    d.log.warn({ runId: row.run_id }, 'run whose direct start did not happen enqueued');
    n++;
  }
  return n;
}
