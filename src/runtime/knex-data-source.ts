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
import { completionTableExists, deleteCompletions, findCompletion, insertCompletion, recordFailedCompletion, type Completion } from '../store/transaction-completions.js';

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
    for (let delay = 1; ; delay = Math.min(delay * 1.5, 2000)) {
      try {
        return await this.#transact(txConfig, async (trx) => {
          // Checked inside the transaction: a replay costs no extra round trip to the database.
          const recorded = await findCompletion(trx, workflowID, stepID);
          if (recorded) return replayRecordedStep<Return>(recorded satisfies Completion);
          const result = await this.#current.run(trx, run);
          if (!readOnly) await this.#recordCompletion(trx, workflowID, stepID, result);
          return result;
        });
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
        if (!readOnly) {
          // Record the failure so a replay after a crash raises the same error instead of re-running.
          await recordFailedCompletion(this.knex, workflowID, stepID, SuperJSON.stringify(e));
        }
        throw e;
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
