/**
 * @module executor-identity
 * Gives each worker process a DBOS executor id that no live process shares, and that a
 * restarted worker gets back. DBOS recovers, at launch, only the PENDING workflows of its own
 * executor id; its default id `local` makes two processes run each other's steps.
 *
 * Each id is guarded by a session-level advisory lock held on a dedicated connection for the
 * life of the process. Postgres drops the lock the moment that connection dies — a SIGKILL
 * closes the socket — so the next worker on the host claims the same slot `<host>-0` and
 * recovers the dead worker's runs at once, while concurrent workers get `<host>-1`, `-2`, ...
 * (Session locks need a direct connection; a transaction-pooling proxy would break them.)
 */
import os from 'node:os';
import pg from 'pg';
import { WaymarkError } from '../errors.js';
import { tryLockExecutorId } from '../store/workers.js';

/** A claimed executor id; hold it while DBOS runs. */
export interface ExecutorClaim {
  id: string;
  /** Gives the id up (graceful shutdown). */
  release(): Promise<void>;
}

const MAX_SLOTS = 1000;

/**
 * Claims `explicitId`, or the first free `<host>-<n>` slot.
 *
 * @example
 * ```ts
 * const claim = await claimExecutorId(url, undefined, (reason) => stopWorker(reason));
 * DBOS.setConfig({ ..., executorID: claim.id });
 * ```
 */
export async function claimExecutorId(
  databaseUrl: string,
  explicitId: string | undefined,
  /**
   * Called when the lock is lost for good. Running on without it would let a restarted sibling
   * take the same id and run this worker's runs a second time: the caller must stop the worker.
   */
  onLost: (reason: string) => void,
  host = os.hostname(),
): Promise<ExecutorClaim> {
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: databaseUrl, application_name: 'waymark-executor-lock' });
    c.on('error', () => {}); // reported through 'end' below
    await c.connect();
    return c;
  };
  const tryLock = tryLockExecutorId;
  let client = await connect();
  let released = false;
  /** Holds the id on `c`; when its connection drops (a database restart), takes it back. */
  const hold = (c: pg.Client, id: string): void => {
    c.once('end', () => {
      if (released) return;
      void (async () => {
        for (let attempt = 0; attempt < 60 && !released; attempt++) {
          try {
            const next = await connect();
            if (await tryLock(next, id)) {
              // Released while this reconnect was under way: give the id straight back.
              if (released) return void (await next.end());
              client = next;
              hold(next, id);
              return;
            }
            await next.end();
            return onLost(`executor id '${id}' was taken by another process while this worker was cut off from the database`);
          } catch {
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        if (!released) onLost(`lost the executor lock of '${id}' and could not take it back for 30 s`);
      })();
    });
  };
  const claim = (id: string): ExecutorClaim => {
    hold(client, id);
    return {
      id,
      release: async () => {
        released = true;
        await client.end();
      },
    };
  };
  try {
    if (explicitId) {
      if (await tryLock(client, explicitId)) return claim(explicitId);
      throw new WaymarkError('executor_id_in_use', `Executor id '${explicitId}' is held by another live worker; two workers must never share one (unset WAYMARK_EXECUTOR_ID to get a free slot).`);
    }
    const base = host.replace(/[^A-Za-z0-9_.-]/g, '_');
    for (let n = 0; n < MAX_SLOTS; n++) {
      const id = `${base}-${n}`;
      if (await tryLock(client, id)) return claim(id);
    }
    throw new WaymarkError('executor_slots_exhausted', `All ${MAX_SLOTS} executor slots for host ${base} are held`);
  } catch (e) {
    await client.end();
    throw e;
  }
}
