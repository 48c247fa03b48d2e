/**
 * @module tools/retry-policy
 * Which failures are retried, and how long to wait: capped exponential backoff with full
 * jitter (a uniformly random wait between 0 and the cap), so that many runs failing together
 * do not retry together. A provider's `Retry-After` is a floor.
 */
import { NonRetryableError, RetryableError, WaymarkError } from '../errors.js';
import { scrubText } from '../redact.js';
import { publicError } from '../public-error.js';
import type { RetryPolicy } from './define-tool.js';

/** A failure as recorded in the ledger. */
export interface RecordedError {
  name: string;
  message: string;
  code?: string;
  /** The SQLSTATE of a database error (its detail is never recorded). */
  sqlState?: string;
  retryable: boolean;
  retryAfterMs?: number;
}

/**
 * Describes a thrown value for the ledger, deciding whether it is retryable; the message is
 * scrubbed of secrets.
 *
 * @example
 * ```ts
 * classifyError(new NonRetryableError('card declined')).retryable; // false
 * ```
 */
export function classifyError(e: unknown): RecordedError {
  // Recorded as it may be served: no stack, path, SQL or row data (see public-error.ts), and
  // never a secret a provider echoed back.
  const r = describeError(e);
  return { ...r, message: scrubText(r.message) };
}

function describeError(e: unknown): RecordedError {
  const shown = publicError(e) ?? { name: 'Error', message: 'null' };
  const base = { name: shown.name, message: shown.message, ...(shown.code !== undefined ? { code: shown.code } : {}), ...(shown.sqlState !== undefined ? { sqlState: shown.sqlState } : {}) };
  if (e instanceof NonRetryableError) return { ...base, retryable: false };
  if (e instanceof RetryableError) return { ...base, retryable: true, ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) };
  if (e instanceof WaymarkError) return { ...base, retryable: true };
  // Other errors keep only name and message, as before: a tool's `code` (ECONNRESET) is not a Waymark code.
  return { name: base.name, message: base.message, ...(shown.sqlState !== undefined ? { code: 'database_error', sqlState: shown.sqlState } : {}), retryable: true };
}

/**
 * The wait before attempt `attempt + 1`, after `attempt` failed.
 *
 * @example
 * ```ts
 * backoffMs({ maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 30000 }, 3); // in [0, 4000]
 * ```
 */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * cap);
  return Math.max(jittered, retryAfterMs ?? 0);
}
