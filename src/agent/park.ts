/**
 * @module agent/park
 * Parking a waiting run: after its hot window, a wait records a park step, the execution
 * stops itself (DBOS cancel: it leaves memory and its queue slot, and nothing polls), and the
 * run stays waiting in `waymark.parked_runs`. The message or timer that wakes it resumes it;
 * it replays to the wait, where the park step's checkpoint says "parked" and the wait goes on.
 *
 * Exactly once: the park step and every sender serialise on a per-run lock (store/parked-runs),
 * so a message that lands while the run parks is seen either by the park (it does not park)
 * or by the stop (it resumes itself once the execution has ended).
 */
import { DBOS, Error as DBOSErrors, type DBOSClient } from '@dbos-inc/dbos-sdk';
import { currentRuntime } from '../runtime/process-runtime.js';
import type { TenantScope } from '../scope.js';
import type { Database } from '../store/gateway.js';
import { beginPark, confirmPark, finishPark, parkCancelled, type ParkVerdict } from '../store/parked-runs.js';
import { runQueues } from '../store/run-queue.js';
import type { RunContext } from './run-context.js';
import { compensatedRunId } from './tool-keys.js';

/** What a wait's park step recorded. */
export interface ParkStep {
  verdict: ParkVerdict | 'due';
  step: number;
}

/** Thrown through the workflow when its execution has stopped itself to park. */
export class RunParkedSignal extends Error {
  constructor(readonly runId: string) {
    super(`Run ${runId} parked: its execution ends here and the run waits in the database`);
    this.name = 'RunParkedSignal';
  }
}

/**
 * Whether `e` means this execution is ending (it parked, or DBOS cancelled it): code that
 * catches errors around a wait rethrows these instead of handling them as failures.
 *
 * @example
 * ```ts
 * try { await askToRaise(ctx, spec, outcome); } catch (e) { if (isExecutionStop(e)) throw e; report(e); }
 * ```
 */
export function isExecutionStop(e: unknown): boolean {
  return e instanceof RunParkedSignal || e instanceof DBOSErrors.DBOSWorkflowCancelledError;
}

/** Waits under way per run in this process: a run waiting on two things at once stays live. */
const activeWaits = new Map<string, number>();
/** Runs whose stop raced a message: resumed once their execution has unwound. */
const resumeAfterUnwind = new Set<string>();

/**
 * Marks the start of a wait; returns whether it may park now (the run's only wait since it
 * began, and a run, not a compensation workflow) and the function that marks its end.
 *
 * @example
 * ```ts
 * const { parkable, leave } = enterWait(runId);
 * try { if (parkable()) await parkStep(ctx, topic, at); } finally { leave(); }
 * ```
 */
export function enterWait(runId: string): { parkable: () => boolean; leave: () => void } {
  const n = (activeWaits.get(runId) ?? 0) + 1;
  activeWaits.set(runId, n);
  // A run waiting on two things at once never parks: the park records one wait's time only.
  let alone = n === 1 && compensatedRunId(runId) === undefined;
  return {
    parkable: () => (alone &&= activeWaits.get(runId) === 1),
    leave: () => {
      const left = (activeWaits.get(runId) ?? 1) - 1;
      if (left <= 0) activeWaits.delete(runId);
      else activeWaits.set(runId, left);
    },
  };
}

/**
 * The park step: after a wait's hot window (or its time) passed without a message. Records
 * `due` when clock time `at` has come, else parks the run unless a message already waits.
 *
 * @example
 * ```ts
 * const s = await parkStep(ctx, topic, at);
 * if (s.verdict === 'due') return undefined;
 * ```
 */
export function parkStep(ctx: RunContext, topic: string, at: number | undefined): Promise<ParkStep> {
  return DBOS.runStep(
    async () => {
      const step = DBOS.stepID ?? 0;
      if (at !== undefined && ctx.clock.now() >= at) return { verdict: 'due' as const, step };
      const verdict = await ctx.db.tx(ctx.scope, (q) =>
        beginPark(q, {
          runId: ctx.runId, tenantId: ctx.scope.tenantId, topic, step, wakeAt: at === undefined ? null : new Date(at), executorId: DBOS.executorID ?? null,
        }),
      );
      return { verdict, step };
    },
    { name: 'waymark.park' },
  );
}

/**
 * After a park step that parked: in the execution that parked, stops it (throws
 * {@link RunParkedSignal}); in a replay after the run was woken, returns so the wait goes on.
 *
 * @example
 * ```ts
 * if (s.verdict === 'parked' || s.verdict === 'cancelled') await stopIfParked(ctx, s.step);
 * ```
 */
export async function stopIfParked(ctx: RunContext, step: number): Promise<void> {
  const rt = currentRuntime();
  const verdict = await ctx.db.tx(ctx.scope, (q) => confirmPark(q, ctx.runId, step));
  if (verdict === 'continue') return;
  // From here the execution only stops: DBOS's own check before any further step sees the
  // cancellation, and its outcome is not recorded (the execution no longer owns the run).
  await rt.dbos.cancelWorkflow(ctx.runId);
  if (verdict === 'stop') {
    const next = await ctx.db.tx(ctx.scope, (q) => finishPark(q, ctx.runId, step));
    if (next === 'resume') resumeAfterUnwind.add(ctx.runId);
    ctx.log.debug({ parkedAt: step, next }, 'run parked');
  }
  throw new RunParkedSignal(ctx.runId);
}

/**
 * Wraps a workflow function so that a run which parked ends as DBOS's cancellation of itself,
 * and one whose stop raced a message is resumed once its execution has unwound (not before:
 * the stopping execution must be gone before the run executes again), back on its own queue
 * (`queueName`; default the process's shared run queue).
 *
 * @example
 * ```ts
 * DBOS.registerWorkflow(withParking(fn), { name });
 * ```
 */
export function withParking<A, R>(fn: (this: unknown, input: A) => Promise<R>, queueName?: string): (this: unknown, input: A) => Promise<R> {
  return async function (this: unknown, input: A): Promise<R> {
    const runId = DBOS.workflowID;
    try {
      return await fn.call(this, input);
    } catch (e) {
      if (e instanceof RunParkedSignal && e.runId === runId) throw new DBOSErrors.DBOSWorkflowCancelledError(runId);
      throw e;
    } finally {
      if (runId !== undefined && resumeAfterUnwind.delete(runId)) {
        const rt = currentRuntime();
        setImmediate(() => {
          rt.dbos.resumeWorkflow(runId, { queueName: queueName ?? rt.queueName }).catch((err: unknown) => {
            // The timer sweep resumes a claim left behind.
            rt.log.warn({ runId, err: (err as Error).message }, 'could not resume a run woken while it parked');
          });
        });
      }
    }
  };
}

/** What waking parked runs takes. */
export interface WakeDeps {
  db: Database;
  dbos: Pick<DBOSClient, 'resumeWorkflow' | 'cancelWorkflow'>;
  queueName: string;
  /** How old a claim to resume, or a park half-way, must be before the sweep takes it over (a lease's length: its process is gone). */
  staleMs?: number;
}

/**
 * Resumes runs claimed for resuming (after the claim committed), each onto its own queue (a
 * workflow with limits has one; its limits count the run again only once it executes). A run
 * cancelled for good between the claim and the resume is cancelled again, so the cancel wins.
 *
 * @example
 * ```ts
 * await resumeClaimed(deps, scope, ['run-1']);
 * ```
 */
export async function resumeClaimed(d: WakeDeps, scope: TenantScope, runIds: readonly string[]): Promise<void> {
  const queues = runIds.length > 0 ? await d.db.read(scope, (q) => runQueues(q, runIds)) : new Map<string, { queueName: string | null }>();
  for (const runId of runIds) {
    await d.dbos.resumeWorkflow(runId, { queueName: queues.get(runId)?.queueName ?? d.queueName });
    if (await d.db.read(scope, (q) => parkCancelled(q, runId))) await d.dbos.cancelWorkflow(runId);
  }
}
