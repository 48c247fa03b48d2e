/**
 * @module http/origin-guard
 * Keeps browsers on other sites from acting through a user's reach of the API (CSRF): a
 * request carrying a foreign `Origin` (or `Sec-Fetch-Site: cross-site`) is refused unless the
 * origin is allowed for CORS, and a state-changing request must prove it is not a plain HTML
 * form or `fetch` without preflight: a JSON body, or the header {@link CSRF_HEADER}. Servers
 * (webhook senders, scripts) send neither `Origin` nor `Sec-Fetch-Site` and pass with a JSON body.
 */
import type { Request, RequestHandler, Response } from 'express';
import { hostName } from './host-guard.js';
import { sendProblem } from './problem.js';

/** The header a state-changing request without a JSON body must carry (any non-empty value, e.g. `1`). */
export const CSRF_HEADER = 'x-waymark-csrf';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = `authorization, content-type, idempotency-key, x-request-id, ${CSRF_HEADER}`;
const EXPOSED_HEADERS = 'location, retry-after, x-request-id';

/**
 * Middleware for cross-origin requests and CSRF. `corsOrigins` are browser origins allowed to
 * call the API (they get CORS headers and answered preflights); none by default.
 *
 * @example
 * ```ts
 * app.use(originGuard(['https://console.example.com']));
 * ```
 */
export function originGuard(corsOrigins: readonly string[]): RequestHandler {
  const cors = new Set(corsOrigins);
  return (req, res, next) => {
    const origin = req.get('origin');
    const corsAllowed = origin !== undefined && cors.has(origin);
    if (corsAllowed) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      if (req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined) {
        res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
        res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
        res.setHeader('access-control-max-age', '600');
        res.status(204).end();
        return;
      }
    }
    // CORS answers differ by Origin: caches must keep them apart.
    if (cors.size > 0) res.vary('origin');
    if (!corsAllowed && (isForeignOrigin(req, origin) || req.get('sec-fetch-site') === 'cross-site')) {
      refuse(res, 'cross_origin_request', 'Requests from another origin are refused; allow the origin with WAYMARK_CORS_ORIGINS');
      return;
    }
    if (STATE_CHANGING.has(req.method) && !declaresJson(req) && !req.get(CSRF_HEADER)) {
      // A body of another type (what an HTML form sends) is refused as such; so is no body at all.
      if (hasBody(req)) sendProblem(res, 415, 'unsupported_media_type', 'Request bodies must be application/json');
      else refuse(res, 'csrf_header_required', `A ${req.method} request needs a JSON body (Content-Type: application/json) or the header ${CSRF_HEADER}: 1`);
      return;
    }
    next();
  };
}

function hasBody(req: Request): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The request says its body is JSON. Browsers send such a request cross-origin only after a
 * preflight, which no foreign origin passes.
 */
function declaresJson(req: Request): boolean {
  const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/**
 * An `Origin` other than the server's own (same host and port as `Host`); `null` is foreign.
 *
 * @example
 * ```ts
 * if (isForeignOrigin(req, req.get('origin'))) refuse();
 * ```
 */
export function isForeignOrigin(req: Request, origin: string | undefined): boolean {
  if (origin === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return true;
  }
  const host = req.headers.host?.trim().toLowerCase();
  return host === undefined || hostName(host) === undefined || url.host.toLowerCase() !== withoutDefaultPort(host, url.protocol);
}

/** `Host` as `URL.host` spells it: a default port (80 for http, 443 for https) is dropped. */
function withoutDefaultPort(host: string, protocol: string): string {
  const port = protocol === 'https:' ? ':443' : ':80';
  return host.endsWith(port) ? host.slice(0, -port.length) : host;
}

function refuse(res: Response, code: string, detail: string): void {
  sendProblem(res, 403, code, detail);
}
