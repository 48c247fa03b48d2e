/**
 * @module tools/define-tool
 * A tool is anything an agent calls that reads or changes the outside world: an HTTP API, an
 * email provider, a payment service. Its definition says how to call it safely — schemas,
 * whether it is idempotent, how to ask whether a call happened, how to retry.
 */
import { z } from 'zod';
import { toMs, type Duration } from '../durations.js';
import { WaymarkError } from '../errors.js';

/** Whether a tool only reads or changes the world. */
export type ToolEffect = 'read' | 'write';

/** Retry policy of a tool: capped exponential backoff with full jitter. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Cap of the first backoff; doubles per attempt. */
  initialDelayMs: number;
  /** Largest backoff. */
  maxDelayMs: number;
}

/** A retry policy as declared: delays in ms or as durations (`'1s'`, `'1m'`). */
export interface RetryPolicySpec {
  maxAttempts: number;
  initialDelayMs: Duration;
  maxDelayMs: Duration;
}

/** What `run` is given besides the input. */
export interface ToolRunContext {
  /** Deterministic key of this call; pass it on (e.g. as an `Idempotency-Key` header). */
  idempotencyKey: string;
  /** Aborted when the attempt times out or the run is cancelled. */
  signal: AbortSignal;
  /** 1 for the first attempt. */
  attempt: number;
}

/** What {@link defineTool} takes. */
export interface ToolSpec<I extends z.ZodType, O extends z.ZodType> {
  /** Unique name, e.g. `email.send`. */
  name: string;
  effect: ToolEffect;
  input: I;
  output: O;
  /** The provider honours the idempotency key: after a crash the call may be made again with it. */
  idempotent?: boolean;
  /** A business key that identifies the call across runs (e.g. one payment per invoice). */
  key?: (input: z.output<I>) => string;
  retry?: Partial<RetryPolicySpec>;
  /** Per attempt (ms or e.g. `'30s'`); the attempt's `signal` is aborted when it elapses. */
  timeoutMs?: Duration;
  /** Dotted paths of input and output fields stored as `[redacted]` in the ledger. */
  secret?: readonly string[];
  run(input: z.output<I>, ctx: ToolRunContext): Promise<z.input<O>>;
  /**
   * Says whether an in-doubt call happened: its output if it did, `null` if it did not (then
   * it is called again). Called instead of `run` after a crash left the call without outcome.
   */
  reconcile?(input: z.output<I>, ctx: { idempotencyKey: string }): Promise<z.input<O> | null>;
  /**
   * Undoes a successful call (a write tool only): run durably, once, in reverse order, when the
   * run fails for good or is cancelled. It receives the call's arguments and result as the
   * ledger holds them — secret fields redacted — so undo with ids, not secrets.
   */
  compensate?(input: z.output<I>, output: z.output<O>, ctx: ToolRunContext): Promise<void>;
}

/** A defined tool. */
export interface Tool<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> extends Omit<ToolSpec<I, O>, 'retry' | 'timeoutMs'> {
  /** The tool that runs `compensate` as a call of its own (key `compensate:<call key>`). */
  readonly compensation: Tool | undefined;
  readonly idempotent: boolean;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly secret: readonly string[];
}

/**
 * The retry policy of a tool that declares none.
 *
 * @example
 * ```ts
 * defineTool({ ...spec, retry: { ...DEFAULT_RETRY, maxAttempts: 10 } });
 * ```
 */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, initialDelayMs: 1_000, maxDelayMs: 60_000 };

/**
 * The per-attempt timeout of a tool that declares none (30 s).
 *
 * @example
 * ```ts
 * defineTool({ ...spec, timeoutMs: 4 * DEFAULT_TOOL_TIMEOUT_MS }); // a slow OCR provider
 * ```
 */
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;

/**
 * The tools defined in this process, by name: the API validates a person's answer for an
 * in-doubt call against the tool's output schema, and compensation finds a call's undo.
 *
 * @example
 * ```ts
 * const tool = toolCatalog.find('email.send');
 * if (tool) tool.output.parse(answer);
 * ```
 */
export class ToolCatalog {
  readonly #byName = new Map<string, Tool>();

  /** Adds a tool; two tools may not share a name. */
  add(tool: Tool): void {
    if (this.#byName.has(tool.name)) throw new WaymarkError('duplicate_tool', `A tool named '${tool.name}' is already defined`);
    this.#byName.set(tool.name, tool);
  }

  /** A defined tool by name, or undefined. */
  find(name: string): Tool | undefined {
    return this.#byName.get(name);
  }
}

/**
 * The catalogue {@link defineTool} adds to (tools are declared at module load, before any
 * runtime exists).
 *
 * @example
 * ```ts
 * const tool = toolCatalog.find('email.send');
 * ```
 */
export const toolCatalog = new ToolCatalog();

/** What a compensation call receives: the original call's key, arguments and result. */
const CompensationInput = z.object({ key: z.string(), input: z.unknown(), output: z.unknown() });

/**
 * Defines a tool.
 *
 * @example
 * ```ts
 * const sendEmail = defineTool({
 *   name: 'email.send',
 *   effect: 'write',
 *   idempotent: true,
 *   input: z.object({ to: z.string().email(), subject: z.string(), body: z.string() }),
 *   output: z.object({ messageId: z.string() }),
 *   async run(input, { idempotencyKey, signal }) { return mailer.send(input, { idempotencyKey, signal }); },
 * });
 * ```
 */
export function defineTool<I extends z.ZodType, O extends z.ZodType>(spec: ToolSpec<I, O>): Tool<I, O> {
  if (!/^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$/.test(spec.name)) {
    throw new WaymarkError('invalid_tool', `Tool name '${spec.name}' must be lower-case words joined by '-', '_' or '.'`);
  }
  if (toolCatalog.find(spec.name)) throw new WaymarkError('duplicate_tool', `A tool named '${spec.name}' is already defined`);
  const retry: RetryPolicy = {
    maxAttempts: spec.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
    initialDelayMs: toMs(spec.retry?.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs, `Tool '${spec.name}': retry.initialDelayMs`),
    maxDelayMs: toMs(spec.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs, `Tool '${spec.name}': retry.maxDelayMs`),
  };
  if (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1 || retry.maxDelayMs < retry.initialDelayMs) {
    throw new WaymarkError('invalid_tool', `Tool '${spec.name}': retry needs maxAttempts >= 1 and 0 <= initialDelayMs <= maxDelayMs`);
  }
  if (spec.compensate && spec.effect !== 'write') {
    throw new WaymarkError('invalid_tool', `Tool '${spec.name}': only write tools can declare compensate`);
  }
  const compensate = spec.compensate;
  const compensation = compensate
    ? defineTool({
        name: `${spec.name}.compensate`,
        effect: 'write',
        idempotent: spec.idempotent ?? false,
        input: CompensationInput,
        output: z.null(),
        key: (c) => `compensate:${c.key}`,
        ...(spec.retry ? { retry: spec.retry } : {}),
        ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
        async run(c, ctx) {
          await compensate(c.input as z.output<I>, c.output as z.output<O>, ctx);
          return null;
        },
      })
    : undefined;
  const tool: Tool<I, O> = {
    ...spec,
    compensation: compensation,
    idempotent: spec.idempotent ?? false,
    retry,
    timeoutMs: toMs(spec.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS, `Tool '${spec.name}': timeoutMs`),
    secret: spec.secret ?? [],
  };
  toolCatalog.add(tool);
  return tool;
}
