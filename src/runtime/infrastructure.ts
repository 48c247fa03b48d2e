/**
 * @module runtime/infrastructure
 * Starts and stops the infrastructure of a Waymark process, and nothing else: the database
 * (embedded unless `DATABASE_URL` is set), migrations, the pools and the database gateway, the
 * knex data source, the executor identity, and DBOS with Waymark's queue. Services, HTTP and
 * housekeeping are wired on top of it by the composition root (`app/start-waymark.ts`).
 */
import { randomUUID } from 'node:crypto';
import { DBOS, DBOSClient } from '@dbos-inc/dbos-sdk';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { WaymarkConfig } from '../config.js';
import { WaymarkError, ensureError } from '../errors.js';
import type { Logger } from '../logger.js';
import { APP_ROLE, canUseAppRole } from '../store/admin.js';
import { Database } from '../store/gateway.js';
import { markInterrupted } from '../store/run-executions.js';
import { SYSTEM_SCOPE } from '../scope.js';
import { DBOS_SCHEMA, migrate } from '../store/migrate.js';
import { systemClock, type Clock } from './clock.js';
import { openDatabase, type DatabaseHandle } from './database.js';
import { claimExecutorId } from './executor-identity.js';
import { OUTAGE_WAIT_MS, db as dataSource } from './knex-data-source.js';
import type { InstallationKeys } from '../installation-keys.js';
import { loadInstallationKeys } from './installation-secret.js';
import { installRuntime, type RunStarter } from './process-runtime.js';
import { RunSlots } from './run-slots.js';
import { dbosLogger } from './dbos-logger.js';
import { startTracing, type TracingHandle } from '../telemetry/tracing.js';

import { RUN_QUEUE, registerRunQueues, sharedQueueLimits, type RunQueueSpec } from './run-queues.js';

export { RUN_QUEUE } from './run-queues.js';

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

/**
 * A pool on the system database for DBOS (its runtime or its client), configured as DBOS's own
 * would be, plus one thing: DBOS's own pools guard the
 * connections it borrows explicitly, but not those of its one-shot `pool.query` calls (the
 * ownership check of every business transaction is one): a database restart that ends such a
 * connection after its query failed emitted an `error` nobody listened to, and the worker died.
 * Here every connection has a listener for its whole life.
 */
function systemPool(url: string, max: number, applicationName: string, log: Logger): pg.Pool {
  // As DBOS configures its own: a borrower that finds the pool exhausted fails after 10 s (DBOS
  // retries) instead of waiting forever — with a thousand runs executing at once, DBOS can hold
  // every connection while asking for one more.
  const pool = new pg.Pool({ connectionString: url, max, application_name: applicationName, connectionTimeoutMillis: 10_000 });
  pool.on('error', (e) => log.warn({ err: e.message }, 'idle system database connection failed'));
  pool.on('connect', (c) => c.on('error', (e) => log.warn({ err: e.message }, 'system database connection failed')));
  return pool;
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
  /** The queues of workflows that declare limits, registered after launch besides the shared one. */
  queues?: readonly RunQueueSpec[];
  /** Runs after migrations and before DBOS launches (business tables). */
  beforeLaunch?: (ctx: { knex: Knex; databaseUrl: string }) => Promise<void>;
  /** The worker lost its executor identity and has been stopped; see `startWaymark`'s `onFatal`. */
  onExecutorLost: (error: WaymarkError) => void;
  /** Makes the run start that child runs use, from this process's DBOS client and keys (installed before launch). */
  runStarter?: (deps: { dbos: DBOSClient; keys: InstallationKeys }) => RunStarter;
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
  /** The keys derived from the installation secret (tool-call keys, sealed secret inputs). */
  readonly keys: InstallationKeys;
  /** This worker's executor id (undefined without a worker). */
  readonly executorId: string | undefined;
  /** The trace pipeline, when `OTEL_*` asked for one (flush it to export what ended so far). */
  readonly tracing: TracingHandle | undefined;
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
  const processToken = randomUUID();
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
    // Tenant isolation by Postgres: the gateway's transactions run as the role that row-level
    // security applies to, when the login role may switch to it (migration 011 sets it up).
    const role = (await canUseAppRole(pool)) ? APP_ROLE : undefined;
    if (!role) {
      log.warn({ role: APP_ROLE }, 'row-level security is not enforced: the login role cannot SET ROLE waymark_app (see the README, "Database roles")');
    }
    const db = new Database(pool, { statementTimeoutMs: config.statementTimeoutMs, role });
    // The installation secret is the login role's to read, not the gateway role's.
    const keys = await loadInstallationKeys(new Database(pool, { statementTimeoutMs: config.statementTimeoutMs }), config);
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
    const clientPool = systemPool(systemDatabaseUrl, config.dbPoolSize, 'waymark-dbos-client', log);
    cleanups.push(() => clientPool.end());
    const dbos = await DBOSClient.create({
      systemDatabaseUrl, systemDatabasePool: clientPool, systemDatabaseSchemaName: DBOS_SCHEMA, applicationName: config.appName,
    });
    cleanups.push(() => dbos.destroy());
    if (o.worker) {
      // Primitives run only where workflows execute (before launch: recovered runs use them at once).
      // Inside runs, Waymark's statements wait out an outage as long as business transactions do
      // (a request served over HTTP gives up sooner, with 503): a tool call whose ledger write
      // meets a restarting database must not fail its run into a dead letter.
      const runDb = new Database(pool, { statementTimeoutMs: config.statementTimeoutMs, role, connectionRetryMs: OUTAGE_WAIT_MS });
      const uninstall = installRuntime({
        db: runDb, config, keys, clock: o.clock ?? systemClock, log, dbos, queueName: RUN_QUEUE, runTenants: new Map(), processToken,
        slots: new RunSlots(config.concurrency), startRun: o.runStarter?.({ dbos, keys }),
      });
      cleanups.push(async () => uninstall());
    }

    let executorId: string | undefined;
    let tracing: TracingHandle | undefined;
    if (o.worker) {
      const claim = await claimExecutorId(database.url, config.executorId, (reason) => {
        const error = new WaymarkError('executor_lock_lost', `${reason}; this worker stopped so that no run executes twice`);
        log.error({ code: error.code, executorId: claim.id }, error.message);
        o.onExecutorLost(error);
      });
      executorId = claim.id;
      cleanups.push(() => claim.release());
      // After DBOS has stopped and before the executor id is given up (from then on another
      // worker may recover the runs): what still executed here was interrupted, not crashed,
      // and does not count towards a poison run.
      cleanups.push(async () => {
        const n = await db.tx(SYSTEM_SCOPE, (q) => markInterrupted(q, processToken));
        if (n > 0) log.info({ runs: n }, 'runs interrupted by the graceful stop; they continue on the next worker');
      });
      o.registerFunctions?.();
      // Before launch: DBOS keeps the first tracer provider it finds and then only makes spans.
      tracing = await startTracing(config.tracing, log);
      if (tracing) cleanups.push(() => tracing!.stop());
      // Ended after DBOS has shut down (cleanups run in reverse).
      const runtimePool = systemPool(systemDatabaseUrl, config.dbPoolSize, `dbos_transact_${claim.id}_${config.appVersion}`, log);
      cleanups.push(() => runtimePool.end());
      DBOS.setConfig({
        name: config.appName,
        systemDatabaseUrl,
        systemDatabasePool: runtimePool,
        systemDatabaseSchemaName: DBOS_SCHEMA,
        applicationVersion: config.appVersion,
        executorID: claim.id,
        logLevel: dbosLogLevel(config.logLevel),
        logger: dbosLogger(log),
        tracingEnabled: tracing !== undefined,
        runMigrations: false,
      });
      // A failed launch leaks connections unless shut down.
      cleanups.push(() => DBOS.shutdown({ workflowCompletionTimeoutMS: drainMs }));
      await DBOS.launch();
      // Queues exist only once registered after launch; enqueueing to an unknown one hangs forever.
      await registerRunQueues([{ name: RUN_QUEUE, limits: sharedQueueLimits(config.concurrency, config.tenantConcurrency) }, ...(o.queues ?? [])], config.queuePollMs);
    }
    return { databaseUrl: database.url, databaseSource: database.source, pool, db, dbos, keys, executorId, tracing, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function dbosLogLevel(level: WaymarkConfig['logLevel']): string {
  return level === 'fatal' || level === 'silent' ? 'error' : level === 'trace' ? 'debug' : level;
}
