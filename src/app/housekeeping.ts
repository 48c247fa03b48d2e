/**
 * @module app/housekeeping
 * What every worker does on each lease tick besides renewing its lease: start the runs of due
 * cron schedules (each tick once across all workers), act on runs past their
 * deadline or idle timeout, start the compensation of stopped runs that have calls to undo, and
 * deliver due alerts; cancel the child runs of parents that have ended; delete runs'
 * live-stream events past their retention. And, on its own faster tick, the timer sweep of
 * parked runs.
 */
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { SYSTEM_SCOPE } from '../scope.js';
import { startCompensation } from '../service/compensation.js';
import { handleTimeouts } from '../service/timeouts.js';
import { runsAwaitingCompensation } from '../store/compensation.js';
import type { Logger } from '../logger.js';
import type { RunService } from '../service/runs.js';
import type { Clock } from '../runtime/clock.js';
import type { Database } from '../store/gateway.js';
import { deliverAlerts, type AlertDeliveryDeps } from './alert-delivery.js';
import { deleteExpiredRunStream } from '../store/run-stream.js';
import { fireDueSchedules, type ScheduleDeps } from '../service/schedules.js';
import { sweepParkedRuns, type WakeDeps } from '../service/parked-runs.js';
import { escalateBreakers } from '../service/breakers.js';
import { sweepStaleDispatches, type DispatchSweepDeps } from '../service/run-dispatch.js';

/** Stream rows deleted per transaction; a tick goes on while batches come back full, up to a bound. */
const STREAM_DELETE_BATCH = 5_000;
const STREAM_DELETE_BATCHES_PER_TICK = 20;

/** What housekeeping works with. */
export interface HousekeepingDeps {
  db: Database;
  dbos: DBOSClient;
  queueName: string;
  appVersion: string;
  /** Alert delivery (absent: not delivered by this worker). */
  alerts?: AlertDeliveryDeps;
  /** How long runs' live-stream events are kept (default 7 days). */
  streamRetentionMs?: number;
  /** Cron schedules: their due ticks start runs (absent: not by this worker). */
  schedules?: ScheduleDeps;
  /** Runs whose direct start did not happen, enqueued once their dispatch row is `staleMs` old. */
  dispatchSweep?: { deps: DispatchSweepDeps; staleMs: number };
  /** Child runs of ended parents are cancelled (absent: not by this worker). */
  children?: { runs: Pick<RunService, 'cancelOrphanedChildren'>; log: Logger };
}

/**
 * One housekeeping pass (every worker runs it; each action is claimed once).
 *
 * @example
 * ```ts
 * await runHousekeeping({ db, dbos, queueName: RUN_QUEUE, appVersion: '1.0.0' });
 * ```
 */
export async function runHousekeeping(d: HousekeepingDeps): Promise<void> {
  if (d.schedules) await fireDueSchedules(d.schedules);
  if (d.dispatchSweep) await sweepStaleDispatches(d.dispatchSweep.deps, d.dispatchSweep.staleMs);
  await handleTimeouts(d.db, d.dbos);
  // After the timeouts: a parent failed by its deadline just now takes its children with it.
  if (d.children) await d.children.runs.cancelOrphanedChildren(d.children.log);
  // Runs that failed for good or were cancelled with calls to undo get their compensation.
  for (const runId of await d.db.read(SYSTEM_SCOPE, (q) => runsAwaitingCompensation(q))) {
    await startCompensation(d, SYSTEM_SCOPE, runId, 'the run stopped');
  }
  if (d.alerts) await deliverAlerts(d.alerts);
  await deleteExpiredStream(d.db, d.streamRetentionMs ?? 7 * 86_400_000);
}

/**
 * Live-stream events older than the retention go, in short transactions so that writers of
 * the table are never held up; every worker may do it (a row deleted twice is deleted once).
 */
async function deleteExpiredStream(db: Database, retentionMs: number): Promise<void> {
  for (let i = 0; i < STREAM_DELETE_BATCHES_PER_TICK; i++) {
    const n = await db.tx(SYSTEM_SCOPE, (q) => deleteExpiredRunStream(q, retentionMs, STREAM_DELETE_BATCH));
    if (n < STREAM_DELETE_BATCH) return;
  }
}

/**
 * Starts the timer sweep of parked runs on this worker: every `intervalMs` (one indexed query
 * for all parked runs), and after every jump of a test's clock. The same pass escalates circuit
 * breakers open past their escalation time (one indexed query). Returns the function that
 * stops it.
 *
 * @example
 * ```ts
 * const stop = startParkedSweep({ db, dbos, queueName: RUN_QUEUE }, systemClock, 1000, log);
 * ```
 */
export function startParkedSweep(d: WakeDeps, clock: Clock, intervalMs: number, log: Logger): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  let waiting: Promise<unknown> | undefined;
  let stopped = false;
  // One pass at a time; a pass asked for while one runs follows it — one, however many were asked
  // for meanwhile (ticks of a pass slower than the interval would otherwise pile up and then run
  // back to back).
  const pass = (): Promise<unknown> => {
    if (waiting) return waiting;
    const p = running.catch(() => undefined).then(async () => {
      waiting = undefined;
      if (stopped) return;
      await sweepParkedRuns(d, new Date(clock.now()));
      const escalated = await escalateBreakers(d.db, clock.now());
      if (escalated.length > 0) log.warn({ breakers: escalated }, 'circuit breakers open past their escalation time: operators alerted');
    });
    running = p;
    waiting = p;
    return p;
  };
  const tick = (): void => {
    pass().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'parked-run sweep failed; the next tick tries again'));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  const unlisten = clock.onAdvance?.(() => pass());
  return async () => {
    stopped = true;
    clearInterval(timer);
    unlisten?.();
    await running.catch(() => undefined);
  };
}
