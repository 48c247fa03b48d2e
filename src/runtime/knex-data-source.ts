/**
 * @module knex-data-source
 * A DBOS data source for business writes through knex, written against the SDK's public
 * `@dbos-inc/dbos-sdk/datasource` contract (the published knex data source does not work with
 * SDK 5.3). A transaction's business rows and its completion row commit together, so after a
 * crash the write is replayed from the completion row, never applied twice.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import {
  DBOSStepAlreadyRecordedError,
  DBOSWorkflowConflictError,
  assertStillOwnsWorkflow,
  isPGRetriableTransactionError,
  registerDataSource,
  registerTransaction,
  replayRecordedStep,
  runTransaction,
  type DataSourceTransactionHandler,
  type PGTransactionConfig,
} from '@dbos-inc/dbos-sdk/datasource';
import knexFactory, { type Knex } from 'knex';
import SuperJSON from 'superjson';
import { WaymarkError } from '../errors.js';
import { pgSqlState, sqlCondition } from '../public-error.js';
import { crashProbe } from './crash-probe.js';
import { isConnectionError } from '../store/gateway.js';
import {
  completionTableExists, deleteCompletions, findAncestorOutcome, findCompletion, insertCompletion, isForkRunId, recordFailedCompletion, type AncestorOutcome, type Completion,
} from '../store/transaction-completions.js';

/**
 * How long a workflow's transaction (and Waymark's own statements inside a run: the tool-call
 * ledger, approvals, waits) waits for a database that cannot be reached before its step fails:
 * an outage shorter than this costs the run time, not a dead letter.
 */
export const OUTAGE_WAIT_MS = 120_000;

/** How long a transaction keeps asking for a connection of a pool that stays busy before its step fails. */
const POOL_WAIT_MS = 600_000;

/** Options of one transaction. */
export interface TransactionConfig extends PGTransactionConfig {
  /** Step name recorded by DBOS (defaults to the function name). */
  name?: string;
}

/**
 * Transactional business writes inside DBOS workflows, exactly once.
 *
 * The runtime points the default instance ({@link db}) at the application database before
 * launch; further instances can be created for other databases.
 *
 * @example
 * ```ts
 * class Orders {
 *   @db.transaction()
 *   static async insertOrder(id: string, amount: number) {
 *     await db.client('orders').insert({ id, amount });
 *   }
 *   @DBOS.workflow()
 *   static async placeOrder(id: string) { await Orders.insertOrder(id, 42); }
 * }
 * ```
 */
export class KnexDataSource implements DataSourceTransactionHandler {
  readonly name: string;
  #config: Knex.Config | undefined;
  #knex: Knex | undefined;
  readonly #current = new AsyncLocalStorage<Knex.Transaction>();

  constructor(name: string, config?: Knex.Config) {
    this.name = name;
    this.#config = config;
    registerDataSource(this);
  }

  /**
   * Points the data source at a database (before `DBOS.launch`).
   *
   * @example
   * ```ts
   * db.configure({ client: 'pg', connection: process.env.DATABASE_URL });
   * ```
   */
  configure(config: Knex.Config): void {
    if (this.#knex) throw new WaymarkError('datasource_configured', `Data source '${this.name}' is already connected`);
    this.#config = config;
  }

  /** The knex instance, for reads outside transactions (or tests). */
  get knex(): Knex {
    if (!this.#knex) {
      if (!this.#config) throw new WaymarkError('datasource_not_configured', `Data source '${this.name}' has no database configured; start Waymark first`);
      this.#knex = knexFactory(this.#config);
    }
    return this.#knex;
  }

  /**
   * The open transaction of the calling transaction function.
   *
   * @example
   * ```ts
   * await db.client('documents').insert({ id, title });
   * ```
   */
  get client(): Knex.Transaction {
    const trx = this.#current.getStore();
    if (!trx) throw new WaymarkError('not_in_transaction', `db.client is only available inside a transaction of data source '${this.name}'`);
    return trx;
  }

  async initialize(): Promise<void> {
    // The completion table comes from Waymark's migrations, which the runtime has applied.
    if (!(await completionTableExists(this.knex))) {
      throw new WaymarkError('schema_missing', `Table waymark.transaction_completion is missing: run 'waymark migrate' against this database`);
    }
  }

  async destroy(): Promise<void> {
    const k = this.#knex;
    this.#knex = undefined;
    await k?.destroy();
  }

  async deleteCheckpoints(workflowID: string, startStep: number, beforeCommit?: () => Promise<void>): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await deleteCompletions(trx, workflowID, startStep);
      if (beforeCommit) await beforeCommit();
    });
  }

  async invokeTransactionFunction<This, Args extends unknown[], Return>(
    config: unknown,
    target: This,
    func: (this: This, ...args: Args) => Promise<Return>,
    ...args: Args
  ): Promise<Return> {
    const txConfig = (config ?? {}) as TransactionConfig;
    const workflowID = DBOS.workflowID;
    const stepID = DBOS.stepID;
    const run = (): Promise<Return> => func.call(target, ...args);
    if (workflowID === undefined || stepID === undefined) {
      return this.#transact(txConfig, (trx) => this.#current.run(trx, run));
    }
    const readOnly = txConfig.readOnly ?? false;
    const started = Date.now();
    for (let delay = 1; ; delay = Math.min(delay * 1.5, 2000)) {
      try {
        let fresh = false;
        const result = await this.#transact(txConfig, async (trx) => {
          // Checked inside the transaction: a replay costs no extra round trip to the database.
          const recorded = await findCompletion(trx, workflowID, stepID);
          if (recorded) return replayRecordedStep<Return>(recorded satisfies Completion);
          // A fork keeps the business writes its ancestors committed at this step, as its tool
          // calls keep their keys: the recorded result becomes the fork's own.
          const earlier = !readOnly && isForkRunId(workflowID) ? await findAncestorOutcome(trx, workflowID, stepID, txConfig.name ?? func.name) : undefined;
          if (earlier) {
            const result = ancestorResult<Return>(earlier);
            await this.#recordCompletion(trx, workflowID, stepID, result);
            return result;
          }
          const result = await this.#current.run(trx, run);
          if (!readOnly) await this.#recordCompletion(trx, workflowID, stepID, result);
          fresh = true;
          return result;
        });
        // Committed, not yet checkpointed by DBOS: the window crash tests kill in.
        if (fresh) crashProbe()?.reach({ kind: 'after-effect', category: 'transaction', name: txConfig.name ?? func.name, stepId: stepID });
        return result;
      } catch (e) {
        if (e instanceof DBOSStepAlreadyRecordedError) {
          const recorded = await findCompletion(this.knex, workflowID, stepID);
          if (recorded) return replayRecordedStep<Return>(recorded satisfies Completion);
          throw e;
        }
        if (e instanceof DBOSWorkflowConflictError) throw e;
        if (isPGRetriableTransactionError(e)) {
          await new Promise((r) => setTimeout(r, delay));
          continue;
        }
        // The database went away (a restart, a failover, an outage): wait for it. Trying again is
        // safe even when the connection was lost while committing: a transaction that did
        // commit left its completion row, so the next attempt returns its recorded result.
        if (isConnectionError(e) && Date.now() - started < OUTAGE_WAIT_MS) {
          await new Promise((r) => setTimeout(r, Math.max(delay, 250)));
          continue;
        }
        // Every connection of the pool stayed busy for knex's whole acquire timeout (hundreds of
        // runs writing at once on a loaded host): nothing was sent, so trying again is safe.
        if (e instanceof Error && e.name === 'KnexTimeoutError' && /Timeout acquiring a connection/.test(e.message) && Date.now() - started < POOL_WAIT_MS) continue;
        const failure = sanitizeDatabaseError(e, workflowID, stepID);
        if (!readOnly) {
          // Record the failure so a replay after a crash raises the same error instead of re-running.
          await recordFailedCompletion(this.knex, workflowID, stepID, SuperJSON.stringify(failure));
        }
        throw failure;
      }
    }
  }

  /**
   * Inserts the completion row, then checks this execution still owns the workflow. The row
   * makes a newer owner's identical insert wait for our commit (then conflict and replay our
   * result); the ownership check rolls a stale execution back.
   */
  async #recordCompletion(trx: Knex.Transaction, workflowID: string, stepID: number, result: unknown): Promise<void> {
    if (!(await insertCompletion(trx, workflowID, stepID, SuperJSON.stringify(result)))) throw new DBOSStepAlreadyRecordedError(workflowID, stepID);
    await assertStillOwnsWorkflow(workflowID);
  }

  #transact<T>(config: TransactionConfig, body: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(body, {
      isolationLevel: config.isolationLevel?.toLowerCase() as Knex.IsolationLevels | undefined,
      readOnly: config.readOnly,
    });
  }

  /**
   * Runs `callback` as one transaction (a durable step when called from a workflow).
   *
   * @example
   * ```ts
   * const n = await db.runTransaction(async () => (await db.client('documents').count())[0]);
   * ```
   */
  runTransaction<T>(callback: () => Promise<T>, config?: TransactionConfig): Promise<T> {
    return runTransaction(callback, config?.name ?? callback.name ?? 'transaction', { dsName: this.name, config });
  }

  /**
   * Wraps `func` as a registered transaction function.
   *
   * @example
   * ```ts
   * const insertDoc = db.registerTransaction(async (id: string) => { await db.client('documents').insert({ id }); }, { name: 'insertDoc' });
   * ```
   */
  registerTransaction<This, Args extends unknown[], Return>(
    func: (this: This, ...args: Args) => Promise<Return>,
    config?: TransactionConfig & { name?: string; className?: string; ctorOrProto?: object },
  ): (this: This, ...args: Args) => Promise<Return> {
    return registerTransaction(this.name, func, config);
  }

  /**
   * Decorator form of {@link KnexDataSource.registerTransaction} (needs `experimentalDecorators`).
   *
   * @example
   * ```ts
   * class Docs { @db.transaction() static async save(id: string) { await db.client('documents').insert({ id }); } }
   * ```
   */
  transaction(config?: TransactionConfig) {
    return <This, Args extends unknown[], Return>(
      target: object,
      propertyKey: string,
      descriptor: TypedPropertyDescriptor<(this: This, ...args: Args) => Promise<Return>>,
    ): TypedPropertyDescriptor<(this: This, ...args: Args) => Promise<Return>> => {
      if (!descriptor.value) throw new WaymarkError('invalid_decorator', `@transaction applied to ${propertyKey}, which is not a method`);
      descriptor.value = this.registerTransaction(descriptor.value, { ...config, name: config?.name ?? propertyKey, ctorOrProto: target });
      return descriptor;
    };
  }
}

/**
 * The default data source, connected by the runtime to the application database.
 *
 * @example
 * ```ts
 * class Docs {
 *   @db.transaction()
 *   static async save(id: string) { await db.client('documents').insert({ id }); }
 * }
 * ```
 */
export const db = new KnexDataSource('waymark');

/**
 * A Postgres error leaving a workflow's transaction becomes a `database_error` carrying only its
 * SQLSTATE and condition name: DBOS records a step's error (with everything on it) where runs,
 * timelines and dead letters are served from, and a Postgres error's message and detail name
 * tables, constraints and values (knex adds the SQL). The full error goes to the server's log.
 */
function sanitizeDatabaseError(e: unknown, workflowID: string, stepID: number): unknown {
  const sqlState = pgSqlState(e);
  if (sqlState === undefined) return e;
  const condition = sqlCondition(sqlState);
  const pg = e as { message?: unknown; detail?: unknown; constraint?: unknown };
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  DBOS.logger.warn(
    `transaction of run ${workflowID} (step ${stepID}) failed with SQLSTATE ${sqlState} (${condition}): ${text(pg.message)}` +
      `${pg.detail ? `; detail: ${text(pg.detail)}` : ''}${pg.constraint ? `; constraint: ${text(pg.constraint)}` : ''}`,
  );
  return new WaymarkError('database_error', condition, { details: { sqlState, condition } });
}

/** The value an ancestor's outcome holds: Waymark's completion (SuperJSON) or DBOS's checkpoint. */
function ancestorResult<R>(o: AncestorOutcome): R {
  if (o.completion !== null) return SuperJSON.parse<R>(o.completion);
  const stored: unknown = o.checkpoint === null ? null : JSON.parse(o.checkpoint);
  // DBOS writes a SuperJSON envelope ({ __dbos_serializer, json, meta }) or plain JSON.
  if (stored !== null && typeof stored === 'object' && '__dbos_serializer' in stored) {
    const env = stored as unknown as { json: unknown; meta?: unknown };
    return SuperJSON.deserialize<R>({ json: env.json as never, meta: env.meta as never });
  }
  return stored as R;
}
