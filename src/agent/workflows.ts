/**
 * @module agent/workflows
 * Declaring a workflow once: one decorator (or one function call) registers the DBOS workflow
 * and the Waymark definition together — its public name, description and zod input schema —
 * so it can be started over HTTP and the CLI and listed with its JSON Schema. Only DBOS's
 * public registration API is used.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { z } from 'zod';
import { toMs, type Duration } from '../durations.js';
import { ValidationError, WaymarkError } from '../errors.js';

/** What a workflow declaration takes. */
export interface WorkflowOptions<S extends z.ZodType> {
  /** Public name used by `POST /v1/runs` and the CLI: lower-case words joined by `-`, `_` or `.`. */
  name: string;
  description: string;
  /** Schema of the single argument the workflow receives. */
  input: S;
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
   * How often a run may be recovered (its worker died while executing it) before it is given up
   * and dead-lettered; a "poison" run that kills its worker ends there. DBOS's default is 100.
   */
  maxRecoveryAttempts?: number;
}

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
  readonly retryBudget: number | undefined;
  readonly deadlineMs: number | undefined;
  readonly idleTimeoutMs: number | undefined;
  readonly onTimeout: 'fail' | 'escalate';
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

function define<S extends z.ZodType>(o: WorkflowOptions<S>, dbosName: string, dbosClassName: string): WorkflowDefinition<S> {
  const where = `Workflow '${o.name}'`;
  if (!NAME.test(o.name)) throw new WaymarkError('invalid_workflow', `Workflow name '${o.name}' must be lower-case words joined by '-', '_' or '.'`);
  if (o.retryBudget !== undefined && (!Number.isInteger(o.retryBudget) || o.retryBudget < 0)) {
    throw new WaymarkError('invalid_workflow', `${where}: retryBudget must be a non-negative integer`);
  }
  const positive = (d: Duration | undefined, what: string): number | undefined => {
    if (d === undefined) return undefined;
    const ms = toMs(d, `${where}: ${what}`);
    if (ms <= 0) throw new WaymarkError('invalid_workflow', `${where}: ${what} must be positive`);
    return ms;
  };
  return {
    name: o.name,
    description: o.description,
    input: o.input,
    retryBudget: o.retryBudget,
    deadlineMs: positive(o.deadlineMs, 'deadlineMs'),
    idleTimeoutMs: positive(o.idleTimeoutMs, 'idleTimeoutMs'),
    onTimeout: o.onTimeout ?? 'fail',
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
      const registered = DBOS.registerWorkflow(method, { name: propertyKey, className, ctorOrProto: target, maxRecoveryAttempts: options.maxRecoveryAttempts });
      definitions.set(registered, definition);
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
    const registered = DBOS.registerWorkflow(fn, { name: options.name, maxRecoveryAttempts: options.maxRecoveryAttempts });
    definitions.set(registered, definition);
    return registered;
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
