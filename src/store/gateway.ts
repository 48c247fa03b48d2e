/**
 * @module store/gateway
 * The one way into Waymark's tables: every transaction and read goes through a {@link Database}.
 * It opens the transaction with the tenant set (`waymark.tenant_id`, `SET LOCAL`, ready for
 * row-level security) and a statement timeout in the same round trip as `BEGIN`, retries what
 * is safe to retry, and turns SQLSTATEs into typed errors — once, here. It is also the place
 * where tracing and metrics hook in.
 *
 * What is retried, and why only that:
 * * serialization failures and deadlocks (40001, 40P01): Postgres rolled the transaction back;
 * * a connection lost before `COMMIT` was sent: the transaction cannot have committed;
 * * a read-only transaction, whenever its connection is lost.
 * A connection lost while `COMMIT` is in flight is not retried — the change may have been
 * applied — and surfaces as `commit_outcome_unknown`.
 */
import type pg from 'pg';
import { DatabaseError, PhaseTransitionError, WaymarkError } from '../errors.js';
import type { TenantScope } from '../scope.js';

/** Anything that can run a query: a pool, or a client inside a transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** The client of an open transaction (also what DBOS's `…InTransaction` calls take). */
export type Tx = pg.PoolClient;

/** Options of one transaction. */
export interface TxOptions {
  readOnly?: boolean;
}

/** Settings of a {@link Database}. */
export interface DatabaseOptions {
  /** Longest a statement may run before Postgres cancels it (0: no limit). */
  statementTimeoutMs: number;
  /** Attempts of a transaction that keeps meeting serialization failures or deadlocks (default 5). */
  maxAttempts?: number;
  /**
   * How long a transaction keeps being tried again while the database is unreachable (a
   * restart, a failover) before `database_unavailable` is thrown (default 20 s).
   */
  connectionRetryMs?: number;
  /**
   * The role every transaction runs as (`SET LOCAL ROLE`): `waymark_app`, which row-level
   * security applies to. Undefined: the login role's own rights (migrations, and databases
   * where the role could not be set up).
   */
  role?: string | undefined;
}

const SERIALIZATION = new Set(['40001', '40P01']);
// 53300: the server has no connection slot left (max_connections), refused at connect: nothing ran.
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN', '57P01', '57P02', '57P03', '53300']);

/**
 * Whether `e` says the connection to the database was lost or refused.
 *
 * @example
 * ```ts
 * if (isConnectionError(e)) scheduleRetry();
 * ```
 */
export function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  const message = e instanceof Error ? e.message : '';
  return /Connection terminated|connection error|Client was closed|terminating connection/i.test(message);
}

/**
 * Turns a database error into Waymark's typed errors (anything else is returned unchanged).
 *
 * @example
 * ```ts
 * catch (e) { throw mapDatabaseError(e); }
 * ```
 */
export function mapDatabaseError(e: unknown): unknown {
  if (e instanceof WaymarkError) return e;
  const err = e as { code?: unknown; severity?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const fromServer = err?.severity !== undefined;
  if (code === 'WM001') return new PhaseTransitionError(typeof err?.message === 'string' ? err.message : 'phase transition not allowed', { cause: e });
  // Class 22 (data exception): a value the schema let through that the database cannot hold,
  // such as a NUL character in text. The statement changed nothing.
  if (fromServer && code?.startsWith('22')) {
    return new DatabaseError('invalid_value', 'A value cannot be stored (for example a NUL character in a string)', { cause: e });
  }
  if (code === '57014') return new DatabaseError('database_timeout', 'A database statement ran past the statement timeout', { cause: e });
  if (isConnectionError(e)) return new DatabaseError('database_unavailable', 'The database connection was lost or refused', { cause: e });
  return e;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The database gateway.
 *
 * @example
 * ```ts
 * const db = new Database(pool, { statementTimeoutMs: 30_000 });
 * const run = await db.read(scope, (q) => getRun(q, scope.tenantId, id));
 * await db.tx(scope, async (q) => { await appendRunEvent(q, { ... }); });
 * ```
 */
export class Database {
  readonly #pool: pg.Pool;
  readonly #statementTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #connectionRetryMs: number;
  readonly #setRole: string;

  constructor(pool: pg.Pool, opts: DatabaseOptions) {
    this.#pool = pool;
    if (opts.role !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.role)) throw new Error(`Database: invalid role name '${opts.role}'`);
    this.#setRole = opts.role ? ` SET LOCAL ROLE "${opts.role}";` : '';
    this.#statementTimeoutMs = opts.statementTimeoutMs;
    this.#maxAttempts = opts.maxAttempts ?? 5;
    this.#connectionRetryMs = opts.connectionRetryMs ?? 20_000;
  }

  /**
   * Runs `work` in one transaction of `scope`'s tenant and returns its result; rolls back on
   * any error. `work` may run more than once (see the module notes), so it must do nothing
   * but database work.
   */
  async tx<T>(scope: TenantScope, work: (q: Tx) => Promise<T>, opts: TxOptions = {}): Promise<T> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(scope, work, opts);
      } catch (e) {
        if (!(e instanceof RetryableFailure)) throw mapDatabaseError(e);
        // A lost or refused connection is tried again for a while (the server may be
        // restarting); a serialization failure or deadlock a few times.
        const more = isConnectionError(e.cause) ? Date.now() - started < this.#connectionRetryMs : attempt < this.#maxAttempts;
        if (!more) throw mapDatabaseError(e.cause);
        await sleep(Math.min(1_000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
  }

  /** Runs `work` in a read-only transaction of `scope`'s tenant. */
  read<T>(scope: TenantScope, work: (q: Tx) => Promise<T>): Promise<T> {
    return this.tx(scope, work, { readOnly: true });
  }

  /** Whether the database answers (for readiness checks). */
  async ping(): Promise<boolean> {
    try {
      await this.#pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async #once<T>(scope: TenantScope, work: (q: Tx) => Promise<T>, opts: TxOptions): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw isConnectionError(e) ? new RetryableFailure(e) : e;
    }
    let phase: 'body' | 'commit' = 'body';
    let broken = false;
    let discard = false;
    try {
      // One round trip: BEGIN, the role, the tenant and the statement timeout (simple query protocol).
      await client.query(
        `BEGIN${opts.readOnly ? ' READ ONLY' : ''};${this.#setRole} SELECT set_config('waymark.tenant_id', ${client.escapeLiteral(scope.tenantId)}, true),` +
          ` set_config('statement_timeout', '${Math.max(0, Math.floor(this.#statementTimeoutMs))}', true)`,
      );
      const result = await work(client);
      phase = 'commit';
      await client.query('COMMIT');
      return result;
    } catch (e) {
      broken = isConnectionError(e);
      // A connection that cannot even roll back is not given back to the pool.
      if (!broken) await client.query('ROLLBACK').catch(() => (discard = true));
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && SERIALIZATION.has(code)) throw new RetryableFailure(e);
      if (broken && (phase === 'body' || opts.readOnly)) throw new RetryableFailure(e);
      if (broken) throw new DatabaseError('commit_outcome_unknown', 'The database connection was lost while committing; the change may or may not have been applied', { cause: e });
      throw e;
    } finally {
      client.release(broken || discard ? true : undefined);
    }
  }
}

/** Internal marker: the attempt failed in a way that is safe to retry. */
class RetryableFailure extends Error {
  constructor(cause: unknown) {
    super('retryable database failure', { cause });
  }
}
