/**
 * @module cli
 * The `waymark` command line: `start` (HTTP API + worker), `worker`, `migrate`, and operator
 * commands. An operator command calls the services directly on the database (DATABASE_URL,
 * acting as an admin of `--tenant`), or, with `--url` (WAYMARK_URL), a running server over HTTP
 * through the typed client, as the API key in WAYMARK_API_KEY.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { formatCrashTestReport } from './app/crash-test/format.js';
import { crashTest } from './app/crash-test/harness.js';
import { ensureLocalAdminKey, isLoopback } from './app/local-admin-key.js';
import { startWaymark, type ScopedWaymark, type WaymarkServer } from './app/start-waymark.js';
import { loadWorkflowsModule, type WorkflowModule } from './app/workflows-module.js';
import { WaymarkApiError, WaymarkClient, type OperationArgs, type Run } from './client.js';
import { loadConfig } from './config.js';
import { RunEndedError, WaymarkError, ensureError } from './errors.js';
import { createLogger } from './logger.js';
import { WorkflowStatus } from './phases.js';
import { toMs, type Duration } from './durations.js';
import { openDatabase } from './runtime/database.js';
import { findRunningEmbeddedPostgres } from './runtime/embedded-postgres.js';
import { migrate } from './store/migrate.js';

/** Exit code of a worker that stopped because it lost its executor identity. */
const EXIT_EXECUTOR_LOST = 70;

/**
 * Loads the application's workflows from `--workflows <module>` or WAYMARK_WORKFLOWS; without
 * either, Waymark runs with no workflows of its own.
 */
function loadWorkflows(modulePath: string | undefined): Promise<WorkflowModule> {
  return loadWorkflowsModule(modulePath ?? process.env.WAYMARK_WORKFLOWS);
}

/**
 * Stops gracefully on SIGINT/SIGTERM — and, when an npm script started this process, once that
 * script's shell is gone: a SIGTERM sent to the `npm start` process alone ends npm and its
 * shell but not us, which would leave an orphan serving the API and holding the database.
 */
function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const shutDown = (why: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why}: shutting down (DBOS, then the database)...`);
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`shutdown failed: ${ensureError(e).message}`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => shutDown(`${signal} received`));
  if (process.env.npm_lifecycle_event) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) shutDown('the npm script that started Waymark has exited');
    }, 500).unref();
  }
}

/**
 * A process sharing another's embedded Postgres cannot outlive it: once the server is gone it
 * exits at once (its runs are durable and resume on the next start) instead of logging
 * connection errors until its executor lease is lost.
 */
function stopWithServer(serverPid: number, ownerPid: number): void {
  setInterval(() => {
    try {
      process.kill(serverPid, 0);
    } catch {
      console.error(`The embedded Postgres run by Waymark process ${ownerPid} has stopped; stopping this process too.`);
      process.exit(1);
    }
  }, 250).unref();
}

async function runServer(opts: { workflows?: string }, http: boolean): Promise<void> {
  const mod = await loadWorkflows(opts.workflows);
  const waymark = await startWaymark({
    workflows: mod.workflows, beforeLaunch: mod.beforeLaunch, schedules: mod.schedules, triggers: mod.triggers, http,
    // The library has already stopped the worker; the command line turns that into an exit code.
    onFatal: (e) => {
      console.error(`error [${e.code}]: ${e.message}`);
      process.exit(EXIT_EXECUTOR_LOST);
    },
  });
  onSignals(() => waymark.stop());
  const shared = waymark.databaseSource === 'embedded-shared' ? findRunningEmbeddedPostgres(path.join(waymark.config.dataDir, 'postgres')) : undefined;
  const where = waymark.databaseSource === 'url'
    ? 'DATABASE_URL'
    : shared
      ? `embedded Postgres (${waymark.config.dataDir}, port ${shared.port}), run by Waymark process ${shared.ownerPid}: this one stops when it does`
      : `embedded Postgres (${waymark.config.dataDir})`;
  if (shared) stopWithServer(shared.serverPid, shared.ownerPid);
  // On loopback the local admin key makes the two-command start work; elsewhere keys are made
  // on purpose (`waymark keys create`).
  const adminKey = waymark.httpUrl && isLoopback(waymark.config.host)
    ? await ensureLocalAdminKey(waymark.keys, waymark.config.dataDir, createLogger('warn'))
    : undefined;
  console.log(`Waymark ${http ? 'server and worker' : 'worker'} started`);
  if (waymark.httpUrl) console.log(`  HTTP API:    ${waymark.httpUrl}`);
  if (waymark.httpUrl) console.log(`  console:     ${waymark.httpUrl}/  (sign in with an API key${adminKey ? ': the admin key below' : ''})`);
  if (adminKey) {
    console.log(`  admin key:   authorization: Bearer ${adminKey}`);
    console.log(`               (kept in ${path.join(waymark.config.dataDir, 'admin-key')}; try: curl -H 'authorization: Bearer ${adminKey}' ${waymark.httpUrl}/v1/workflows)`);
  } else if (waymark.httpUrl) {
    console.log('  API keys:    create one with `waymark keys create --name <who> --roles admin`');
  }
  console.log(`  database:    ${where}`);
  console.log(`  executor:    ${waymark.executorId ?? '-'}   version: ${waymark.config.appVersion}`);
  console.log(`  workflows:   ${waymark.registry.list().map((w) => w.name).join(', ') || '(none: pass --workflows <module>)'}`);
  console.log('Press Ctrl-C to stop.');
}

/** Runs an operator command against a non-worker Waymark, as `actor`, and stops it afterwards. */
async function withWaymarkClient<T>(
  fn: (w: ScopedWaymark, server: WaymarkServer) => Promise<T>,
  caller: { actor: string; tenantId: string },
  workflowsPath?: string,
): Promise<T> {
  const mod = await loadWorkflows(workflowsPath);
  const waymark = await startWaymark({ workflows: mod.workflows, schedules: mod.schedules, triggers: mod.triggers, worker: false, logger: createLogger('warn', process.stderr) });
  try {
    // The command line runs with the database's credentials: it acts as an admin of the tenant.
    return await fn(waymark.as({ actor: caller.actor, tenantId: caller.tenantId, roles: ['admin'] }), waymark);
  } finally {
    await waymark.stop();
  }
}

/** DBOS statuses of a run that has ended. */
const ENDED = new Set<string>([WorkflowStatus.Success, WorkflowStatus.Error, WorkflowStatus.Cancelled, WorkflowStatus.MaxRecoveryAttemptsExceeded]);

/** The longest the service waits for a run to end, locally or over HTTP. */
const MAX_WAIT_MS = 600_000;

/**
 * A run over HTTP once it has ended, or as it is after `timeoutMs` (at most 10 minutes, as
 * locally); the client makes a long wait of several long polls.
 */
const resultOver = (c: WaymarkClient, id: string, timeoutMs: number): Promise<Run> => c.runs.result(id, { wait: Math.min(timeoutMs, MAX_WAIT_MS) });

/**
 * What `runs start --wait` answers over HTTP, as the service does locally: the run and its
 * output once it succeeded; `run_failed` when it ended otherwise, `run_wait_timeout` when it had
 * not ended.
 */
function waitedOver(run: Run, timeoutMs: number): { run: Run; output: unknown } {
  if (!ENDED.has(run.status)) {
    throw new WaymarkError('run_wait_timeout', `Run ${run.id} has not ended within ${timeoutMs} ms (it is ${run.status}, phase ${run.phase}); read its result later`, { details: { runId: run.id } });
  }
  if (run.status !== WorkflowStatus.Success) throw new RunEndedError(run);
  return { run, output: run.output };
}

const printJson = (v: unknown): void => console.log(JSON.stringify(v, null, 2));

function printRuns(runs: readonly { id: string; workflow: string; status: string; phase: string; createdAt: string }[]): void {
  if (runs.length === 0) {
    console.log('(no runs)');
    return;
  }
  const rows = runs.map((r) => [r.id, r.workflow, r.status, r.phase, r.createdAt]);
  const head = ['ID', 'WORKFLOW', 'STATUS', 'PHASE', 'CREATED'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
}

function intArg(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

/**
 * Builds the command line program (exported for tests).
 *
 * @example
 * ```ts
 * await buildProgram().parseAsync(['node', 'waymark', 'runs', 'list']);
 * ```
 */
export function buildProgram(): Command {
  const program = new Command('waymark').description('Durable execution for long-running AI-agent workflows, in your Postgres.');
  // Usage errors reach main() as CommanderErrors and print as one line with a code, like
  // every other error; subcommands created below inherit both settings.
  program.exitOverride().configureOutput({ outputError: () => {} });
  // Global, so it is accepted before or after any subcommand: runs start and resolve need the
  // application's workflows and tools as much as start and worker do.
  program.option('--workflows <module>', "module exporting 'workflows' (and optionally 'beforeLaunch', 'schedules', 'triggers'); default: WAYMARK_WORKFLOWS");
  program.option('--tenant <id>', 'the tenant operator commands act in', 'default');
  const workflowsModule = (): string | undefined => program.opts<{ workflows?: string }>().workflows;
  const tenant = (): string => program.opts<{ tenant: string }>().tenant;
  program.option('--url <url>', 'call this Waymark server over HTTP as the key in WAYMARK_API_KEY (default: WAYMARK_URL; without either, the database directly)');
  const serverUrl = (): string | undefined => program.opts<{ url?: string }>().url ?? (process.env.WAYMARK_URL || undefined);
  /**
   * Runs an operator command: `remote` through the HTTP client when a server is named, else
   * `local` on the services. Both print the same shapes.
   */
  // Option values such as --status go to the server as typed; it answers a bad one with invalid_query.
  const operate = async <T>(local: (w: ScopedWaymark) => Promise<T>, remote: (c: WaymarkClient) => Promise<T>, actor = 'cli'): Promise<T> => {
    const url = serverUrl();
    if (url === undefined) return withWaymarkClient(local, { actor, tenantId: tenant() }, workflowsModule());
    const apiKey = process.env.WAYMARK_API_KEY;
    if (!apiKey) throw new WaymarkError('invalid_arguments', '--url (WAYMARK_URL) needs an API key in WAYMARK_API_KEY', { status: 400 });
    if (program.getOptionValueSource('tenant') === 'cli') {
      throw new WaymarkError('invalid_arguments', "--tenant applies to the database; over HTTP the API key's tenant is used", { status: 400 });
    }
    return remote(new WaymarkClient({ baseUrl: url, apiKey }));
  };

  program.command('start').description('serve the HTTP API and run a worker').action(() => runServer({ workflows: workflowsModule() }, true));
  program.command('worker').description('run a worker only (no HTTP)').action(() => runServer({ workflows: workflowsModule() }, false));
  program
    .command('migrate')
    .description("apply DBOS's and Waymark's schema migrations")
    .action(async () => {
      const database = await openDatabase(loadConfig());
      try {
        const { applied, current } = await migrate(database.url);
        console.log(applied.length ? `applied migrations ${applied.join(', ')}; schema at version ${current}` : `schema up to date at version ${current}`);
      } finally {
        await database.close();
      }
    });

  const runs = program.command('runs').description('inspect and operate runs');
  runs
    .command('list')
    .description('list runs, newest first')
    .option('--status <status>', 'DBOS status (ENQUEUED, PENDING, SUCCESS, ERROR, CANCELLED, ...)')
    .option('--phase <phase>', 'business phase')
    .option('--state <state>', "business state of the workflow's own (confirmed)")
    .option('--workflow <name>', 'workflow name')
    .option('--key <businessKey>', 'only runs started with this business key (which runs touched lead:123)')
    .option('--parent <runId>', 'only the child runs of this run')
    .option('--limit <n>', 'page size (1-200)', intArg(1), 20)
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .option('--json', 'print JSON')
    .action(async (o: { status?: string; phase?: string; state?: string; workflow?: string; key?: string; parent?: string; limit: number; cursor?: string; json?: boolean }) => {
      const query = { status: o.status, phase: o.phase, state: o.state, workflow: o.workflow, limit: o.limit, cursor: o.cursor };
      const page = await operate(
        (w) => w.runs.list({ ...query, businessKey: o.key, parentRunId: o.parent }),
        (c) => c.runs.list({ ...query, key: o.key, parent: o.parent } as OperationArgs<'listRuns'>['query']),
      );
      if (o.json) printJson(page);
      else {
        printRuns(page.runs);
        if (page.nextCursor) console.log(`next page: --cursor ${page.nextCursor}`);
      }
    });
  runs
    .command('show <id>')
    .description('show a run and its timeline')
    .action(async (id: string) => {
      printJson(await operate(
        async (w) => ({ run: await w.runs.get(id), timeline: await w.runs.timeline(id) }),
        async (c) => ({ run: await c.runs.get(id), timeline: (await c.runs.timeline(id)).entries }),
      ));
    });
  runs
    .command('start <workflow>')
    .description('start a run')
    .option('--input <json>', 'input as JSON', '{}')
    .option('--idempotency-key <key>', 'return the earlier run for a repeated key')
    .option('--id <id>', "the run's id (default a random UUID; unique across the installation)")
    .option('--business-key <key>', 'what the run is about (lead:123), for `runs list --key`')
    .option('--wait [duration]', 'wait for the run to end and print its output (default 30s)')
    .option('--priority <n>', 'order among queued runs: 0 runs first, 1000 last (default 500)', intArg(0))
    .option('--partition-key <key>', 'the partition of a workflow declared partitioned (customer:42)')
    .option('--deduplication-id <id>', 'refuse the start while a run of the workflow with this id has not ended')
    .option('--debounce <key>', 'fold starts with this key into one delayed run (with --debounce-delay)')
    .option('--debounce-delay <duration>', 'how long after the last start with --debounce the run executes (e.g. 30s)', '10s')
    .action(async (workflow: string, o: {
      input: string; idempotencyKey?: string; id?: string; businessKey?: string; wait?: string | boolean;
      priority?: number; partitionKey?: string; deduplicationId?: string; debounce?: string; debounceDelay: string;
    }) => {
      const input = parseJsonOption('--input', o.input);
      const timeoutMs = typeof o.wait === 'string' ? durationOption('--wait', o.wait) : undefined;
      const wait = o.wait === undefined ? undefined : { timeoutMs };
      const queue = {
        priority: o.priority, partitionKey: o.partitionKey, deduplicationId: o.deduplicationId,
        debounce: o.debounce === undefined ? undefined : { key: o.debounce, delayMs: durationOption('--debounce-delay', o.debounceDelay) },
      };
      printJson(await operate(
        (w) => w.runs.start({ workflow, input, idempotencyKey: o.idempotencyKey, id: o.id, businessKey: o.businessKey, wait, ...queue }),
        async (c) => {
          const run = await c.runs.start({ workflow, input, id: o.id, businessKey: o.businessKey, ...queue }, { idempotencyKey: o.idempotencyKey });
          if (!wait) return { run };
          return waitedOver(await resultOver(c, run.id, timeoutMs ?? 30_000), timeoutMs ?? 30_000);
        },
      ));
    });
  runs
    .command('result <id>')
    .description("a run's result; with --wait, once it has ended (exit code 75 if it has not)")
    .option('--wait <duration>', 'how long to wait for the end (e.g. 30s)', '0')
    .action(async (id: string, o: { wait: string }) => {
      const timeoutMs = durationOption('--wait', o.wait);
      const { done, run } = await operate(
        (w) => w.runs.result(id, { timeoutMs }),
        async (c) => {
          const run = await resultOver(c, id, timeoutMs);
          return { done: ENDED.has(run.status), run };
        },
      );
      printJson(run);
      if (!done) process.exitCode = 75;
    });
  runs.command('cancel <id>').description('cancel a queued, executing or waiting (parked) run').action(async (id: string) => {
    printJson(await operate((w) => w.runs.cancel(id), (c) => c.runs.cancel(id)));
  });
  runs.command('resume <id>').description('resume a cancelled or failed run from its last checkpoint').action(async (id: string) => {
    printJson(await operate((w) => w.runs.resume(id), (c) => c.runs.resume(id)));
  });
  runs
    .command('fork <id>')
    .description('start a new run from a step of an existing one')
    .requiredOption('--from-step <n>', 'first step to execute again (earlier ones are replayed)', intArg(0))
    .option('--app-version <version>', 'run the fork on this application version (default: this process\'s)')
    .action(async (id: string, o: { fromStep: number; appVersion?: string }) => {
      printJson(await operate((w) => w.runs.fork(id, o.fromStep, { appVersion: o.appVersion }), (c) => c.runs.fork(id, { fromStep: o.fromStep, appVersion: o.appVersion })));
    });
  runs.command('tool-calls <id>').description("list a run's tool calls (the ledger)").action(async (id: string) => {
    printJson(await operate((w) => w.toolCalls.list(id), async (c) => (await c.toolCalls.list(id)).toolCalls));
  });
  runs
    .command('resolve <id> <key>')
    .description('resolve an in-doubt tool call: it happened (with its output) or it did not (retry)')
    .option('--happened', 'the call happened; give its result with --output')
    .option('--not-happened', 'the call did not happen; the run calls the tool again')
    .option('--output <json>', 'the result of the call, as JSON')
    .option('--comment <text>', 'why, for the audit trail')
    .action(async (id: string, key: string, o: { happened?: boolean; notHappened?: boolean; output?: string; comment?: string }) => {
      if (Boolean(o.happened) === Boolean(o.notHappened)) {
        throw new WaymarkError('invalid_arguments', 'give exactly one of --happened or --not-happened', { status: 400 });
      }
      const output = o.happened ? parseJsonOption('--output', o.output ?? 'null') : undefined;
      printJson(await operate(
        (w) => w.toolCalls.resolve(id, key, { happened: Boolean(o.happened), output, comment: o.comment }),
        (c) => c.toolCalls.resolve(id, key, o.happened ? { happened: true, output, comment: o.comment } : { happened: false, comment: o.comment }),
      ));
    });
  const schedules = program.command('schedules').description("the tenant's cron schedules");
  schedules.command('list').description('schedules with their next and last tick').action(async () => {
    printJson(await operate((w) => w.schedules.list(), async (c) => (await c.schedules.list()).schedules));
  });
  schedules
    .command('create <name> <workflow> <cron>')
    .description('start a run of <workflow> at every tick of <cron> (five fields, e.g. "0 9 * * 1-5")')
    .option('--timezone <tz>', 'IANA time zone of the cron expression', 'UTC')
    .option('--input <json>', 'input of every run, as JSON', '{}')
    .option('--business-key <key>', 'business key of every run')
    .option('--partition-key <key>', 'partition key of every run (a workflow declared partitioned needs one)')
    .option('--priority <n>', 'priority of every run: 0 runs first, 1000 last (default 500)', intArg(0))
    .option('--catch-up <policy>', 'after downtime: skip (only the latest missed tick) or all', 'skip')
    .option('--max-catch-up <n>', 'most missed ticks that catch-up all runs', intArg(1))
    .action(async (name: string, workflow: string, cron: string, o: {
      timezone: string; input: string; businessKey?: string; partitionKey?: string; priority?: number; catchUp: string; maxCatchUp?: number;
    }) => {
      if (o.catchUp !== 'skip' && o.catchUp !== 'all') throw new WaymarkError('invalid_arguments', '--catch-up is skip or all', { status: 400 });
      const input = parseJsonOption('--input', o.input);
      const catchUp: 'skip' | 'all' = o.catchUp;
      const schedule = {
        name, workflow, cron, timezone: o.timezone, input, businessKey: o.businessKey, partitionKey: o.partitionKey, priority: o.priority, catchUp, maxCatchUp: o.maxCatchUp,
      };
      printJson(await operate((w) => w.schedules.create(schedule), (c) => c.schedules.create(schedule)));
    });
  schedules.command('pause <name>').description('stop a schedule from starting runs').action(async (name: string) => {
    printJson(await operate((w) => w.schedules.pause(name), (c) => c.schedules.pause(name)));
  });
  schedules.command('resume <name>').description('let a paused schedule tick again (missed ticks are not run)').action(async (name: string) => {
    printJson(await operate((w) => w.schedules.resume(name), (c) => c.schedules.resume(name)));
  });
  schedules.command('delete <name>').description('delete a schedule (its runs stay)').action(async (name: string) => {
    await operate((w) => w.schedules.delete(name), (c) => c.schedules.delete(name).then(() => undefined));
    console.log(`deleted ${name}`);
  });
  program.command('workers').description('workers, their leases and how many runs each holds').action(async () => {
    printJson(await operate((w) => w.workers.list(), async (c) => (await c.workers()).workers));
  });
  program.command('versions').description('application versions still holding runs, and their live workers').action(async () => {
    printJson(await operate((w) => w.versions.list(), async (c) => (await c.versions()).versions));
  });
  const breakers = program.command('breakers').description("circuit breakers of tools (shared by every tenant)");
  breakers.command('list').description('state, failures, when opened, next probe and waiting calls of each breaker').action(async () => {
    printJson(await operate(async (w) => (await w.breakers.list()).breakers, async (c) => (await c.breakers.list()).breakers));
  });
  breakers
    .command('reset <name>')
    .description('close a breaker (calls go through again), or force it open with --open (calls wait, no probe, until a reset)')
    .option('--open', 'force it open instead')
    .option('--reason <text>', 'why (recorded with the breaker event)')
    .option('--by <who>', 'who acts (recorded as the actor)', 'cli')
    .action(async (name: string, o: { open?: boolean; reason?: string; by: string }) => {
      const req = { state: o.open ? ('open' as const) : ('closed' as const), reason: o.reason };
      printJson(await operate((w) => w.breakers.reset(name, req), (c) => c.breakers.reset(name, req), o.by));
    });
  const dead = program.command('dead-letters').description('runs that failed for good');
  dead
    .command('list')
    .description('list dead letters, newest first')
    .option('--status <status>', 'open, retried or discarded')
    .option('--workflow <name>', 'workflow name')
    .option('--limit <n>', 'page size (1-200)', intArg(1), 20)
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .action(async (o: { status?: string; workflow?: string; limit: number; cursor?: string }) => {
      printJson(await operate((w) => w.deadLetters.list(o), (c) => c.deadLetters.list(o as OperationArgs<'listDeadLetters'>['query'])));
    });
  dead.command('show <runId>').description('show a dead letter').action(async (runId: string) => {
    printJson(await operate((w) => w.deadLetters.get(runId), (c) => c.deadLetters.get(runId)));
  });
  dead
    .command('retry <runId>')
    .description('retry from the failing step (a fork; earlier steps are not re-run)')
    .requiredOption('--by <who>', 'who retries (recorded in the audit trail)')
    .option('--from-step <n>', 'first step to execute again (default: the failing step)', intArg(0))
    .option('--reason <text>', 'why')
    .action(async (runId: string, o: { by: string; fromStep?: number; reason?: string }) => {
      printJson(await operate(
        (w) => w.deadLetters.retry(runId, { fromStep: o.fromStep, reason: o.reason }),
        (c) => c.deadLetters.retry(runId, { fromStep: o.fromStep, reason: o.reason, by: o.by }),
        o.by,
      ));
    });
  dead
    .command('discard <runId>')
    .description('discard: kept for audit, never retried')
    .requiredOption('--by <who>', 'who discards')
    .requiredOption('--reason <text>', 'why (required)')
    .action(async (runId: string, o: { by: string; reason: string }) => {
      printJson(await operate((w) => w.deadLetters.discard(runId, o.reason), (c) => c.deadLetters.discard(runId, { reason: o.reason, by: o.by }), o.by));
    });
  const approvals = program.command('approvals').description('the approval inbox');
  approvals
    .command('list')
    .description('list approvals, newest first')
    .option('--status <status>', 'pending, approved, rejected, expired or cancelled')
    .option('--assignee <user>', 'assigned to this user')
    .option('--role <role>', 'assigned to this role')
    .option('--run <id>', 'of this run')
    .option('--limit <n>', 'page size (1-200)', intArg(1), 20)
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .action(async (o: { status?: string; assignee?: string; role?: string; run?: string; limit: number; cursor?: string }) => {
      const query = { status: o.status, assignee: o.assignee, role: o.role, runId: o.run, limit: o.limit, cursor: o.cursor };
      printJson(await operate((w) => w.approvals.list(query), (c) => c.approvals.list(query as OperationArgs<'listApprovals'>['query'])));
    });
  approvals.command('show <id>').description('show an approval').action(async (id: string) => {
    printJson(await operate((w) => w.approvals.get(id), (c) => c.approvals.get(id)));
  });
  for (const decision of ['approve', 'reject'] as const) {
    approvals
      .command(`${decision} <id>`)
      .description(`${decision} a pending approval`)
      .requiredOption('--by <who>', 'who decides (recorded in the audit trail)')
      .option('--comment <text>', 'why')
      .option('--edits <json>', decision === 'approve' ? 'changes to the proposal, as JSON (must match the edit schema)' : 'not allowed when rejecting')
      .action(async (id: string, o: { by: string; comment?: string; edits?: string }) => {
        const edits = o.edits === undefined ? undefined : parseJsonOption('--edits', o.edits);
        printJson(await operate(
          (w) => w.approvals.decide(id, { decision, edits, comment: o.comment }),
          (c) => c.approvals.decide(id, { decision, edits, comment: o.comment, by: o.by }),
          o.by,
        ));
      });
  }
  const keys = program.command('keys').description("API keys: the HTTP API's principals (tenant from --tenant)");
  keys
    .command('create')
    .description('create a key; it is printed once and stored only hashed')
    .requiredOption('--name <who>', 'who the key speaks for (the audit actor)')
    .requiredOption('--roles <roles>', 'comma-separated: viewer, approver, operator, admin, and business roles approvals name')
    .action(async (o: { name: string; roles: string }) => {
      const roles = o.roles.split(',').map((r) => r.trim()).filter(Boolean);
      const created = await operate((w) => w.keys.create({ name: o.name, roles }), (c) => c.keys.create({ name: o.name, roles }));
      printJson(created.apiKey);
      console.log(`\nkey (shown once): ${created.key}\nuse it as:        authorization: Bearer ${created.key}`);
    });
  keys.command('list').description("the tenant's keys (never their secrets)").action(async () => {
    printJson(await operate((w) => w.keys.list(), async (c) => (await c.keys.list()).keys));
  });
  keys.command('revoke <id>').description('revoke a key at once').action(async (id: string) => {
    printJson(await operate((w) => w.keys.revoke(id), (c) => c.keys.revoke(id)));
  });
  program
    .command('audit-log')
    .description("the tenant's audit log: keys created and revoked, refused requests")
    .option('--action <action>', 'only this action (key.created, key.revoked, access.denied)')
    .option('--limit <n>', 'entries (1-200)', intArg(1), 50)
    .action(async (o: { action?: string; limit: number }) => {
      const query = { action: o.action, limit: Math.min(o.limit, 200) };
      printJson(await operate((w) => w.keys.auditLog(query), (c) => c.keys.auditLog(query)));
    });
  program
    .command('crash-test <workflow>')
    .description('run a workflow, then once per boundary (before each step, after its effect, after its checkpoint, in each wait) killing the worker there; report what changed')
    .option('--input <json>', 'input of the run, as JSON', '{}')
    .option('--check <sql>', 'read-only SQL whose result must match the uninterrupted run after every crash')
    .option('--approve', 'approve approvals with no edits (the default)')
    .option('--reject', 'reject approvals instead')
    .option('--event <[source:]type=json>', "data of an event the harness delivers to the run's waits (repeatable)", collectPairs, {})
    .option('--in-doubt <how>', 'resolve in-doubt tool calls: happened (with the uninterrupted run\'s result) or not-happened', 'happened')
    .option('--kinds <list>', 'boundaries to crash at: before,after-effect,after-checkpoint,wait', 'before,after-effect,after-checkpoint,wait')
    .option('--no-waymark-steps', "don't crash at Waymark's own steps (notifications, phases, ledger bookkeeping)")
    .option('--max-boundaries <n>', 'at most this many boundaries, spread over the run', intArg(1))
    .option('--concurrency <n>', 'crashed runs at once', intArg(1), 1)
    .option('--timeout <seconds>', 'how long one run may take to finish', intArg(1), 60)
    .option('--json', 'print the report as JSON')
    .action(async (workflow: string, o: {
      input: string; check?: string; reject?: boolean; event: Record<string, string>; inDoubt: string; kinds: string; waymarkSteps: boolean;
      maxBoundaries?: number; concurrency: number; timeout: number; json?: boolean;
    }) => {
      const modulePath = workflowsModule() ?? process.env.WAYMARK_WORKFLOWS;
      if (!modulePath) throw new WaymarkError('invalid_arguments', 'crash-test needs --workflows <module> (or WAYMARK_WORKFLOWS)', { status: 400 });
      if (o.inDoubt !== 'happened' && o.inDoubt !== 'not-happened') throw new WaymarkError('invalid_arguments', '--in-doubt is happened or not-happened', { status: 400 });
      const kinds = o.kinds.split(',').map((k) => k.trim());
      const bad = kinds.filter((k) => !['before', 'after-effect', 'after-checkpoint', 'wait'].includes(k));
      if (bad.length) throw new WaymarkError('invalid_arguments', `unknown boundary kind ${bad.join(', ')}`, { status: 400 });
      const events = Object.fromEntries(Object.entries(o.event).map(([k, v]) => [k, parseJsonOption(`--event ${k}`, v)]));
      // DBOS announces its migrations on stdout; with --json, stdout is the report alone.
      const log = console.log;
      if (o.json) console.log = console.error;
      const report = await crashTest({
        workflow, input: parseJsonOption('--input', o.input), workflowsModule: modulePath, check: o.check,
        approvals: o.reject ? 'reject' : 'approve', events, inDoubt: o.inDoubt, kinds: kinds as ('before' | 'after-effect' | 'after-checkpoint' | 'wait')[],
        waymarkSteps: o.waymarkSteps, maxBoundaries: o.maxBoundaries, concurrency: o.concurrency, runTimeoutMs: o.timeout * 1000,
        onProgress: o.json ? undefined : (line) => console.error(line),
      }).finally(() => (console.log = log));
      if (o.json) printJson(report);
      else console.log(formatCrashTestReport(report));
      if (!report.ok) process.exitCode = 1;
    });
  return program;
}

/** Collects repeated `name=value` options into an object. */
function collectPairs(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected name=value');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** A duration option as typed: plain digits are milliseconds, as the error for a bad one says. */
function durationOption(name: string, text: string): number {
  return toMs((/^\d+$/.test(text) ? Number(text) : text) as Duration, name);
}

function parseJsonOption(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new WaymarkError('malformed_json', `${name} is not valid JSON`, { status: 400 });
  }
}

/**
 * Entry point: errors print as one line with their code, never a stack.
 *
 * @example
 * ```ts
 * await main(); // parses process.argv
 * ```
 */
export async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) process.exit(0); // --help or --version
      console.error(`error [invalid_arguments]: ${e.message.replace(/^error: /, '')} (see --help)`);
      process.exit(2);
    }
    const err = ensureError(e);
    const code = err instanceof WaymarkError || err instanceof WaymarkApiError ? ` [${err.code}]` : '';
    console.error(`error${code}: ${err.message}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
