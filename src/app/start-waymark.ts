/**
 * @module app/start-waymark
 * The composition root: starts the infrastructure (`runtime/`), then wires the services, the
 * HTTP API and the housekeeping loop on top of it. The one place that knows every layer.
 */
import type { Knex } from 'knex';
import type pg from 'pg';
import { registerCompensationWorkflow } from '../agent/compensate-run.js';
import { toolCatalog } from '../agent/define-tool.js';
import { WorkflowRegistry, type WorkflowDefinition, type WorkflowFunction } from '../agent/workflows.js';
import { isPartitioned, workflowQueueLimits } from '../agent/workflow-queues.js';
import type { TriggerDefinition } from '../agent/triggers.js';
import { loadConfig, type WaymarkConfig } from '../config.js';
import { WaymarkError } from '../errors.js';
import { createApp } from '../http/app.js';
import { allowedHostsFor, assertSafeListen, serveHttp } from '../http/serve.js';
import { createLogger, type Logger } from '../logger.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import type { DatabaseHandle } from '../runtime/database.js';
import { RUN_QUEUE, startInfrastructure } from '../runtime/infrastructure.js';
import { startWorkerLease } from '../runtime/worker-lease.js';
import { currentRuntime } from '../runtime/process-runtime.js';
import { InstantDispatch } from '../service/run-dispatch.js';
import { DEFAULT_TENANT, createScope, type Scope } from '../scope.js';
import type { Database } from '../store/gateway.js';
import { ApiKeyService } from '../service/api-keys.js';
import { ConsoleSessionService } from '../service/console-sessions.js';
import { ApprovalService } from '../service/approvals.js';
import { BreakerService } from '../service/breakers.js';
import { CostService } from '../service/costs.js';
import { RunStreamService } from '../service/run-stream.js';
import { RunStreamListener } from '../store/run-stream-listener.js';
import { DeadLetterService } from '../service/dead-letters.js';
import { EventService } from '../service/events.js';
import { RunService } from '../service/runs.js';
import { insertPreparedRun, prepareRun } from '../service/run-start.js';
import { ScheduleService, type DeclaredScheduleSpec, type ScheduleDeps } from '../service/schedules.js';
import { ToolCallService } from '../service/tool-calls.js';
import { VersionService } from '../service/versions.js';
import { WorkerService } from '../service/workers.js';
import { runHousekeeping, startParkedSweep } from './housekeeping.js';
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
  /** The clock primitives and schedules go by; `waymark/testing` has one a test can advance. */
  clock?: Clock;
  /**
   * Cron schedules declared in code besides those declared with their workflows
   * (`@Waymark.workflow({ schedule })`): written to the database at start, in tenant
   * `tenantId` (default `default`).
   */
  schedules?: readonly DeclaredScheduleSpec[];
  /**
   * Event triggers (`Waymark.trigger`): an event of their webhook source and type starts a run of
   * their workflow, once per event id.
   */
  triggers?: readonly TriggerDefinition[];
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
  readonly keys: Bound<ApiKeyService>;
  readonly costs: Bound<CostService>;
  readonly streams: Bound<RunStreamService>;
  readonly schedules: Bound<ScheduleService>;
  readonly breakers: Bound<BreakerService>;
}

/**
 * Who calls, from an embedding application. The application vouches for its callers: it runs
 * with the database's credentials, so by default a caller holds every permission (`admin`);
 * pass the roles of the person it acts for to have Waymark apply them (approvals check that
 * the caller is an assignee unless it is an admin).
 */
export interface CallerInit {
  actor: string;
  /** Default `default`. */
  tenantId?: string;
  /** Default `['admin']`. */
  roles?: readonly string[];
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
  /** API keys (the principals of the HTTP API) and the tenant audit log. */
  readonly keys: ApiKeyService;
  /** The model-call cost ledger: a run's cost, totals by workflow, tenant or day. */
  readonly costs: CostService;
  /** Runs' live streams: model-call parts, phase changes and the end, from an event id on. */
  readonly streams: RunStreamService;
  /** Cron schedules per tenant: create, list, pause, resume, delete. */
  readonly schedules: ScheduleService;
  /** Circuit breakers of tools: list, reset, force open (deployment-wide). */
  readonly breakers: BreakerService;
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
  if (options.http) assertSafeListen(config);
  const registry = new WorkflowRegistry(options.workflows ?? []);
  let stopped: Promise<void> | undefined;
  let stopAll = async (_drain: boolean): Promise<void> => {};
  checkTriggers(registry, options.triggers ?? []);
  const stop = (drain = true): Promise<void> => (stopped ??= stopAll(drain));
  // Every worker registers the queue of each workflow with limits (a queue nobody registered never runs).
  const queues = registry.list().flatMap((d) => (d.queue ? [{ name: d.queueName, limits: workflowQueueLimits(d.queue, config) }] : []));
  const infra = await startInfrastructure({
    config, log, worker, clock: options.clock, beforeLaunch: options.beforeLaunch, registerFunctions: registerCompensationWorkflow, queues,
    // Child runs start as any run does (the same checks, secrets and enqueue), in their parent's step.
    runStarter: ({ dbos, keys }) => {
      const deps = { dbos, registry, queueName: RUN_QUEUE, appVersion: config.appVersion, keys };
      return (q, scope, run) => insertPreparedRun(deps, q, scope, prepareRun(deps, run), run.origin);
    },
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
    // One LISTEN connection, opened when the first reader follows a stream or waits for a result.
    const listener = new RunStreamListener(infra.pool.options, log);
    cleanups.push(() => listener.stop());
    const slots = worker ? currentRuntime().slots : undefined;
    const dispatch = infra.executorId && slots && config.instantDispatch
      ? new InstantDispatch({ dbos, executorId: infra.executorId, queueName: RUN_QUEUE, slots, appVersion: config.appVersion, log, runTenants: currentRuntime().runTenants })
      : undefined;
    const runs = new RunService({
      db, dbos, registry, queueName: RUN_QUEUE, appVersion: config.appVersion, keys: infra.keys, listener, dispatch, resultRecheckMs: config.resultRecheckMs,
      limits: { runsPerMinute: config.tenantRunsPerMinute, runsInFlight: config.tenantRunsInFlight },
    });
    const toolCalls = new ToolCallService({ db, dbos, tools: toolCatalog, queueName: RUN_QUEUE });
    const approvals = new ApprovalService({ db, dbos, clock: options.clock ?? systemClock, queueName: RUN_QUEUE });
    const workers = new WorkerService({ db });
    const deadLetters = new DeadLetterService({ db, runs });
    const versions = new VersionService({ db, appName: config.appName });
    const keys = new ApiKeyService({ db });
    const sessions = new ConsoleSessionService({ db, keys, ttlMs: config.consoleSessionTtlMs });
    const costs = new CostService({ db });
    const streams = new RunStreamService({ db, listener });
    const clock = options.clock ?? systemClock;
    const scheduleDeps: ScheduleDeps = { db, dbos, registry, queueName: RUN_QUEUE, appVersion: config.appVersion, keys: infra.keys, clock, log };
    const schedules = new ScheduleService(scheduleDeps);
    const breakers = new BreakerService({ db, dbos, queueName: RUN_QUEUE, clock, tools: toolCatalog });
    const declared = [...registry.list().flatMap((d) => d.schedules.map((sc) => ({ ...sc, workflow: d.name }))), ...(options.schedules ?? [])];
    const { clashes, undeclared } = await schedules.declare(declared);
    if (clashes.length > 0) log.warn({ schedules: clashes }, 'schedules declared in code were not written: schedules made over the API have their names');
    if (undeclared.length > 0) log.info({ schedules: undeclared }, 'schedules no longer declared in code were deleted (their runs stay)');
    const triggers = options.triggers ?? [];
    for (const t of triggers) {
      if (!(t.source in config.webhookSecrets) && !Object.keys(config.webhookSecrets).some((k) => k.startsWith(`${t.source}@`))) {
        log.warn({ trigger: t.name, source: t.source }, 'event trigger for a webhook source that is not configured (WAYMARK_WEBHOOK_SECRETS): it never fires');
      }
    }
    const events = new EventService({ db, dbos, queueName: RUN_QUEUE, secrets: config.webhookSecrets, toleranceSeconds: config.webhookToleranceSeconds, triggers, runStart: scheduleDeps });

    if (infra.executorId) {
      const lease = await startWorkerLease({
        db, executorId: infra.executorId, appName: config.appName, appVersion: config.appVersion, ttlMs: config.leaseTtlMs, log,
        onTick: () => runHousekeeping({
          db, dbos, queueName: RUN_QUEUE, appVersion: config.appVersion, alerts: { db, config, log }, streamRetentionMs: config.streamRetentionMs, schedules: scheduleDeps,
          dispatchSweep: { deps: { db, dbos, registry, log }, staleMs: config.leaseTtlMs }, children: { runs, log },
        }),
      });
      cleanups.push(() => lease.release());
      cleanups.push(startParkedSweep({ db, dbos, queueName: RUN_QUEUE, staleMs: config.leaseTtlMs }, options.clock ?? systemClock, config.parkedSweepMs, log));
    }

    let httpUrl: string | undefined;
    if (options.http) {
      const app = createApp({
        runs, toolCalls, approvals, events, workers, deadLetters, versions, keys, sessions, costs, streams, schedules, breakers, registry, db, bodyLimit: config.bodyLimit, logger: log,
        allowedHosts: allowedHostsFor(config), corsOrigins: config.corsOrigins, rateLimitPerMinute: config.rateLimitPerMinute, trustProxy: config.behindProxy,
      });
      const served = await serveHttp(app, config);
      cleanups.push(() => served.close());
      httpUrl = served.url;
    }

    const scope = (c: CallerInit): Scope =>
      createScope({ tenantId: c.tenantId ?? DEFAULT_TENANT, actor: c.actor, roles: c.roles ?? ['admin'], requestId: c.requestId }, log);
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
      keys,
      costs,
      streams,
      schedules,
      breakers,
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
          keys: bindScope(keys, s),
          costs: bindScope(costs, s),
          streams: bindScope(streams, s),
          schedules: bindScope(schedules, s),
          breakers: bindScope(breakers, s),
        };
      },
      stop: () => stop(),
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Each trigger's workflow is registered, and a partitioned one gets a partition key from the
 * trigger: refused before anything starts rather than at every event.
 */
function checkTriggers(registry: WorkflowRegistry, triggers: readonly TriggerDefinition[]): void {
  for (const [i, t] of triggers.entries()) {
    // Two triggers one event matches, of one workflow, would start one run (its id is made of the
    // source, the event and the workflow): the second would silently start nothing.
    const clash = triggers.slice(0, i).find((u) => u.source === t.source && u.workflow === t.workflow && (u.type === t.type || u.type === '*' || t.type === '*'));
    if (clash) {
      throw new WaymarkError('invalid_trigger', `Triggers '${clash.name}' and '${t.name}' both start workflow '${t.workflow}' for one event of source '${t.source}': one run per event and workflow starts, so declare one trigger`);
    }
    const def = registry.get(t.workflow);
    if (isPartitioned(def.queue) !== (t.partitionKey !== undefined)) {
      throw new WaymarkError('invalid_trigger', isPartitioned(def.queue)
        ? `Trigger '${t.name}': workflow '${def.name}' is partitioned, so the trigger needs a partitionKey mapping`
        : `Trigger '${t.name}': workflow '${def.name}' is not partitioned, so the trigger cannot give a partitionKey`);
    }
  }
}
