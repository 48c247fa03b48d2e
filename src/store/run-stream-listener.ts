/**
 * @module store/run-stream-listener
 * One `LISTEN waymark_run_stream` connection per process, shared by every reader of a run's
 * stream: a notification wakes the readers of that run at once. It is an accelerator, never a
 * condition of correctness: readers also poll, so a lost connection (or a notification sent
 * between a reader's query and its wait) delays them by at most the poll interval. The
 * connection is opened on the first watch, and reopened with backoff when it drops.
 */
import pg from 'pg';
import type { Logger } from '../logger.js';
import { RUN_STREAM_CHANNEL } from './run-stream.js';

/** A reader's subscription to one run's notifications. */
export interface RunStreamWatch {
  /**
   * Resolves at the next notification for the run (at once if one arrived since the last
   * call), after `ms`, or when `signal` aborts — whichever comes first.
   */
  next(ms: number, signal: AbortSignal): Promise<void>;
  /** Ends the subscription. */
  close(): void;
}

interface Watcher {
  dirty: boolean;
  wake: (() => void) | undefined;
}

/**
 * The process's listener for stream notifications.
 *
 * @example
 * ```ts
 * const listener = new RunStreamListener(pool.options, log);
 * const watch = listener.watch(runId);
 * await watch.next(1000, signal); // woken by a commit to the run's stream, or after 1 s
 * watch.close();
 * await listener.stop();
 * ```
 */
export class RunStreamListener {
  readonly #connection: pg.ClientConfig;
  readonly #log: Logger;
  readonly #watchers = new Map<string, Set<Watcher>>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #stopped = false;

  constructor(connection: pg.ClientConfig, log: Logger) {
    this.#connection = connection;
    this.#log = log;
  }

  /** Subscribes to a run's notifications (opening the shared connection if needed). */
  watch(runId: string): RunStreamWatch {
    const w: Watcher = { dirty: false, wake: undefined };
    let set = this.#watchers.get(runId);
    if (!set) this.#watchers.set(runId, (set = new Set()));
    set.add(w);
    this.#ensureConnected();
    return {
      next: (ms, signal) => {
        if (w.dirty || signal.aborted) {
          w.dirty = false;
          return Promise.resolve();
        }
        return new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            w.wake = undefined;
            w.dirty = false;
            resolve();
          };
          const timer = setTimeout(done, ms);
          signal.addEventListener('abort', done, { once: true });
          w.wake = done;
        });
      },
      close: () => {
        w.wake?.();
        set.delete(w);
        if (set.size === 0 && this.#watchers.get(runId) === set) this.#watchers.delete(runId);
      },
    };
  }

  /** Closes the connection; watchers keep working by polling. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    await this.#connecting?.catch(() => {});
    const c = this.#client;
    this.#client = undefined;
    await c?.end().catch(() => {});
  }

  #ensureConnected(): void {
    if (this.#stopped || this.#client || this.#connecting || this.#retryTimer) return;
    this.#connecting = this.#connect().finally(() => (this.#connecting = undefined));
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#connection);
    client.on('notification', (n) => {
      if (n.channel !== RUN_STREAM_CHANNEL || n.payload === undefined) return;
      for (const w of this.#watchers.get(n.payload) ?? []) {
        w.dirty = true;
        w.wake?.();
      }
    });
    client.on('error', (e) => this.#lost(client, e));
    client.on('end', () => this.#lost(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${RUN_STREAM_CHANNEL}`);
    } catch (e) {
      await client.end().catch(() => {});
      this.#retryLater(e);
      return;
    }
    if (this.#stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.#failures = 0;
    this.#client = client;
    // Anything committed while there was no connection: readers look again.
    this.#wakeAll();
  }

  #lost(client: pg.Client, e: unknown): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => {});
    if (!this.#stopped) this.#retryLater(e);
  }

  #retryLater(e: unknown): void {
    if (this.#stopped) return;
    this.#failures++;
    if (this.#failures === 1) this.#log.warn({ err: e }, 'run stream notifications unavailable; readers poll until the connection is back');
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.#failures, 7));
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#watchers.size > 0) this.#ensureConnected();
    }, delay);
    this.#retryTimer.unref();
  }

  #wakeAll(): void {
    for (const set of this.#watchers.values()) {
      for (const w of set) {
        w.dirty = true;
        w.wake?.();
      }
    }
  }
}
