/**
 * @module runtime/infrastructure
 * Starts and stops the infrastructure of a Waymark process, and nothing else: the database
 * (embedded unless `DATABASE_URL` is set), migrations, the pools and the database gateway, the
 * knex data source, the executor identity, and DBOS with Waymark's queue. Services, HTTP and
 * housekeeping are wired on top of it by the composition root (`app/start-waymark.ts`).
 */
import { DBOS, DBOSClient } from '@dbos-inc/dbos-sdk';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { WaymarkConfig } from '../config.js';
import { WaymarkError, ensureError } from '../errors.js';
import type { Logger } from '../logger.js';
import { Database } from '../store/gateway.js';
import { DBOS_SCHEMA, migrate } from '../store/migrate.js';
import { systemClock, type Clock } from './clock.js';
import { openDatabase, type DatabaseHandle } from './database.js';
import { claimExecutorId } from './executor-identity.js';
import { db as dataSource } from './knex-data-source.js';
import { installRuntime } from './process-runtime.js';

/** The DBOS queue every Waymark run is enqueued on. */
export const RUN_QUEUE = 'waymark_runs';

/** DBOS's default cap on a system database connection left idle inside a transaction. */
const IDLE_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * The system database URL with `idle_in_transaction_session_timeout` set at connection startup
 * (libpq `options`). Without it DBOS sends `SET idle_in_transaction_session_timeout` from its
 * pools' 'connect' event without waiting, so the borrower's first query is queued behind it on
 * the same client, which pg 8.23 reports as a deprecated concurrent `client.query()` on every
 * start. DBOS skips that SET when the URL already carries the setting.
 */
function withIdleTransactionTimeout(url: string): string {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options') ?? '';
  if (options.includes('idle_in_transaction_session_timeout')) return url;
  parsed.searchParams.set('options', `${options} -c idle_in_transaction_session_timeout=${IDLE_TRANSACTION_TIMEOUT_MS}`.trim());
  return parsed.toString();
}

/** What {@link startInfrastructure} needs. */
export interface InfrastructureOptions {
  config: WaymarkConfig;
  log: Logger;
  /** Execute workflows in this process (claim an executor id, launch DBOS). */
  worker: boolean;
  /** The clock primitives schedule by (default: the system clock). */
  clock?: Clock;
  /** Registers Waymark's own DBOS functions; called once, before DBOS launches. */
  registerFunctions?: () => void;
  /** Runs after migrations and before DBOS launches (business tables). */
  beforeLaunch?: (ctx: { knex: Knex; databaseUrl: string }) => Promise<void>;
  /** The worker lost its executor identity and has been stopped; see `startWaymark`'s `onFatal`. */
  onExecutorLost: (error: WaymarkError) => void;
}

/** Running infrastructure. */
export interface Infrastructure {
  readonly databaseUrl: string;
  readonly databaseSource: DatabaseHandle['source'];
  /** A pool on the application database (also the gateway's). */
  readonly pool: pg.Pool;
  /** The database gateway. */
  readonly db: Database;
  /** Enqueues, sends and operates workflows from any process. */
  readonly dbos: DBOSClient;
  /** This worker's executor id (undefined without a worker). */
  readonly executorId: string | undefined;
  /**
   * Stops DBOS, the pools and the embedded database. In-flight workflows get a few seconds to
   * reach their next step unless `drain` is false (the worker lost its identity: stop at once).
   */
  stop(opts?: { drain?: boolean }): Promise<void>;
}

/**
 * Starts the infrastructure; on failure everything started so far is stopped again.
 *
 * @example
 * ```ts
 * const infra = await startInfrastructure({ config, log, worker: true, onExecutorLost: (e) => log.fatal(e.message) });
 * await infra.stop();
 * ```
 */
export async function startInfrastructure(o: InfrastructureOptions): Promise<Infrastructure> {
  const { config, log } = o;
  const cleanups: (() => Promise<void>)[] = [];
  let drainMs = 5_000;
  const stop = async (opts: { drain?: boolean } = {}): Promise<void> => {
    if (opts.drain === false) drainMs = 0;
    for (const c of cleanups.reverse()) {
      await c().catch((e: unknown) => log.warn({ err: ensureError(e).message }, 'error during shutdown'));
    }
    cleanups.length = 0;
  };
  try {
    const database = await openDatabase(config);
    cleanups.push(() => database.close());
    const { applied } = await migrate(database.url);
    if (applied.length) log.info({ applied }, 'applied Waymark migrations');

    // Before launch: recovered workflows may call primitives that use it at once.
    const pool = new pg.Pool({ connectionString: database.url, max: config.dbPoolSize });
    pool.on('error', (e) => log.warn({ err: e.message }, 'idle database connection failed'));
    // A connection that dies while checked out (a database restart) fails its query; without a
    // listener its 'error' event would also take the whole process down.
    pool.on('connect', (c) => c.on('error', (e) => log.warn({ err: e.message }, 'database connection failed')));
    cleanups.push(() => pool.end());
    const db = new Database(pool, { statementTimeoutMs: config.statementTimeoutMs });
    if (o.worker) {
      // Primitives run only where workflows execute.
      const uninstall = installRuntime({ db, config, clock: o.clock ?? systemClock, log, runTenants: new Map() });
      cleanups.push(async () => uninstall());
    }
    // Business transactions run only where workflows execute: the data source (one per process,
    // like DBOS) belongs to the worker; a client-only process gets a knex of its own for its hook.
    if (o.worker) {
      dataSource.configure({ client: 'pg', connection: database.url, pool: { min: 0, max: config.dbPoolSize } });
      cleanups.push(() => dataSource.destroy());
      if (o.beforeLaunch) await o.beforeLaunch({ knex: dataSource.knex, databaseUrl: database.url });
    } else if (o.beforeLaunch) {
      const knex = knexFactory({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
      try {
        await o.beforeLaunch({ knex, databaseUrl: database.url });
      } finally {
        await knex.destroy();
      }
    }

    const systemDatabaseUrl = withIdleTransactionTimeout(database.url);
    // WAYMARK_DB_POOL_SIZE bounds DBOS's pools too, so the connections a process may open are
    // one setting's business (a server's max_connections is shared by every process).
    const dbos = await DBOSClient.create({
      systemDatabaseUrl, systemDatabaseSchemaName: DBOS_SCHEMA, applicationName: config.appName, systemDatabasePoolSize: config.dbPoolSize,
    });
    cleanups.push(() => dbos.destroy());

    let executorId: string | undefined;
    if (o.worker) {
      const claim = await claimExecutorId(database.url, config.executorId, (reason) => {
        const error = new WaymarkError('executor_lock_lost', `${reason}; this worker stopped so that no run executes twice`);
        log.error({ code: error.code, executorId: claim.id }, error.message);
        o.onExecutorLost(error);
      });
      executorId = claim.id;
      cleanups.push(() => claim.release());
      o.registerFunctions?.();
      DBOS.setConfig({
        name: config.appName,
        systemDatabaseUrl,
        systemDatabaseSchemaName: DBOS_SCHEMA,
        systemDatabasePoolSize: config.dbPoolSize,
        applicationVersion: config.appVersion,
        executorID: claim.id,
        logLevel: dbosLogLevel(config.logLevel),
        runMigrations: false,
      });
      // A failed launch leaks connections unless shut down.
      cleanups.push(() => DBOS.shutdown({ workflowCompletionTimeoutMS: drainMs }));
      await DBOS.launch();
      // Queues exist only once registered after launch; enqueueing to an unknown one hangs forever.
      await DBOS.registerQueue(RUN_QUEUE, { workerConcurrency: config.concurrency, minPollingIntervalMs: 100 });
    }
    return { databaseUrl: database.url, databaseSource: database.source, pool, db, dbos, executorId, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function dbosLogLevel(level: WaymarkConfig['logLevel']): string {
  return level === 'fatal' || level === 'silent' ? 'error' : level === 'trace' ? 'debug' : level;
}
