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
  constructor(message: string) {
    super('schema_too_new', message, { status: 503 });
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
