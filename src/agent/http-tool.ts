/**
 * @module tools/http-tool
 * Tools that call HTTP APIs, built on `fetch`: the call's idempotency key goes out as the
 * `Idempotency-Key` header; 408, 425 and 429 are transient (honouring `Retry-After`), other
 * 4xx are permanent. A 5xx or a connection lost mid-request is transient for an idempotent
 * tool; for any other it leaves the call in doubt (it may have acted).
 */
import type { z } from 'zod';
import { HttpOutcomeUnknownError, NonRetryableError, RetryableError } from '../errors.js';
import { defineTool, type Tool, type ToolSpec } from './define-tool.js';

/** The request an HTTP tool sends for an input. */
export interface HttpRequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

/** What {@link httpTool} takes: a tool spec whose `run` is replaced by `request`. */
export interface HttpToolSpec<I extends z.ZodType, O extends z.ZodType> extends Omit<ToolSpec<I, O>, 'run'> {
  request(input: z.output<I>): HttpRequestSpec;
  /** Turns a 2xx response into the output (default: its JSON body; 204: null). */
  parse?(response: Response): Promise<z.input<O>>;
}

const TRANSIENT = new Set([408, 425, 429]);

/**
 * Defines a tool that makes one HTTP request per attempt.
 *
 * @example
 * ```ts
 * const createCharge = httpTool({
 *   name: 'payments.charge',
 *   effect: 'write',
 *   idempotent: true, // the payment API honours Idempotency-Key
 *   input: z.object({ invoiceId: z.string(), cents: z.number().int() }),
 *   output: z.object({ chargeId: z.string() }),
 *   key: (i) => `invoice:${i.invoiceId}`,
 *   request: (i) => ({ method: 'POST', url: `${PAYMENTS_URL}/charges`, body: i }),
 * });
 * ```
 */
export function httpTool<I extends z.ZodType, O extends z.ZodType>(spec: HttpToolSpec<I, O>): Tool<I, O> {
  const { request, parse, ...rest } = spec;
  return defineTool<I, O>({
    ...rest,
    async run(input, { idempotencyKey, signal }) {
      const req = request(input);
      let res: Response;
      try {
        res = await fetch(req.url, {
          method: req.method,
          headers: {
            accept: 'application/json',
            ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...req.headers,
            'idempotency-key': idempotencyKey,
          },
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal,
        });
      } catch (e) {
        if (signal.aborted) throw e;
        const refused = (e as { cause?: { code?: unknown } }).cause?.code === 'ECONNREFUSED';
        const message = `${req.method} ${req.url.split('?')[0]} failed: ${(e as Error).message}`;
        // Refused: nothing was sent. Otherwise the request may have been processed: only an
        // idempotent provider can safely be asked again.
        if (refused || spec.idempotent) throw new RetryableError(message, { cause: e });
        throw new HttpOutcomeUnknownError(message, { cause: e });
      }
      if (res.ok) return parse ? parse(res) : ((res.status === 204 ? null : await res.json()) as z.input<O>);
      const detail = `${req.method} ${req.url.split('?')[0]} answered ${res.status}${await bodySnippet(res)}`;
      // 408, 425 and 429 say the request was not processed; a 5xx does not say.
      if (TRANSIENT.has(res.status) || (res.status >= 500 && spec.idempotent)) {
        throw new RetryableError(detail, { retryAfterMs: retryAfterMs(res.headers.get('retry-after')) });
      }
      if (res.status >= 500) throw new HttpOutcomeUnknownError(detail);
      throw new NonRetryableError(detail, { code: 'http_client_error', details: { status: res.status } });
    },
  });
}

/**
 * `Retry-After` (delta-seconds or an HTTP date) in milliseconds, if present and sane.
 *
 * @example
 * ```ts
 * retryAfterMs('3'); // 3000
 * ```
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function bodySnippet(res: Response): Promise<string> {
  try {
    const text = (await res.text()).trim();
    return text ? `: ${text.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}
