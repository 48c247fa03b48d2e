/**
 * What the waits benchmark reads from inside DBOS (internal API of @dbos-inc/dbos-sdk 5.3.0,
 * like completions.ts), without adding a query:
 *   - which workflows are blocked in `recv` right now: recv registers a callback per
 *     `<workflowID>::<topic>` in the system database's `notificationsMap` while it waits;
 *   - for tracked workflows, when the LISTEN connection delivered the NOTIFY for their message
 *     (`notificationsMap.callCallbacks`) and when `recv` returned (message consumed and
 *     checkpointed);
 *   - the workflows this process executes (`runningWorkflowMap`) and the awaitWorkflowResult
 *     calls in progress.
 */
import { DBOSExecutor } from '@dbos-inc/dbos-sdk/internal/dbos-executor';
import { nowMs } from './wait-workflows.js';

interface NotificationMapInternals {
  map: Map<string, Map<number, unknown>>;
  callCallbacks(key: string, event?: unknown): void;
}

interface SystemDatabaseInternals {
  notificationsMap: NotificationMapInternals;
  runningWorkflowMap: Map<string, unknown[]>;
  recv(workflowID: string, ...rest: unknown[]): Promise<unknown>;
  awaitWorkflowResult(...args: unknown[]): Promise<unknown>;
}

/** Times of one tracked wake-up (epoch ms, {@link nowMs} clock). */
export interface WakeMarks {
  notify?: number;
  recvReturned?: number;
}

/** The hooks, once installed. */
export interface WaitHooks {
  /**
   * recv waits of this process right now (callbacks registered per `<workflowID>::<topic>`; one
   * per waiting run here). Read from DBOS's own map, so counting adds no memory per run.
   */
  waitingCount(): number;
  isWaiting(workflowId: string): boolean;
  /** Whether recv calls made from now on record {@link WakeMarks.recvReturned} (on at install). */
  timeRecv(on: boolean): void;
  /** Workflows this process is executing (waiting ones included). */
  runningCount(): number;
  /**
   * Calls of awaitWorkflowResult in progress. A cancelled run leaves the running map at once,
   * then waits for its recorded outcome through this poll (queued behind the polling limiter).
   */
  resultAwaits(): number;
  /** Starts recording wake marks for `workflowId`; returns them (filled in as they happen). */
  track(workflowId: string): WakeMarks;
  untrack(workflowId: string): void;
  /**
   * Fires the recv callbacks of these workflows, as their NOTIFY would: each waiting recv loops
   * at once (re-checking cancellation and its messages) instead of at its next 10 s poll.
   */
  wake(workflowIds: Iterable<string>): void;
}

let installed: WaitHooks | undefined;

/** Installs the hooks on the running DBOS executor (after `DBOS.launch()`). */
export function installWaitHooks(): WaitHooks {
  if (installed) return installed;
  const sysdb = DBOSExecutor.globalInstance?.systemDatabase as unknown as SystemDatabaseInternals | undefined;
  const nm = sysdb?.notificationsMap;
  if (!sysdb || !nm || !(nm.map instanceof Map)
    || typeof nm.callCallbacks !== 'function' || typeof sysdb.recv !== 'function' || typeof sysdb.awaitWorkflowResult !== 'function' || !(sysdb.runningWorkflowMap instanceof Map)) {
    throw new Error('DBOS internals changed: systemDatabase.notificationsMap / recv / runningWorkflowMap not found');
  }
  const tracked = new Map<string, WakeMarks>();
  const workflowOf = (key: string): string => key.slice(0, key.indexOf('::'));

  const call = nm.callCallbacks.bind(nm);
  nm.callCallbacks = (key, event) => {
    const marks = tracked.get(workflowOf(key));
    if (marks && marks.notify === undefined) marks.notify = nowMs();
    call(key, event);
  };
  // recv is timed only while timing is on: the wrapper is one more suspended async frame per
  // waiting run, which must not be counted in the memory of the mass waits.
  const recv = sysdb.recv;
  const timedRecv = async (workflowID: string, ...rest: unknown[]): Promise<unknown> => {
    const r = await recv.call(sysdb, workflowID, ...rest);
    const marks = tracked.get(workflowID);
    if (marks) marks.recvReturned = nowMs();
    return r;
  };
  sysdb.recv = timedRecv;

  let awaiting = 0;
  const awaitResult = sysdb.awaitWorkflowResult.bind(sysdb);
  sysdb.awaitWorkflowResult = async (...args) => {
    awaiting++;
    try {
      return await awaitResult(...args);
    } finally {
      awaiting--;
    }
  };

  installed = {
    waitingCount: () => nm.map.size,
    isWaiting: (id) => {
      const prefix = `${id}::`;
      for (const key of nm.map.keys()) if (key.startsWith(prefix)) return true;
      return false;
    },
    timeRecv: (on) => {
      sysdb.recv = on ? timedRecv : recv;
    },
    runningCount: () => sysdb.runningWorkflowMap.size,
    resultAwaits: () => awaiting,
    track: (id) => {
      const marks: WakeMarks = {};
      tracked.set(id, marks);
      return marks;
    },
    untrack: (id) => void tracked.delete(id),
    wake: (ids) => {
      const wanted = new Set(ids);
      for (const key of [...nm.map.keys()]) if (wanted.has(workflowOf(key))) call(key);
    },
  };
  return installed;
}
