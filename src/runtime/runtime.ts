/**
 * @module runtime
 * Starts and stops everything with one call each: the database (embedded unless
 * `DATABASE_URL` is set), migrations, the executor identity, DBOS with Waymark's knex data
 * source and queue, the run service and, optionally, the HTTP API.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DBOS, DBOSClient } from '@dbos-inc/dbos-sdk';
import type { Knex } from 'knex';
import pg from 'pg';
import { loadConfig, type WaymarkConfig } from '../config.js';
import { WaymarkError, ensureError } from '../errors.js';
import { createApp } from '../http/app.js';
import { createLogger, type Logger } from '../logger.js';
import { RunService } from '../service/runs.js';
import { ToolCallService } from '../service/tool-calls.js';
import { ApprovalService } from '../service/approvals.js';
import { EventService } from '../service/events.js';
import { WorkerService } from '../service/workers.js';
import { DeadLetterService } from '../service/dead-letters.js';
import { VersionService } from '../service/versions.js';
import { WorkflowRegistry, type WorkflowDefinition } from '../workflows.js';
import { openDatabase, type DatabaseHandle } from './database.js';
import { claimExecutorId, type ExecutorClaim } from './executor-identity.js';
import { db } from './knex-data-source.js';
import { DBOS_SCHEMA, migrate } from './migrate.js';
import { setRuntimeContext } from './runtime-context.js';
import { startWorkerLease } from './worker-lease.js';
import { handleTimeouts } from './timeout-watch.js';
import { runsAwaitingCompensation } from '../store/compensation.js';
import { startCompensation } from '../tools/compensate-run.js';

/** The DBOS queue every Waymark run is enqueued on. */
export const RUN_QUEUE = 'waymark_runs';

/** Options of {@link startWaymark}. */
export interface WaymarkOptions {
  /** Workflows startable through Waymark (HTTP, CLI, `runs.start`). */
  workflows?: readonly WorkflowDefinition[];
  /** Execute workflows in this process (launch DBOS). Default true. */
  worker?: boolean;
  /** Serve the HTTP API on `config.host:config.port`. Default false. */
  http?: boolean;
  /** Overrides of the configuration read from `env`. */
  config?: Partial<WaymarkConfig>;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /**
   * Runs after migrations and before DBOS launches, with a knex connected to the application
   * database: the place to create or migrate business tables.
   */
  beforeLaunch?: (ctx: { knex: Knex; databaseUrl: string }) => Promise<void>;
}

/** A running Waymark. */
export interface Waymark {
  readonly config: WaymarkConfig;
  readonly databaseUrl: string;
  readonly databaseSource: DatabaseHandle['source'];
  /** This worker's executor id (undefined without a worker). */
  readonly executorId: string | undefined;
  readonly registry: WorkflowRegistry;
  readonly runs: RunService;
  /** Tool-call ledger operations (list, resolve in-doubt calls). */
  readonly toolCalls: ToolCallService;
  /** The approval inbox and decisions. */
  readonly approvals: ApprovalService;
  /** Webhook ingestion (also served at POST /v1/events/{source}). */
  readonly events: EventService;
  /** Worker leases and the runs each worker holds. */
  readonly workers: WorkerService;
  /** Runs that failed for good: list, retry from the failing step, discard. */
  readonly deadLetters: DeadLetterService;
  /** Application versions still holding runs, and their workers. */
  readonly versions: VersionService;
  /** A pool on the application database, for the application's own reads. */
  readonly pool: pg.Pool;
  /** Where the HTTP API listens, when `http` was requested. */
  readonly httpUrl: string | undefined;
  /** Stops HTTP, DBOS (letting in-flight steps finish briefly) and the embedded database. */
  stop(): Promise<void>;
}

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
 * Starts Waymark in this process.
 *
 * @example
 * ```ts
 * const waymark = await startWaymark({ workflows: [documentPipeline], http: true });
 * const { run } = await waymark.runs.start({ workflow: 'document-pipeline', input: { documentId: 'd1' } }, { actor: 'app' });
 * await waymark.stop();
 * ```
 */
export async function startWaymark(options: WaymarkOptions = {}): Promise<Waymark> {
  const config = loadConfig(options.env ?? process.env, options.config);
  const log = options.logger ?? createLogger(config.logLevel);
  const worker = options.worker ?? true;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
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

    const registry = new WorkflowRegistry(options.workflows ?? []);
    // Before launch: recovered workflows may call primitives that use it at once.
    const pool = new pg.Pool({ connectionString: database.url, max: config.dbPoolSize });
    pool.on('error', (e) => log.warn({ err: e.message }, 'idle database connection failed'));
    // A connection that dies while checked out (a database restart) fails its query; without a
    // listener its 'error' event would also take the whole process down.
    pool.on('connect', (c) => c.on('error', (e) => log.warn({ err: e.message }, 'database connection failed')));
    cleanups.push(() => pool.end());
    setRuntimeContext({ pool, config });
    cleanups.push(async () => setRuntimeContext(undefined));
    db.configure({ client: 'pg', connection: database.url, pool: { min: 0, max: config.dbPoolSize } });
    cleanups.push(() => db.destroy());
    if (options.beforeLaunch) await options.beforeLaunch({ knex: db.knex, databaseUrl: database.url });

    const systemDatabaseUrl = withIdleTransactionTimeout(database.url);
    const dbosClient = await DBOSClient.create({ systemDatabaseUrl, systemDatabaseSchemaName: DBOS_SCHEMA, applicationName: config.appName });
    cleanups.push(() => dbosClient.destroy());

    let claim: ExecutorClaim | undefined;
    if (worker) {
      claim = await claimExecutorId(database.url, config.executorId);
      cleanups.push(() => claim!.release());
      const lease = await startWorkerLease({
        pool, executorId: claim.id, appName: config.appName, appVersion: config.appVersion, ttlMs: config.leaseTtlMs, log,
        // Runs that failed for good or were cancelled with calls to undo get their compensation.
        onTick: async () => {
          await handleTimeouts(pool, dbosClient);
          for (const runId of await runsAwaitingCompensation(pool)) {
            await startCompensation(pool, dbosClient, RUN_QUEUE, config.appVersion, runId, 'the run stopped');
          }
        },
      });
      cleanups.push(() => lease.release());
      DBOS.setConfig({
        name: config.appName,
        systemDatabaseUrl,
        systemDatabaseSchemaName: DBOS_SCHEMA,
        applicationVersion: config.appVersion,
        executorID: claim.id,
        logLevel: dbosLogLevel(config.logLevel),
        runMigrations: false,
      });
      // A failed launch leaks connections unless shut down.
      cleanups.push(() => DBOS.shutdown({ workflowCompletionTimeoutMS: 5_000 }));
      await DBOS.launch();
      // Queues exist only once registered after launch; enqueueing to an unknown one hangs forever.
      await DBOS.registerQueue(RUN_QUEUE, { workerConcurrency: config.concurrency, minPollingIntervalMs: 100 });
    }

    const runs = new RunService({ pool, dbos: dbosClient, registry, queueName: RUN_QUEUE, appVersion: config.appVersion });
    const toolCalls = new ToolCallService({ pool, dbos: dbosClient });
    const approvals = new ApprovalService({ pool, dbos: dbosClient });
    const workers = new WorkerService(pool);
    const deadLetters = new DeadLetterService({ pool, runs });
    const versions = new VersionService(pool, config.appName);
    const events = new EventService({ pool, dbos: dbosClient, secrets: config.webhookSecrets, toleranceSeconds: config.webhookToleranceSeconds });

    let httpUrl: string | undefined;
    if (options.http) {
      const app = createApp({ runs, toolCalls, approvals, events, workers, deadLetters, versions, registry, pool, bodyLimit: config.bodyLimit, logger: log });
      const server = await listen(app, config.port, config.host);
      cleanups.push(() => closeServer(server));
      const { port } = server.address() as AddressInfo;
      httpUrl = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    }

    let stopped: Promise<void> | undefined;
    return {
      config,
      databaseUrl: database.url,
      databaseSource: database.source,
      executorId: claim?.id,
      registry,
      runs,
      toolCalls,
      approvals,
      events,
      workers,
      deadLetters,
      versions,
      pool,
      httpUrl,
      stop: () => (stopped ??= cleanup()),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

function dbosLogLevel(level: WaymarkConfig['logLevel']): string {
  return level === 'fatal' || level === 'silent' ? 'error' : level === 'trace' ? 'debug' : level;
}

function listen(app: import('express').Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new WaymarkError('http_port_in_use', `Port ${port} on ${host} is already in use; set PORT to a free port`, { cause: e })
          : e,
      );
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
