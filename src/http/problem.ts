/**
 * @module http/problem
 * RFC 9457 problem details: every error leaves the API as `application/problem+json` with a
 * stable `code`, never with a stack trace.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import { WaymarkError } from '../errors.js';
import type { Scope } from '../scope.js';
import { answerRequestError } from './request-errors.js';

/** The body of an error response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Sends a problem response.
 *
 * @example
 * ```ts
 * sendProblem(res, 404, 'run_not_found', 'No run with id x', { instance: req.originalUrl });
 * ```
 */
export function sendProblem(res: Response, status: number, code: string, detail: string, extra: Record<string, unknown> = {}): void {
  const body: Problem = { type: `urn:waymark:problem:${code}`, title: TITLES[status] ?? 'Error', status, detail, code, ...extra };
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

/**
 * Answers any route nothing else matched.
 *
 * @example
 * ```ts
 * app.use(notFound);
 * ```
 */
export const notFound: RequestHandler = (req, res) => {
  sendProblem(res, 404, 'route_not_found', `No route for ${req.method} ${req.path}`, { instance: req.originalUrl });
};

/** Errors from body parsing, identified by the `type` the parser sets. */
interface ParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/**
 * The last middleware: maps thrown errors to problems and logs unexpected ones server-side.
 *
 * @example
 * ```ts
 * app.use(problemHandler(log));
 * ```
 */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    // Logged with the request id when the request got that far.
    const reqLog = (res.locals.scope as Scope | undefined)?.log ?? log;
    const instance = req.originalUrl;
    if (res.headersSent) {
      // Too late for a problem document: the answer is cut off, and the cause logged.
      reqLog.error({ err, path: req.path, method: req.method }, 'error after the response started');
      res.destroy();
      return;
    }
    if (err instanceof WaymarkError) {
      // Server-side trouble (the database unreachable or timed out) is logged; the client gets the code and a plain message.
      if (err.status >= 500) reqLog.warn({ code: err.code, path: req.path, method: req.method }, err.message);
      const retryAfter = err.details?.retryAfterSeconds;
      if (err.status === 429 && typeof retryAfter === 'number') res.setHeader('retry-after', String(retryAfter));
      sendProblem(res, err.status, err.code, err.message, { instance, ...(err.details ?? {}) });
      return;
    }
    const p = err as ParserError;
    if (p.type === 'entity.parse.failed') {
      sendProblem(res, 400, 'malformed_json', 'The request body is not valid JSON', { instance });
      return;
    }
    if (p.type === 'entity.too.large') {
      sendProblem(res, 413, 'body_too_large', `The request body exceeds the limit of ${p.limit ?? '?'} bytes`, { instance });
      return;
    }
    if (answerRequestError(err, req, res, reqLog)) return;
    reqLog.error({ err, path: req.path, method: req.method }, 'unhandled error in request');
    sendProblem(res, 500, 'internal_error', 'An unexpected error occurred; it has been logged', { instance });
  };
}
