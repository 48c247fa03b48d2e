/**
 * Diagnostics for processes whose Postgres restarts: a pg client that is checked out of a
 * pool (so the pool's idle error listener is off) and has no query running emits an 'error'
 * event with no listener when the server terminates its connection — which crashes a Node
 * process. This guard records such errors with the last statement the client ran (which
 * tells whose client it was). In the orchestrator it swallows them, so the run can finish and
 * the report can name the culprit; in workers it only reports them and lets the crash happen.
 */
import pg from 'pg';

/** One error that would have been thrown as an unhandled 'error' event. */
export interface UnhandledClientError {
  at: Date;
  code: string;
  message: string;
  /** The last statement the client ran before the error. */
  lastQuery: string;
  /** Whose client it was, when the caller can tell. */
  owner: string;
}

/**
 * Installs the guard on pg.Client (every pool in this process uses it).
 *
 * @example
 * ```ts
 * const guard = guardUnhandledClientErrors();
 * // ... restart Postgres ...
 * console.log(guard.errors);
 * guard.uninstall();
 * ```
 */
export function guardUnhandledClientErrors(opts: {
  swallow?: boolean;
  onError?: (e: UnhandledClientError) => void;
  /** Names the pool a client belongs to. */
  owner?: (client: pg.Client) => string;
} = {}): {
  errors: UnhandledClientError[];
  uninstall(): void;
} {
  const swallow = opts.swallow ?? true;
  const errors: UnhandledClientError[] = [];
  const proto = pg.Client.prototype as any;
  const query = proto.query;
  const emit = proto.emit;
  proto.query = function (this: any, ...args: any[]) {
    const first = args[0];
    this.__chaosLastQuery = typeof first === 'string' ? first : first?.text;
    return query.apply(this, args);
  };
  proto.emit = function (this: any, event: string | symbol, ...args: any[]) {
    if (event === 'error' && this.listenerCount('error') === 0) {
      const e = args[0] as { code?: string; message?: string } | undefined;
      const rec = { at: new Date(), code: e?.code ?? '?', message: e?.message ?? '?', lastQuery: String(this.__chaosLastQuery ?? '(none)').replace(/\s+/g, ' ').slice(0, 160), owner: opts.owner?.(this) ?? '?' };
      errors.push(rec);
      opts.onError?.(rec);
      if (swallow) return true;
    }
    return emit.call(this, event, ...args);
  };
  return {
    errors,
    uninstall: () => {
      proto.query = query;
      proto.emit = emit;
    },
  };
}
