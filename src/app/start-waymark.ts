/**
 * @module app/start-waymark
 * The composition root: starts the infrastructure (`runtime/`), then wires the services, the
 * HTTP API and the housekeeping loop on top of it. The one place that knows every layer.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import type pg from 'pg';
import { registerCompensationWorkflow } from '../agent/compensate-run.js';
import { toolCatalog } from '../agent/define-tool.js';
import { WorkflowRegistry, type WorkflowDefinition, type WorkflowFunction } from '../agent/workflows.js';
import { loadConfig, type WaymarkConfig } from '../config.js';
import { WaymarkError } from '../errors.js';
import { createApp } from '../http/app.js';
import { createLogger, type Logger } from '../logger.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import type { DatabaseHandle } from '../runtime/database.js';
import { RUN_QUEUE, startInfrastructure } from '../runtime/infrastructure.js';
import { startWorkerLease } from '../runtime/worker-lease.js';
import { DEFAULT_TENANT, createScope, type Scope } from '../scope.js';
import type { Database } from '../store/gateway.js';
import { ApprovalService } from '../service/approvals.js';
import { DeadLetterService } from '../service/dead-letters.js';
import { EventService } from '../service/events.js';
import { RunService } from '../service/runs.js';
import { ToolCallService } from '../service/tool-calls.js';
import { VersionService } from '../service/versions.js';
import { WorkerService } from '../service/workers.js';
import { runHousekeeping } from './housekeeping.js';
import { bindScope, type Bound } from './bind-scope.js';

/** Options of {@link startWaymark}. */
export interface WaymarkOptions {
  /** Workflows startable through Waymark (HTTP, CLI, `runs.start`): declared workflow functions. */
  workflows?: readonly (WorkflowFunction<never> | WorkflowDefinition)[];
  /** Execute workflows in this process (launch DBOS). Default true. */
  worker?: boolean;
  /** Serve the HTTP API on `config.host:config.port`. Default false. */
  http?: boolean;
  /** Overrides of the configuration read from `env`. */
  config?: Partial<WaymarkConfig>;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** The clock primitives schedule by; `waymark/testing` has one a test can advance. */
  clock?: Clock;
  /**
   * Runs after migrations and before DBOS launches, with a knex connected to the application
   * database: the place to create or migrate business tables.
   */
  beforeLaunch?: (ctx: { knex: Knex; databaseUrl: string }) => Promise<void>;
  /**
   * Called at once when the worker must stop for good: it lost its executor lock, and another
   * process may now recover its runs, so anything still executing here could act twice. Waymark
   * then stops itself without draining, but cannot abort code already running in this process:
   * a host that can should exit (the CLI exits with code 70). Waymark never exits its host; the
   * default only logs.
   */
  onFatal?: (error: WaymarkError) => void;
}

/** The services, for one caller: every method without its scope argument. */
export interface ScopedWaymark {
  readonly scope: Scope;
  readonly runs: Bound<RunService>;
  readonly toolCalls: Bound<ToolCallService>;
  readonly approvals: Bound<ApprovalService>;
  readonly events: Bound<EventService>;
  readonly workers: Bound<WorkerService>;
  readonly deadLetters: Bound<DeadLetterService>;
  readonly versions: Bound<VersionService>;
}

/** Who calls, from an embedding application. */
export interface CallerInit {
  actor: string;
  /** Default `default` (until identity assigns tenants). */
  tenantId?: string;
  requestId?: string;
}

/** A running Waymark. */
export interface WaymarkServer {
  readonly config: WaymarkConfig;
  readonly databaseUrl: string;
  readonly databaseSource: DatabaseHandle['source'];
  /** This worker's executor id (undefined without a worker). */
  readonly executorId: string | undefined;
  readonly registry: WorkflowRegistry;
  /** Run operations (start, read, list, timeline, cancel, resume, fork); each takes a {@link Scope} first. */
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
  /** The database gateway. */
  readonly db: Database;
  /** Where the HTTP API listens, when `http` was requested. */
  readonly httpUrl: string | undefined;
  /** The scope of a caller of this embedding application. */
  scope(caller: CallerInit): Scope;
  /** The services bound to one caller's scope. */
  as(caller: CallerInit): ScopedWaymark;
  /** Stops HTTP, housekeeping, DBOS (letting in-flight steps finish briefly) and the embedded database. */
  stop(): Promise<void>;
}

/**
 * Starts Waymark in this process.
 *
 * @example
 * ```ts
 * const waymark = await startWaymark({ workflows: [DocumentPipeline.run], http: true });
 * const { run } = await waymark.as({ actor: 'billing-app' }).runs.start({ workflow: 'document-pipeline', input: { documentId: 'd1' } });
 * await waymark.stop();
 * ```
 */
export async function startWaymark(options: WaymarkOptions = {}): Promise<WaymarkServer> {
  const config = loadConfig(options.env ?? process.env, options.config);
  const log = options.logger ?? createLogger(config.logLevel);
  const worker = options.worker ?? true;
  const registry = new WorkflowRegistry(options.workflows ?? []);
  let stopped: Promise<void> | undefined;
  let stopAll = async (_drain: boolean): Promise<void> => {};
  const stop = (drain = true): Promise<void> => (stopped ??= stopAll(drain));
  const infra = await startInfrastructure({
    config, log, worker, clock: options.clock, beforeLaunch: options.beforeLaunch, registerFunctions: registerCompensationWorkflow,
    onExecutorLost: (error) => {
      // Tell the host first: it may exit, which stops in-flight code sooner than anything here.
      options.onFatal?.(error);
      void stop(false);
    },
  });
  const cleanups: (() => Promise<void>)[] = [];
  stopAll = async (drain) => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await infra.stop({ drain });
  };
  try {
    const { db, dbos } = infra;
    const runs = new RunService({ db, dbos, registry, queueName: RUN_QUEUE, appVersion: config.appVersion });
    const toolCalls = new ToolCallService({ db, dbos, tools: toolCatalog });
    const approvals = new ApprovalService({ db, dbos, clock: options.clock ?? systemClock });
    const workers = new WorkerService({ db });
    const deadLetters = new DeadLetterService({ db, runs });
    const versions = new VersionService({ db, appName: config.appName });
    const events = new EventService({ db, dbos, secrets: config.webhookSecrets, toleranceSeconds: config.webhookToleranceSeconds });

    if (infra.executorId) {
      const lease = await startWorkerLease({
        db, executorId: infra.executorId, appName: config.appName, appVersion: config.appVersion, ttlMs: config.leaseTtlMs, log,
        onTick: () => runHousekeeping({ db, dbos, queueName: RUN_QUEUE, appVersion: config.appVersion }),
      });
      cleanups.push(() => lease.release());
    }

    let httpUrl: string | undefined;
    if (options.http) {
      const app = createApp({ runs, toolCalls, approvals, events, workers, deadLetters, versions, registry, db, bodyLimit: config.bodyLimit, logger: log });
      const server = await listen(app, config.port, config.host);
      cleanups.push(() => closeServer(server));
      const { port } = server.address() as AddressInfo;
      httpUrl = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    }

    const scope = (c: CallerInit): Scope => createScope({ tenantId: c.tenantId ?? DEFAULT_TENANT, actor: c.actor, requestId: c.requestId }, log);
    return {
      config,
      databaseUrl: infra.databaseUrl,
      databaseSource: infra.databaseSource,
      executorId: infra.executorId,
      registry,
      runs,
      toolCalls,
      approvals,
      events,
      workers,
      deadLetters,
      versions,
      pool: infra.pool,
      db,
      httpUrl,
      scope,
      as(c) {
        const s = scope(c);
        return {
          scope: s,
          runs: bindScope(runs, s),
          toolCalls: bindScope(toolCalls, s),
          approvals: bindScope(approvals, s),
          events: bindScope(events, s),
          workers: bindScope(workers, s),
          deadLetters: bindScope(deadLetters, s),
          versions: bindScope(versions, s),
        };
      },
      stop: () => stop(),
    };
  } catch (e) {
    await stop();
    throw e;
  }
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
