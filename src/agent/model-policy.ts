/**
 * @module agent/model-policy
 * Decisions about a model call that need no database: which provider errors are worth another
 * attempt (429, 408/409/425, 5xx, network errors, timeouts) and which are permanent (context
 * length, content filter, any other 4xx), how long a `Retry-After` asks to wait, the token
 * counts of an AI SDK usage, and a call's cost from a configured price.
 */
import type { LanguageModelV4Usage } from '@ai-sdk/provider';
import { APICallError } from 'ai';
import type { ModelPrice } from '../config.js';
import { ModelCallFailedError, type ErrorCode } from '../errors.js';
import type { ModelUsageNumbers } from '../store/model-calls.js';

/** A failed attempt, as recorded and decided on. */
export interface ModelError {
  name: string;
  message: string;
  /** Waymark's code for a permanent failure. */
  code?: ErrorCode | undefined;
  /** The provider's own error code (`rate_limit_exceeded`, `context_length_exceeded`, ...). */
  providerCode?: string | undefined;
  status?: number | undefined;
  retryable: boolean;
  retryAfterMs?: number | undefined;
}

const RETRYABLE_STATUS = new Set([408, 409, 425, 429]);
const CONTENT_FILTER_CODES = new Set(['content_filter', 'content_policy_violation', 'content_filtered']);

/**
 * Classifies what a provider call threw. The message is the provider's, never the request
 * (an `APICallError` carries the whole prompt, which must not reach the ledger).
 *
 * @example
 * ```ts
 * classifyModelError(e).retryable; // true for a 429, false for context_length_exceeded
 * ```
 */
export function classifyModelError(e: unknown, now: number = Date.now()): ModelError {
  if (APICallError.isInstance(e)) {
    const status = e.statusCode;
    const providerCode = providerErrorCode(e.data);
    const base = { name: 'APICallError', message: e.message.slice(0, 2000), status, providerCode };
    if (status === undefined || status >= 500 || RETRYABLE_STATUS.has(status)) {
      return { ...base, retryable: true, retryAfterMs: retryAfterMs(e.responseHeaders, now) };
    }
    if (providerCode === 'context_length_exceeded' || /maximum context length|context length exceeded|context window/i.test(e.message)) {
      return { ...base, code: 'model_context_length_exceeded', retryable: false };
    }
    if (providerCode !== undefined && CONTENT_FILTER_CODES.has(providerCode)) return { ...base, code: 'model_content_filtered', retryable: false };
    return { ...base, code: 'model_request_invalid', retryable: false };
  }
  if (e instanceof ModelCallFailedError) return { name: e.name, message: e.message, code: e.code as ErrorCode, retryable: false };
  if (e instanceof Error) return { name: e.name, message: e.message.slice(0, 2000), retryable: true };
  return { name: 'Error', message: String(e).slice(0, 2000), retryable: true };
}

function providerErrorCode(data: unknown): string | undefined {
  const err = (data as { error?: { code?: unknown; type?: unknown } } | undefined)?.error;
  const code = err?.code ?? err?.type;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The wait a response asks for: `retry-after-ms`, else `retry-after` in seconds or as an
 * HTTP date; undefined when absent or unreadable.
 *
 * @example
 * ```ts
 * retryAfterMs({ 'retry-after': '7' }); // 7000
 * ```
 */
export function retryAfterMs(headers: Record<string, string> | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Token counts of an AI SDK (provider-level) usage.
 *
 * @example
 * ```ts
 * usageNumbers(result.usage).inputTokens;
 * ```
 */
export function usageNumbers(u: LanguageModelV4Usage | undefined): ModelUsageNumbers {
  return {
    inputTokens: u?.inputTokens.total ?? null,
    outputTokens: u?.outputTokens.total ?? null,
    cachedInputTokens: u?.inputTokens.cacheRead ?? null,
    reasoningTokens: u?.outputTokens.reasoning ?? null,
  };
}

/**
 * The cost of a call at `price` (per million tokens): cached input at the cached price when
 * one is given; null without a price or token counts.
 *
 * @example
 * ```ts
 * modelCost({ inputTokens: 1000, outputTokens: 500, cachedInputTokens: 0, reasoningTokens: 0 }, { inputPerMillion: 2, outputPerMillion: 8 }); // 0.006
 * ```
 */
export function modelCost(u: ModelUsageNumbers, price: ModelPrice | undefined): number | null {
  if (!price || u.inputTokens === null || u.outputTokens === null) return null;
  const cached = Math.min(u.cachedInputTokens ?? 0, u.inputTokens);
  const cost =
    ((u.inputTokens - cached) * price.inputPerMillion + cached * (price.cachedInputPerMillion ?? price.inputPerMillion) + u.outputTokens * price.outputPerMillion) / 1e6;
  return Math.round(cost * 1e10) / 1e10;
}
