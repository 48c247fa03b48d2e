/**
 * @module agent/workflows
 * Declaring a workflow once: one decorator (or one function call) registers the DBOS workflow
 * and the Waymark definition together — its public name, description and zod input schema —
 * so it can be started over HTTP and the CLI and listed with its JSON Schema. Only DBOS's
 * public registration API is used.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { z } from 'zod';
import { BudgetLimitsSchema, type BudgetLimits } from '../config.js';
import { toMs, type Duration } from '../durations.js';
import { ValidationError, WaymarkError } from '../errors.js';
import { observedRun } from './observed-run.js';
import { checkCron } from '../store/schedule-rules.js';
import { checkStateMachine, type StateMachine, type WorkflowStates } from '../store/state-rules.js';
import { secretPaths, withSecretFields } from './secret-fields.js';
import { withParking } from './park.js';
import { checkQueueOptions, isPartitioned, runQueueName, type WorkflowQueueOptions, type WorkflowQueueSpec } from './workflow-queues.js';
import { DEFAULT_MAX_CRASHES, withPoisonGuard } from './poison-guard.js';
import { defineTrigger, type TriggerDefinition, type TriggerOptions } from './triggers.js';

/** What a workflow declaration takes. */
export interface WorkflowOptions<S extends z.ZodType> {
  /** Public name used by `POST /v1/runs` and the CLI: lower-case words joined by `-`, `_` or `.`. */
  name: string;
  description: string;
  /**
   * Schema of the single argument the workflow receives. Fields marked `secret(...)` are
   * stored and served as `[redacted]`; the function receives the live values.
   */
  input: S;
  /**
   * Schema of what the workflow returns, for its secret fields: those marked `secret(...)`
   * are stored (DBOS's output, the run's output) and served as `[redacted]`. Not validated.
   */
  output?: z.ZodType;
  /**
   * How many tool-call retries one run may spend in all (see `callTool`); when spent, the run
   * fails instead of retrying forever. Default: {@link DEFAULT_RETRY_BUDGET}.
   */
  retryBudget?: number;
  /** The whole run must finish within this time of its start (ms or e.g. `'2h'`). */
  deadlineMs?: Duration;
  /** While running (not waiting for a person or an event), some step must complete this often. */
  idleTimeoutMs?: Duration;
  /** What a missed deadline or idle timeout does: fail the run (and compensate) or escalate it. Default fail. */
  onTimeout?: 'fail' | 'escalate';
  /**
   * How many times in a row a run may crash its worker (the process dies while executing it)
   * without completing a step in between before it is dead-lettered as a poison run (cause
   * `poison_run`, naming the step it died in). A crash after the run made progress starts the
   * count again; graceful stops and deaths while the run waits durably do not count.
   * Default {@link DEFAULT_MAX_CRASHES} (5).
   */
  maxCrashesWithoutProgress?: number;
  /**
   * DBOS's own backstop: how often a run may be dispatched again after it was interrupted, for
   * any reason and never reset (graceful restarts and deploys count too), before DBOS gives it
   * up (`MAX_RECOVERY_ATTEMPTS_EXCEEDED`). Keep it high; `maxCrashesWithoutProgress` is the
   * poison-run rule. DBOS's default is 100.
   */
  maxRecoveryAttempts?: number;
  /**
   * Limits on the model calls (`durableModel`) of each run and of all runs of this workflow per
   * UTC day, checked before each call is sent; see {@link WorkflowBudget}.
   */
  budget?: WorkflowBudget;
  /**
   * Cron schedules that start this workflow (see {@link WorkflowSchedule}); written to the
   * database when Waymark starts, then listed, paused and resumed like schedules made over the API.
   */
  schedule?: WorkflowSchedule | readonly WorkflowSchedule[];
  /**
   * Business states of the workflow's own (see {@link WorkflowStates}): the initial state, the
   * allowed transitions, and the event types that move a run. The code moves a run with
   * `setState`; `GET /v1/runs?state=` lists runs by state.
   */
  states?: WorkflowStates;
  /**
   * Limits on this workflow's runs across all workers (see {@link WorkflowQueueOptions}): its
   * runs then go to a queue of their own. With `partitionConcurrency` or `partitionRateLimit`,
   * every start must give a `partitionKey` (e.g. `customer:42`).
   */
  queue?: WorkflowQueueOptions;
}

/**
 * A cron schedule declared with its workflow. Each tick starts one run (id
 * `sched:<schedule id>:<tick>`) exactly once across all workers.
 *
 * @example
 * ```ts
 * @Waymark.workflow({ name: 'lead-digest', description: 'Morning digest', input: Digest,
 *   schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Paris', input: { team: 'sales' }, catchUp: 'skip' } })
 * ```
 */
export interface WorkflowSchedule {
  /** Unique in the tenant; default the workflow's name (give names when declaring several). */
  name?: string;
  /** Five cron fields (minute hour day-of-month month day-of-week) or a macro such as `@daily`. */
  cron: string;
  /** IANA time zone the expression is read in. Default `UTC`. */
  timezone?: string;
  /** The input of every run (validated against the workflow's schema). Default `{}`. */
  input?: unknown;
  /** The business key of every run it starts. */
  businessKey?: string;
  /** The partition key of every run it starts: required when the workflow is declared partitioned. */
  partitionKey?: string;
  /** The priority of every run it starts: 0 (first) to 1000 (last); default 500. */
  priority?: number;
  /**
   * After downtime: `skip` (default) runs only the latest missed tick; `all` runs every missed
   * tick, the latest `maxCatchUp` (default 100) at most.
   */
  catchUp?: 'skip' | 'all';
  maxCatchUp?: number;
  /** The tenant the schedule belongs to. Default `default`. */
  tenantId?: string;
}

/**
 * A workflow's model-call budget. A call that would pass a limit (its estimate added to what
 * was spent and reserved) is refused with a `BudgetExceededError`; `onExceeded` says what the
 * workflow does then.
 */
export interface WorkflowBudget {
  /** Limits of each run (a fork or retry of a run starts a budget of its own). */
  perRun?: BudgetLimits;
  /** Limits of all runs of this workflow (in its tenant) per UTC day. */
  perDay?: BudgetLimits;
  /**
   * `fail` (default): the error fails the run, into a dead letter, unless the workflow catches
   * it. `stop`: the same error, documented as the graceful end — the workflow catches it and
   * returns what it has (`runAgent` does so itself). `ask`: an approval assigned to role `admin`
   * proposes raising the refusing budget (the run's, or that UTC day's of the workflow or the
   * tenant) by `raiseBy`; approved, the call proceeds; rejected, the error is thrown.
   */
  onExceeded?: 'fail' | 'stop' | 'ask';
  /** What an approved `ask` adds to the refusing budget's limits (the refused resource at least what the call needs). */
  raiseBy?: BudgetLimits;
}

const WorkflowBudgetSchema = z.strictObject({
  perRun: BudgetLimitsSchema.optional(),
  perDay: BudgetLimitsSchema.optional(),
  onExceeded: z.enum(['fail', 'stop', 'ask']).optional(),
  raiseBy: BudgetLimitsSchema.optional(),
});

/**
 * Tool-call retries a run may spend when its workflow sets no `retryBudget`.
 *
 * @example
 * ```ts
 * @Waymark.workflow({ name: 'ocr', description: 'Flaky OCR', input: Doc, retryBudget: 2 * DEFAULT_RETRY_BUDGET })
 * ```
 */
export const DEFAULT_RETRY_BUDGET = 100;

/** A workflow Waymark can start. */
export interface WorkflowDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly input: S;
  /** Dotted paths of the input fields marked secret. */
  readonly secretInputPaths: readonly string[];
  /** Dotted paths of the output fields marked secret. */
  readonly secretOutputPaths: readonly string[];
  readonly retryBudget: number | undefined;
  readonly deadlineMs: number | undefined;
  readonly idleTimeoutMs: number | undefined;
  readonly onTimeout: 'fail' | 'escalate';
  /** Crashes in a row without progress before a run is dead-lettered as a poison run. */
  readonly maxCrashes: number;
  /** The model-call budget, stored on each run when it starts. */
  readonly budget: WorkflowBudget | undefined;
  /** Cron schedules declared with the workflow, each with its name. */
  readonly schedules: readonly (WorkflowSchedule & { name: string })[];
  /** The declared business states, checked (undefined: none). Stored on each run when it starts. */
  readonly states: StateMachine | undefined;
  /** The declared queue limits (undefined: the runs share `waymark_runs`). */
  readonly queue: WorkflowQueueSpec | undefined;
  /** The DBOS queue the runs go to (and go back to when resumed). */
  readonly queueName: string;
  /** Names DBOS registered the function under, used to enqueue it from any process. */
  readonly dbosName: string;
  readonly dbosClassName: string;
  /** The input schema as JSON Schema, for clients. */
  readonly inputJsonSchema: Record<string, unknown>;
  /** Parses input, throwing a `ValidationError` (`invalid_input`) that names the failing fields. */
  parseInput(input: unknown): z.output<S>;
}

/** A workflow function as declared: what `startWaymark({ workflows })` takes. */
export type WorkflowFunction<I = never> = (input: I) => Promise<unknown>;

const NAME = /^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$/;
const definitions = new WeakMap<object, WorkflowDefinition>();
/** The DBOS-registered function of each definition (a direct start calls it by reference). */
const registeredFunctions = new WeakMap<WorkflowDefinition, (input: never) => Promise<unknown>>();

/**
 * The DBOS-registered function of a declared workflow (undefined for a definition that was
 * never registered in this process).
 *
 * @example
 * ```ts
 * const fn = registeredFunctionOf(registry.get('greet'));
 * ```
 */
export function registeredFunctionOf(definition: WorkflowDefinition): ((input: never) => Promise<unknown>) | undefined {
  return registeredFunctions.get(definition);
}

function define<S extends z.ZodType>(o: WorkflowOptions<S>, dbosName: string, dbosClassName: string): WorkflowDefinition<S> {
  const where = `Workflow '${o.name}'`;
  if (!NAME.test(o.name)) throw new WaymarkError('invalid_workflow', `Workflow name '${o.name}' must be lower-case words joined by '-', '_' or '.'`);
  if (o.retryBudget !== undefined && (!Number.isInteger(o.retryBudget) || o.retryBudget < 0)) {
    throw new WaymarkError('invalid_workflow', `${where}: retryBudget must be a non-negative integer`);
  }
  if (o.maxCrashesWithoutProgress !== undefined && (!Number.isInteger(o.maxCrashesWithoutProgress) || o.maxCrashesWithoutProgress < 1)) {
    throw new WaymarkError('invalid_workflow', `${where}: maxCrashesWithoutProgress must be a positive integer`);
  }
  const budget = o.budget === undefined ? undefined : WorkflowBudgetSchema.safeParse(o.budget);
  if (budget && !budget.success) throw new WaymarkError('invalid_workflow', `${where}: budget is invalid: ${formatIssues(budget.error)}`);
  if (budget?.data.onExceeded === 'ask' && !budget.data.raiseBy) throw new WaymarkError('invalid_workflow', `${where}: budget.onExceeded 'ask' needs raiseBy`);
  const positive = (d: Duration | undefined, what: string): number | undefined => {
    if (d === undefined) return undefined;
    const ms = toMs(d, `${where}: ${what}`);
    if (ms <= 0) throw new WaymarkError('invalid_workflow', `${where}: ${what} must be positive`);
    return ms;
  };
  const queue = checkQueueOptions(where, o.queue);
  return {
    name: o.name,
    description: o.description,
    queue,
    queueName: runQueueName(o.name, queue),
    input: o.input,
    secretInputPaths: secretPaths(o.input),
    secretOutputPaths: o.output ? secretPaths(o.output) : [],
    retryBudget: o.retryBudget,
    deadlineMs: positive(o.deadlineMs, 'deadlineMs'),
    idleTimeoutMs: positive(o.idleTimeoutMs, 'idleTimeoutMs'),
    onTimeout: o.onTimeout ?? 'fail',
    maxCrashes: o.maxCrashesWithoutProgress ?? DEFAULT_MAX_CRASHES,
    budget: budget?.data,
    schedules: declaredSchedules(o.name, o.schedule, isPartitioned(queue)),
    states: declaredStates(where, o.states),
    dbosName,
    dbosClassName,
    // What a client sends: a field with a default is optional.
    inputJsonSchema: z.toJSONSchema(o.input, { unrepresentable: 'any', io: 'input' }),
    parseInput(input: unknown) {
      const parsed = o.input.safeParse(input);
      if (!parsed.success) {
        throw new ValidationError(`Input for workflow '${o.name}' is invalid: ${formatIssues(parsed.error)}`, {
          issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
        }, 'invalid_input');
      }
      return parsed.data;
    },
  };
}

function declaredStates(where: string, states: WorkflowStates | undefined): StateMachine | undefined {
  if (states === undefined) return undefined;
  try {
    return checkStateMachine(states);
  } catch (e) {
    throw new WaymarkError('invalid_workflow', `${where}: ${(e as Error).message}`);
  }
}

function declaredSchedules(
  workflow: string, schedule: WorkflowSchedule | readonly WorkflowSchedule[] | undefined, partitioned: boolean,
): (WorkflowSchedule & { name: string })[] {
  const list: readonly WorkflowSchedule[] = schedule === undefined ? [] : Array.isArray(schedule) ? schedule : [schedule as WorkflowSchedule];
  if (list.length > 1 && list.some((s) => !s.name)) {
    throw new WaymarkError('invalid_workflow', `Workflow '${workflow}': name each of its ${list.length} schedules`);
  }
  return list.map((s) => {
    try {
      checkCron({ cron: s.cron, timezone: s.timezone ?? 'UTC' });
    } catch (e) {
      throw new WaymarkError('invalid_workflow', `Workflow '${workflow}': ${(e as Error).message}`);
    }
    if (partitioned !== (s.partitionKey !== undefined)) {
      throw new WaymarkError('invalid_workflow', partitioned
        ? `Workflow '${workflow}' is partitioned: its schedule needs a partitionKey for the runs it starts`
        : `Workflow '${workflow}' is not partitioned: its schedule cannot give a partitionKey`);
    }
    return { ...s, name: s.name ?? workflow };
  });
}

/**
 * Declares workflows. Use the decorator on a static method (with `experimentalDecorators`), or
 * `Waymark.registerWorkflow` for a plain function; either registers the DBOS workflow and the
 * Waymark definition at once.
 *
 * @example
 * ```ts
 * const Claim = z.object({ claimId: z.string() });
 * class Claims {
 *   @Waymark.workflow({ name: 'insurance-claim', description: 'Chases the police report', input: Claim })
 *   static async handle(input: z.infer<typeof Claim>) { return input.claimId; }
 * }
 * await startWaymark({ workflows: [Claims.handle] });
 * ```
 */
export const Waymark = {
  /**
   * Decorator for a static method: registers it with DBOS (under the method and class name)
   * and as a Waymark workflow. The method's parameter must accept the schema's output.
   */
  workflow<S extends z.ZodType>(options: WorkflowOptions<S>) {
    return <R>(
      target: object,
      propertyKey: string,
      descriptor: TypedPropertyDescriptor<(input: z.output<S>) => Promise<R>>,
    ): TypedPropertyDescriptor<(input: z.output<S>) => Promise<R>> => {
      const method = descriptor.value;
      if (typeof target !== 'function' || !method) {
        throw new WaymarkError('invalid_workflow', `@Waymark.workflow on '${propertyKey}': use it on a static method`);
      }
      const className = (target as { name: string }).name;
      const definition = define(options, propertyKey, className);
      const wrapped = withParking(observedRun(options.name, withPoisonGuard(options.name, definition.maxCrashes, withSecretFields(method, { input: definition.secretInputPaths, output: definition.secretOutputPaths }))), definition.queueName);
      const registered = DBOS.registerWorkflow(wrapped, { name: propertyKey, className, ctorOrProto: target, maxRecoveryAttempts: options.maxRecoveryAttempts });
      definitions.set(registered, definition);
      registeredFunctions.set(definition, registered);
      descriptor.value = registered;
      return descriptor;
    };
  },

  /**
   * Registers a function as a DBOS workflow (under its public name) and a Waymark workflow;
   * the input type comes from the schema. Call it at module load, before Waymark starts.
   *
   * @example
   * ```ts
   * export const greet = Waymark.registerWorkflow(
   *   { name: 'greet', description: 'Says hello', input: z.object({ name: z.string() }) },
   *   async (input) => `hello ${input.name}`,
   * );
   * ```
   */
  registerWorkflow<S extends z.ZodType, R>(options: WorkflowOptions<S>, fn: (input: z.output<S>) => Promise<R>): (input: z.output<S>) => Promise<R> {
    const definition = define(options, options.name, '');
    const wrapped = withParking(observedRun(options.name, withPoisonGuard(options.name, definition.maxCrashes, withSecretFields(fn, { input: definition.secretInputPaths, output: definition.secretOutputPaths }))), definition.queueName);
    const registered = DBOS.registerWorkflow(wrapped, { name: options.name, maxRecoveryAttempts: options.maxRecoveryAttempts });
    definitions.set(registered, definition);
    registeredFunctions.set(definition, registered);
    return registered;
  },

  /**
   * Declares an event trigger: an event of a signed webhook source and type starts a run of the
   * workflow, its input mapped from the event, once per event id however often it is delivered.
   * Pass it to `startWaymark({ triggers })`.
   *
   * @example
   * ```ts
   * export const onNewLead = Waymark.trigger({
   *   source: 'crm', type: 'lead.created', workflow: 'sales-agent',
   *   input: (event) => ({ leadId: event.key }),
   * });
   * ```
   */
  trigger(options: TriggerOptions): TriggerDefinition {
    return defineTrigger(options, (fn) => Waymark.definitionOf(fn));
  },

  /**
   * The definition of a declared workflow function.
   *
   * @example
   * ```ts
   * Waymark.definitionOf(Claims.handle).name; // 'insurance-claim'
   * ```
   */
  definitionOf(fn: WorkflowFunction<never> | WorkflowDefinition): WorkflowDefinition {
    if (typeof fn !== 'function') return fn;
    const d = definitions.get(fn);
    if (!d) {
      throw new WaymarkError('invalid_workflow', `'${fn.name || 'anonymous'}' is not a Waymark workflow: declare it with @Waymark.workflow or Waymark.registerWorkflow`);
    }
    return d;
  },
} as const;

/**
 * One line naming each failing field, for error messages.
 *
 * @example
 * ```ts
 * formatIssues(schema.safeParse(x).error!); // "amount: Expected number, received string"
 * ```
 */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/**
 * The workflows a process exposes, by public name.
 *
 * @example
 * ```ts
 * const registry = new WorkflowRegistry([Greeter.greet]);
 * registry.get('greet').parseInput({ name: 'Ada' });
 * ```
 */
export class WorkflowRegistry {
  readonly #byName = new Map<string, WorkflowDefinition>();

  constructor(workflows: readonly (WorkflowFunction<never> | WorkflowDefinition)[] = []) {
    for (const w of workflows) this.add(Waymark.definitionOf(w));
  }

  add(definition: WorkflowDefinition): void {
    if (this.#byName.has(definition.name)) {
      throw new WaymarkError('duplicate_workflow', `A workflow named '${definition.name}' is already registered`);
    }
    this.#byName.set(definition.name, definition);
  }

  get(name: string): WorkflowDefinition {
    const d = this.#byName.get(name);
    if (!d) throw new WaymarkError('workflow_not_found', `No workflow named '${name}' is registered`, { status: 404 });
    return d;
  }

  list(): WorkflowDefinition[] {
    return [...this.#byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
