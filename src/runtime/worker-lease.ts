/**
 * @module worker-lease
 * A worker's lease: heartbeats that renew it, and a watch for workers of the same application
 * version whose lease ran out and whose session is gone — their runs are adopted (exactly one
 * adopter, in one transaction) and continue here or on any other live worker from their last
 * checkpoint. Open-source DBOS recovers only a process's own executor id at launch; this
 * closes the gap for workers that do not come back.
 */
import os from 'node:os';
import { ensureError } from '../errors.js';
import type { Logger } from '../logger.js';
import { SYSTEM_SCOPE } from '../scope.js';
import { AdoptionGrace } from './adoption-grace.js';
import type { Database } from '../store/gateway.js';
import { metrics } from '../telemetry/metrics.js';
import { adoptWorker, expiredWorkers, registerWorker, releaseLease, renewLease } from '../store/workers.js';

/** Settings of {@link startWorkerLease}. */
export interface LeaseOptions {
  db: Database;
  executorId: string;
  appName: string;
  appVersion: string;
  /** How long a lease lasts without renewal. */
  ttlMs: number;
  /** How often to renew and to look for expired workers (default ttlMs / 3). */
  intervalMs?: number;
  /** More housekeeping to run on every tick (after the lease work). */
  onTick?: () => Promise<void>;
  log: Logger;
}

/** A running lease. */
export interface WorkerLease {
  /** Looks for expired workers now (also runs on every interval). */
  checkNow(): Promise<void>;
  /** Stops renewing and marks this worker stopped, so its runs can be adopted at once. */
  release(): Promise<void>;
}

/**
 * Registers this worker and keeps its lease; adopts dead workers' runs.
 *
 * @example
 * ```ts
 * const lease = await startWorkerLease({ db, executorId, appName: 'waymark', appVersion: '1.0.0', ttlMs: 30_000, log });
 * // ... on shutdown:
 * await lease.release();
 * ```
 */
export async function startWorkerLease(o: LeaseOptions): Promise<WorkerLease> {
  const register = (): Promise<void> =>
    o.db.tx(SYSTEM_SCOPE, (q) =>
      registerWorker(q, { executorId: o.executorId, appName: o.appName, appVersion: o.appVersion, host: os.hostname(), pid: process.pid, ttlMs: o.ttlMs }),
    );
  const grace = new AdoptionGrace(o.ttlMs);
  await register();
  // Registering starts the lease: a first renewal that comes only after an outage must see the gap.
  grace.renewed(performance.now());
  let busy: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    let renewed: boolean;
    try {
      renewed = await o.db.tx(SYSTEM_SCOPE, (q) => renewLease(q, o.executorId, o.ttlMs));
    } catch (e) {
      grace.cutOff();
      throw e;
    }
    if (grace.renewed(performance.now())) {
      o.log.info({ executorId: o.executorId, graceMs: o.ttlMs }, 'back in touch with the database after losing it for longer than a lease: adopting nobody for one lease, so live workers can renew theirs');
    }
    if (!renewed) {
      // Adopted while we were cut off from the database: come back as a live worker. Our old
      // in-flight steps are fenced by DBOS's ownership check; the runs went to their queues.
      o.log.warn({ executorId: o.executorId }, 'this worker had been declared dead; registering again');
      await register();
    }
    if (!grace.mayAdopt(performance.now())) {
      await o.onTick?.();
      return;
    }
    for (const dead of await o.db.read(SYSTEM_SCOPE, (q) => expiredWorkers(q, o.appName, o.appVersion, o.executorId))) {
      const adopted = await o.db.tx(SYSTEM_SCOPE, (q) => adoptWorker(q, dead, o.executorId, o.appName, o.appVersion));
      if (adopted === null) continue;
      metrics.leaseTakeovers.inc();
      metrics.adoptedRuns.inc(adopted.runs);
      // The dead worker's runs are queued again from here: how long they stood still.
      if (adopted.runs > 0) metrics.recoverySeconds.observe(adopted.silentSeconds);
      o.log.warn({ dead, runs: adopted.runs, silentSeconds: adopted.silentSeconds, adopter: o.executorId }, 'adopted the runs of a dead worker');
    }
    await o.onTick?.();
  };
  const run = (): Promise<void> =>
    (busy = busy.then(tick).catch((e: unknown) => o.log.warn({ err: ensureError(e).message }, 'worker lease check failed')));
  const timer = setInterval(() => void run(), o.intervalMs ?? Math.max(100, Math.floor(o.ttlMs / 3)));
  timer.unref();
  return {
    checkNow: run,
    release: async () => {
      clearInterval(timer);
      await busy;
      await o.db.tx(SYSTEM_SCOPE, (q) => releaseLease(q, o.executorId));
    },
  };
}

