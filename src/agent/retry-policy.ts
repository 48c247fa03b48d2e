/**
 * @module tools/retry-policy
 * Which failures are retried, and how long to wait: capped exponential backoff with full
 * jitter (a uniformly random wait between 0 and the cap), so that many runs failing together
 * do not retry together. A provider's `Retry-After` is a floor.
 */
import { NonRetryableError, RetryableError, WaymarkError } from '../errors.js';
import type { RetryPolicy } from './define-tool.js';

/** A failure as recorded in the ledger. */
export interface RecordedError {
  name: string;
  message: string;
  code?: string;
  retryable: boolean;
  retryAfterMs?: number;
}

/**
 * Describes a thrown value for the ledger, deciding whether it is retryable.
 *
 * @example
 * ```ts
 * classifyError(new NonRetryableError('card declined')).retryable; // false
 * ```
 */
export function classifyError(e: unknown): RecordedError {
  if (e instanceof NonRetryableError) return { name: e.name, message: e.message, code: e.code, retryable: false };
  if (e instanceof RetryableError) {
    return { name: e.name, message: e.message, code: e.code, retryable: true, ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) };
  }
  if (e instanceof WaymarkError) return { name: e.name, message: e.message, code: e.code, retryable: true };
  if (e instanceof Error) return { name: e.name, message: e.message, retryable: true };
  return { name: 'Error', message: typeof e === 'string' ? e : JSON.stringify(e), retryable: true };
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
