/**
 * Knowing when a run finished without polling the database (polling would add queries and
 * quantise latency). After launch, wraps the DBOS system database's `recordWorkflowOutput` /
 * `recordWorkflowError` (internal API of @dbos-inc/dbos-sdk 5.3.0), which commit a workflow's
 * terminal status: a run counts as done when that transaction has committed.
 */
import { DBOSExecutor } from '@dbos-inc/dbos-sdk/internal/dbos-executor';

interface Waiter {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

type RecordOutcome = (workflowID: string, status: never, ownerXid?: string) => Promise<boolean>;

const waiters = new Map<string, Waiter>();

function waiter(id: string): Waiter {
  let w = waiters.get(id);
  if (!w) {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // observed by wait(); never an unhandled rejection
    w = { promise, resolve, reject };
    waiters.set(id, w);
  }
  return w;
}

/** Hooks the running DBOS executor (call once, after `DBOS.launch()`). */
export function installCompletionHook(): void {
  const sysdb = DBOSExecutor.globalInstance?.systemDatabase as unknown as
    | { recordWorkflowOutput: RecordOutcome; recordWorkflowError: RecordOutcome }
    | undefined;
  if (!sysdb || typeof sysdb.recordWorkflowOutput !== 'function' || typeof sysdb.recordWorkflowError !== 'function') {
    throw new Error('DBOS internals changed: systemDatabase.recordWorkflowOutput/recordWorkflowError not found');
  }
  const output = sysdb.recordWorkflowOutput.bind(sysdb);
  const error = sysdb.recordWorkflowError.bind(sysdb);
  sysdb.recordWorkflowOutput = async (id, status, owner) => {
    const recorded = await output(id, status, owner);
    if (recorded) waiter(id).resolve();
    return recorded;
  };
  sysdb.recordWorkflowError = async (id, status, owner) => {
    const recorded = await error(id, status, owner);
    if (recorded) waiter(id).reject(new Error(`workflow ${id} failed`));
    return recorded;
  };
}

/** Resolves once workflow `id` has committed SUCCESS (rejects on ERROR or timeout). */
export async function waitForCompletion(id: string, timeoutMs = 120_000): Promise<void> {
  const w = waiter(id);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      w.promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`workflow ${id} did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    waiters.delete(id);
  }
}
