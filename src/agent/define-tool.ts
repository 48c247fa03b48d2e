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

/**
 * A circuit breaker as declared on a tool (`breaker: true` takes every default). All durations
 * are ms or strings like `'30s'`.
 */
export interface BreakerSpec {
  /** The breaker's name (default: the tool's). Tools calling the same dependency may share one. */
  name?: string;
  /** Transient failures in a row (within `window`) that open it (default 5). */
  failureThreshold?: number;
  /** Failures further apart than this do not add up (default 1 minute). */
  window?: Duration;
  /** How long it stays open before one call probes (default 30 s); doubles after each failed probe. */
  openFor?: Duration;
  /** The longest open time between probes (default 10 minutes, or `openFor` if longer). */
  maxOpenFor?: Duration;
  /** Open this long: operators get an alert, waiting runs an audit event (default 15 minutes). */
  escalateAfter?: Duration;
  /**
   * The longest a call waits on the open breaker before it fails with `breaker_open` (default:
   * as long as it takes — the escalation brings a person).
   */
  maxWait?: Duration;
}

/** A tool's circuit breaker with the defaults filled in (ms). */
export interface BreakerPolicy {
  name: string;
  failureThreshold: number;
  windowMs: number;
  openMs: number;
  maxOpenMs: number;
  escalateAfterMs: number;
  maxWaitMs: number | undefined;
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
  /**
   * A circuit breaker shared by every run and worker (off by default): after repeated transient
   * failures calls wait for the dependency instead of spending attempts, and one call probes it.
   */
  breaker?: boolean | BreakerSpec;
  /**
   * Tools called with the same arguments when this tool's breaker is open, or when a call fails
   * for good with a transient cause; the first that succeeds answers (its output must match
   * this tool's output schema). Tried in order; their own fallbacks are not followed.
   */
  fallback?: Tool | readonly Tool[];
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
export interface Tool<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> extends Omit<ToolSpec<I, O>, 'retry' | 'timeoutMs' | 'breaker' | 'fallback'> {
  /** The tool that runs `compensate` as a call of its own (key `compensate:<call key>`). */
  readonly compensation: Tool | undefined;
  readonly idempotent: boolean;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly secret: readonly string[];
  /** The tool's circuit breaker, if it declares one. */
  readonly breaker: BreakerPolicy | undefined;
  /** Its fallback tools, in order. */
  readonly fallback: readonly Tool[];
}

/**
 * The circuit breaker of a tool that declares `breaker: true`: 5 transient failures in a row
 * within a minute open it for 30 s (doubling per failed probe, up to 10 minutes); after 15
 * minutes open, operators are alerted; calls wait for as long as it takes.
 *
 * @example
 * ```ts
 * defineTool({ ...spec, breaker: { failureThreshold: DEFAULT_BREAKER.failureThreshold * 2 } });
 * ```
 */
export const DEFAULT_BREAKER: Omit<BreakerPolicy, 'name'> = Object.freeze({
  failureThreshold: 5, windowMs: 60_000, openMs: 30_000, maxOpenMs: 600_000, escalateAfterMs: 900_000, maxWaitMs: undefined,
});

/**
 * A declared breaker with the defaults filled in (undefined when the tool declares none).
 *
 * @example
 * ```ts
 * resolveBreakerPolicy('vendor.order', { openFor: '1m' })?.openMs; // 60000
 * ```
 */
export function resolveBreakerPolicy(tool: string, spec: boolean | BreakerSpec | undefined): BreakerPolicy | undefined {
  if (spec === undefined || spec === false) return undefined;
  const s: BreakerSpec = spec === true ? {} : spec;
  const what = `Tool '${tool}': breaker`;
  const policy: BreakerPolicy = {
    name: s.name ?? tool,
    failureThreshold: s.failureThreshold ?? DEFAULT_BREAKER.failureThreshold,
    windowMs: s.window === undefined ? DEFAULT_BREAKER.windowMs : toMs(s.window, `${what}.window`),
    openMs: s.openFor === undefined ? DEFAULT_BREAKER.openMs : toMs(s.openFor, `${what}.openFor`),
    maxOpenMs: 0,
    escalateAfterMs: s.escalateAfter === undefined ? DEFAULT_BREAKER.escalateAfterMs : toMs(s.escalateAfter, `${what}.escalateAfter`),
    maxWaitMs: s.maxWait === undefined ? undefined : toMs(s.maxWait, `${what}.maxWait`),
  };
  // Undeclared, the cap is never below the declared open time.
  policy.maxOpenMs = s.maxOpenFor === undefined ? Math.max(DEFAULT_BREAKER.maxOpenMs, policy.openMs) : toMs(s.maxOpenFor, `${what}.maxOpenFor`);
  if (!/^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$/.test(policy.name)) {
    throw new WaymarkError('invalid_tool', `${what}.name '${policy.name}' must be lower-case words joined by '-', '_' or '.'`);
  }
  if (!Number.isInteger(policy.failureThreshold) || policy.failureThreshold < 1 || policy.openMs < 1 || policy.maxOpenMs < policy.openMs) {
    throw new WaymarkError('invalid_tool', `${what} needs failureThreshold >= 1 and 0 < openFor <= maxOpenFor`);
  }
  return policy;
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
 * A declared retry policy with the defaults filled in and the durations in ms; `what` names
 * the declaration in the error `code` raises when the policy is impossible.
 *
 * @example
 * ```ts
 * resolveRetryPolicy({ maxAttempts: 3 }, "Tool 'email.send'", 'invalid_tool'); // { maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 60000 }
 * ```
 */
export function resolveRetryPolicy(spec: Partial<RetryPolicySpec> | undefined, what: string, code: 'invalid_tool' | 'invalid_model'): RetryPolicy {
  const retry: RetryPolicy = {
    maxAttempts: spec?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
    initialDelayMs: toMs(spec?.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs, `${what}: retry.initialDelayMs`),
    maxDelayMs: toMs(spec?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs, `${what}: retry.maxDelayMs`),
  };
  if (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1 || retry.maxDelayMs < retry.initialDelayMs) {
    throw new WaymarkError(code, `${what}: retry needs maxAttempts >= 1 and 0 <= initialDelayMs <= maxDelayMs`);
  }
  return retry;
}

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

  /** Every defined tool, in the order they were defined. */
  list(): Tool[] {
    return [...this.#byName.values()];
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
  const retry = resolveRetryPolicy(spec.retry, `Tool '${spec.name}'`, 'invalid_tool');
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
    breaker: resolveBreakerPolicy(spec.name, spec.breaker),
    fallback: fallbacksOf(spec.name, spec.fallback),
  };
  toolCatalog.add(tool);
  return tool;
}

function fallbacksOf(name: string, fallback: Tool | readonly Tool[] | undefined): readonly Tool[] {
  const list: readonly Tool[] = fallback === undefined ? [] : Array.isArray(fallback) ? fallback : [fallback as Tool];
  for (const f of list) {
    if (toolCatalog.find(f.name) !== f) throw new WaymarkError('invalid_tool', `Tool '${name}': fallback '${f.name}' is not a defined tool`);
  }
  return Object.freeze([...list]);
}
