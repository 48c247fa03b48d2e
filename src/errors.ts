/**
 * @module errors
 * Every error Waymark raises on purpose: a stable string `code` that clients and logs can
 * match on, an HTTP status where one applies, and the underlying `cause`.
 */

/**
 * Base class of Waymark's errors.
 *
 * @example
 * ```ts
 * throw new WaymarkError('run_not_found', `No run ${id}`, { status: 404 });
 * ```
 */
export class WaymarkError extends Error {
  readonly code: string;
  readonly status: number;
  /** Structured details safe to show to a client (field errors and the like). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, opts: { status?: number; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = opts.status ?? 500;
    this.details = opts.details;
  }
}

/**
 * Input that failed validation: nothing was changed.
 *
 * @example
 * ```ts
 * throw new ValidationError('Run input does not match the workflow schema', { issues });
 * ```
 */
export class ValidationError extends WaymarkError {
  constructor(message: string, details?: Record<string, unknown>, code = 'validation_failed') {
    super(code, message, { status: 422, details });
  }
}

/**
 * A named thing does not exist (run, workflow, route).
 *
 * @example
 * ```ts
 * throw new NotFoundError('run_not_found', `No run with id ${id}`);
 * ```
 */
export class NotFoundError extends WaymarkError {
  constructor(code: string, message: string) {
    super(code, message, { status: 404 });
  }
}

/**
 * The request conflicts with the current state (an idempotency key reused with another body,
 * a transition that is not allowed).
 *
 * @example
 * ```ts
 * throw new ConflictError('idempotency_key_reused', 'This key was used with a different request');
 * ```
 */
export class ConflictError extends WaymarkError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 409, details });
  }
}

/**
 * The database schema is newer than this code, or otherwise unusable.
 *
 * @example
 * ```ts
 * throw new SchemaVersionError('Database is at schema version 7; this Waymark knows up to 3.');
 * ```
 */
export class SchemaVersionError extends WaymarkError {
  constructor(message: string, code: 'schema_too_new' | 'schema_too_old' = 'schema_too_new') {
    super(code, message, { status: 503 });
  }
}

/**
 * Turns anything thrown into an `Error`, so callers can rely on `.message`.
 *
 * @example
 * ```ts
 * catch (e) { log.error(ensureError(e).message); }
 * ```
 */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}

/**
 * Thrown by a tool (or by Waymark) for a failure that retrying cannot fix: the call fails at
 * once instead of using up its attempts.
 *
 * @example
 * ```ts
 * if (res.status === 404) throw new NonRetryableError(`No customer ${id}`);
 * ```
 */
export class NonRetryableError extends WaymarkError {
  constructor(message: string, opts: { code?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(opts.code ?? 'non_retryable', message, { status: 422, cause: opts.cause, details: opts.details });
  }
}

/**
 * Thrown by a tool for a transient failure, optionally saying when to try again (an HTTP
 * `Retry-After`). Any other error a tool throws is treated as transient too.
 *
 * @example
 * ```ts
 * throw new RetryableError('rate limited', { retryAfterMs: 2_000 });
 * ```
 */
export class RetryableError extends WaymarkError {
  readonly retryAfterMs: number | undefined;

  constructor(message: string, opts: { retryAfterMs?: number; cause?: unknown } = {}) {
    super('retryable', message, { status: 503, cause: opts.cause });
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/**
 * A tool call failed for good: its arguments or result did not validate, it failed with a
 * permanent error, it used up its attempts, or the run used up its retry budget.
 *
 * @example
 * ```ts
 * try { await callTool(chargeCard, input); }
 * catch (e) { if (e instanceof ToolCallFailedError) console.log(e.tool, e.key, e.attempts); }
 * ```
 */
export class ToolCallFailedError extends NonRetryableError {
  readonly tool: string;
  readonly key: string;
  readonly attempts: number;

  constructor(code: string, message: string, info: { tool: string; key: string; attempts: number; cause?: unknown }) {
    super(message, { code, cause: info.cause, details: { tool: info.tool, key: info.key, attempts: info.attempts } });
    this.tool = info.tool;
    this.key = info.key;
    this.attempts = info.attempts;
  }
}
