/**
 * @module cli
 * The `waymark` command line: `start` (HTTP API + worker), `worker`, `migrate`, and operator
 * commands on runs that call the same service as the HTTP API.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { startWaymark, type ScopedWaymark, type WaymarkOptions, type WaymarkServer } from './app/start-waymark.js';
import { loadConfig } from './config.js';
import { WaymarkError, ensureError } from './errors.js';
import { createLogger } from './logger.js';
import { openDatabase } from './runtime/database.js';
import type { RunView } from './service/runs.js';
import { migrate } from './store/migrate.js';

/** What a `--workflows` module exports. */
interface WorkflowModule {
  workflows?: WaymarkOptions['workflows'];
  beforeLaunch?: WaymarkOptions['beforeLaunch'];
}

/** Exit code of a worker that stopped because it lost its executor identity. */
const EXIT_EXECUTOR_LOST = 70;

/**
 * Loads the application's workflows from `--workflows <module>` or WAYMARK_WORKFLOWS; without
 * either, Waymark runs with no workflows of its own.
 */
async function loadWorkflows(modulePath: string | undefined): Promise<WorkflowModule> {
  const given = modulePath ?? process.env.WAYMARK_WORKFLOWS;
  if (!given) return { workflows: [] };
  const mod = (await import(pathToFileURL(path.resolve(given)).href)) as WorkflowModule;
  if (!Array.isArray(mod.workflows)) throw new WaymarkError('invalid_workflows_module', `${given} does not export a 'workflows' array`);
  return mod;
}

function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal} received: shutting down (DBOS, then the database)...`);
      stop().then(
        () => process.exit(0),
        (e: unknown) => {
          console.error(`shutdown failed: ${ensureError(e).message}`);
          process.exit(1);
        },
      );
    });
  }
}

async function runServer(opts: { workflows?: string }, http: boolean): Promise<void> {
  const mod = await loadWorkflows(opts.workflows);
  const waymark = await startWaymark({
    workflows: mod.workflows, beforeLaunch: mod.beforeLaunch, http,
    // The library has already stopped the worker; the command line turns that into an exit code.
    onFatal: (e) => {
      console.error(`error [${e.code}]: ${e.message}`);
      process.exit(EXIT_EXECUTOR_LOST);
    },
  });
  onSignals(() => waymark.stop());
  const where = waymark.databaseSource === 'url' ? 'DATABASE_URL' : `embedded Postgres (${waymark.config.dataDir})`;
  console.log(`Waymark ${http ? 'server and worker' : 'worker'} started`);
  if (waymark.httpUrl) console.log(`  HTTP API:    ${waymark.httpUrl}  (try GET ${waymark.httpUrl}/v1/workflows)`);
  console.log(`  database:    ${where}`);
  console.log(`  executor:    ${waymark.executorId ?? '-'}   version: ${waymark.config.appVersion}`);
  console.log(`  workflows:   ${waymark.registry.list().map((w) => w.name).join(', ') || '(none: pass --workflows <module>)'}`);
  console.log('Press Ctrl-C to stop.');
}

/** Runs an operator command against a non-worker Waymark, as `actor`, and stops it afterwards. */
async function withWaymarkClient<T>(fn: (w: ScopedWaymark, server: WaymarkServer) => Promise<T>, actor: string, workflowsPath?: string): Promise<T> {
  const mod = await loadWorkflows(workflowsPath);
  const waymark = await startWaymark({ workflows: mod.workflows, worker: false, logger: createLogger('warn') });
  try {
    return await fn(waymark.as({ actor }), waymark);
  } finally {
    await waymark.stop();
  }
}

const printJson = (v: unknown): void => console.log(JSON.stringify(v, null, 2));

function printRuns(runs: RunView[]): void {
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
  program.option('--workflows <module>', "module exporting 'workflows' (and optionally 'beforeLaunch'); default: WAYMARK_WORKFLOWS");
  const workflowsModule = (): string | undefined => program.opts<{ workflows?: string }>().workflows;
  const withClient = <T>(fn: (w: ScopedWaymark) => Promise<T>, actor = 'cli'): Promise<T> => withWaymarkClient(fn, actor, workflowsModule());

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
    .option('--workflow <name>', 'workflow name')
    .option('--limit <n>', 'page size (1-200)', intArg(1), 20)
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .option('--json', 'print JSON')
    .action(async (o: { status?: string; phase?: string; workflow?: string; limit: number; cursor?: string; json?: boolean }) => {
      const page = await withClient((w) => w.runs.list(o));
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
      printJson(await withClient(async (w) => ({ run: await w.runs.get(id), timeline: await w.runs.timeline(id) })));
    });
  runs
    .command('start <workflow>')
    .description('start a run')
    .option('--input <json>', 'input as JSON', '{}')
    .option('--idempotency-key <key>', 'return the earlier run for a repeated key')
    .action(async (workflow: string, o: { input: string; idempotencyKey?: string }) => {
      const input = parseJsonOption('--input', o.input);
      printJson(await withClient((w) => w.runs.start({ workflow, input, idempotencyKey: o.idempotencyKey })));
    });
  runs.command('cancel <id>').description('cancel a queued or executing run').action(async (id: string) => {
    printJson(await withClient((w) => w.runs.cancel(id)));
  });
  runs.command('resume <id>').description('resume a cancelled or failed run from its last checkpoint').action(async (id: string) => {
    printJson(await withClient((w) => w.runs.resume(id)));
  });
  runs
    .command('fork <id>')
    .description('start a new run from a step of an existing one')
    .requiredOption('--from-step <n>', 'first step to execute again (earlier ones are replayed)', intArg(0))
    .option('--app-version <version>', 'run the fork on this application version (default: this process\'s)')
    .action(async (id: string, o: { fromStep: number; appVersion?: string }) => {
      printJson(await withClient((w) => w.runs.fork(id, o.fromStep, { appVersion: o.appVersion })));
    });
  runs.command('tool-calls <id>').description("list a run's tool calls (the ledger)").action(async (id: string) => {
    printJson(await withClient((w) => w.toolCalls.list(id)));
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
      printJson(await withClient((w) => w.toolCalls.resolve(id, key, { happened: Boolean(o.happened), output, comment: o.comment })));
    });
  program.command('workers').description('workers, their leases and how many runs each holds').action(async () => {
    printJson(await withClient((w) => w.workers.list()));
  });
  program.command('versions').description('application versions still holding runs, and their live workers').action(async () => {
    printJson(await withClient((w) => w.versions.list()));
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
      printJson(await withClient((w) => w.deadLetters.list(o)));
    });
  dead.command('show <runId>').description('show a dead letter').action(async (runId: string) => {
    printJson(await withClient((w) => w.deadLetters.get(runId)));
  });
  dead
    .command('retry <runId>')
    .description('retry from the failing step (a fork; earlier steps are not re-run)')
    .requiredOption('--by <who>', 'who retries (recorded in the audit trail)')
    .option('--from-step <n>', 'first step to execute again (default: the failing step)', intArg(0))
    .option('--reason <text>', 'why')
    .action(async (runId: string, o: { by: string; fromStep?: number; reason?: string }) => {
      printJson(await withClient((w) => w.deadLetters.retry(runId, { fromStep: o.fromStep, reason: o.reason }), o.by));
    });
  dead
    .command('discard <runId>')
    .description('discard: kept for audit, never retried')
    .requiredOption('--by <who>', 'who discards')
    .requiredOption('--reason <text>', 'why (required)')
    .action(async (runId: string, o: { by: string; reason: string }) => {
      printJson(await withClient((w) => w.deadLetters.discard(runId, o.reason), o.by));
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
      printJson(await withClient((w) => w.approvals.list({ ...o, runId: o.run })));
    });
  approvals.command('show <id>').description('show an approval').action(async (id: string) => {
    printJson(await withClient((w) => w.approvals.get(id)));
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
        printJson(await withClient((w) => w.approvals.decide(id, { decision, edits, comment: o.comment }), o.by));
      });
  }
  return program;
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
    const code = err instanceof WaymarkError ? ` [${err.code}]` : '';
    console.error(`error${code}: ${err.message}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
