/**
 * @module workflows
 * Exposes DBOS workflows as Waymark workflows: a stable public name, a description and a zod
 * input schema, so they can be started over HTTP and the CLI and listed with their JSON Schema.
 */
import { getRegisteredFunctionFullName } from '@dbos-inc/dbos-sdk/internal/decorators';
import { z } from 'zod';
import { ValidationError, WaymarkError } from './errors.js';

/** A DBOS workflow function taking one validated input. */
export type WorkflowFunction<I> = (input: I) => Promise<unknown>;

/** What {@link defineWorkflow} takes. */
export interface WorkflowSpec<S extends z.ZodType> {
  /** Public name used by `POST /v1/runs` and the CLI: lower-case words joined by `-`, `_` or `.`. */
  name: string;
  description: string;
  /** Schema of the single argument the workflow receives. */
  input: S;
  /** A function registered with DBOS (`@DBOS.workflow()` or `DBOS.registerWorkflow`). */
  workflow: WorkflowFunction<z.output<S>>;
  /**
   * How many tool-call retries one run may spend in all (see `callTool`); when spent, the run
   * fails instead of retrying forever. Default: {@link DEFAULT_RETRY_BUDGET}.
   */
  retryBudget?: number;
  /** The whole run must finish within this many ms of its start. */
  deadlineMs?: number;
  /** While running (not waiting for a person or an event), some step must complete this often. */
  idleTimeoutMs?: number;
  /** What a missed deadline or idle timeout does: fail the run (and compensate) or escalate it. Default fail. */
  onTimeout?: 'fail' | 'escalate';
}

/** Tool-call retries a run may spend when its workflow sets no `retryBudget`. */
export const DEFAULT_RETRY_BUDGET = 100;

/** A workflow Waymark can start. */
export interface WorkflowDefinition<S extends z.ZodType = z.ZodType> extends WorkflowSpec<S> {
  /** Names DBOS registered the function under, used to enqueue it from any process. */
  readonly dbosName: string;
  readonly dbosClassName: string;
  /** The input schema as JSON Schema, for clients. */
  readonly inputJsonSchema: Record<string, unknown>;
  /** Parses input, throwing a {@link ValidationError} that names the failing fields. */
  parseInput(input: unknown): z.output<S>;
}

const NAME = /^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$/;

/**
 * Declares a DBOS workflow as startable through Waymark.
 *
 * @example
 * ```ts
 * class Greeter {
 *   @DBOS.workflow()
 *   static async greet(input: { name: string }) { return `hello ${input.name}`; }
 * }
 * export const greet = defineWorkflow({
 *   name: 'greet',
 *   description: 'Says hello',
 *   input: z.object({ name: z.string() }),
 *   workflow: Greeter.greet,
 * });
 * ```
 */
export function defineWorkflow<S extends z.ZodType>(spec: WorkflowSpec<S>): WorkflowDefinition<S> {
  if (!NAME.test(spec.name)) {
    throw new WaymarkError('invalid_workflow_name', `Workflow name '${spec.name}' must be lower-case words joined by '-', '_' or '.'`);
  }
  if (spec.retryBudget !== undefined && (!Number.isInteger(spec.retryBudget) || spec.retryBudget < 0)) {
    throw new WaymarkError('invalid_retry_budget', `Workflow '${spec.name}': retryBudget must be a non-negative integer`);
  }
  for (const [k, v] of [['deadlineMs', spec.deadlineMs], ['idleTimeoutMs', spec.idleTimeoutMs]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) throw new WaymarkError('invalid_timeout', `Workflow '${spec.name}': ${k} must be a positive integer`);
  }
  const { name, className } = getRegisteredFunctionFullName(spec.workflow);
  if (!name) {
    throw new WaymarkError('workflow_not_registered', `Workflow '${spec.name}': the function is not registered with DBOS (use @DBOS.workflow() or DBOS.registerWorkflow)`);
  }
  return {
    ...spec,
    dbosName: name,
    dbosClassName: className,
    inputJsonSchema: z.toJSONSchema(spec.input, { unrepresentable: 'any' }),
    parseInput(input: unknown) {
      const parsed = spec.input.safeParse(input);
      if (!parsed.success) {
        throw new ValidationError(`Input for workflow '${spec.name}' is invalid: ${formatIssues(parsed.error)}`, {
          issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
        }, 'invalid_input');
      }
      return parsed.data;
    },
  };
}

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
 * const registry = new WorkflowRegistry([greet]);
 * registry.get('greet').parseInput({ name: 'Ada' });
 * ```
 */
export class WorkflowRegistry {
  readonly #byName = new Map<string, WorkflowDefinition>();

  constructor(definitions: readonly WorkflowDefinition[] = []) {
    for (const d of definitions) this.add(d);
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
