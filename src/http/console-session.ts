/**
 * @module http/console-session
 * The console's session cookie. Signing in exchanges an API key for a session cookie
 * (`HttpOnly`, `SameSite=Strict`, `Path=/`, and `Secure` with the `__Host-` name prefix over
 * TLS); requests without an `Authorization` header are then authenticated by the cookie.
 *
 * A cookie is sent by the browser on its own, so a cookie-authenticated request must prove it
 * comes from the console itself: no foreign `Origin` (not even one allowed for CORS, which
 * is for bearer keys) and no cross-site or same-site `Sec-Fetch-Site`; and a state-changing
 * request carries the session's CSRF token in `x-waymark-csrf`. Requests with an API key are
 * unchanged. The routes that sign in and out are in `routes-console-session.ts`.
 */
import type { Request } from 'express';
import { WaymarkError } from '../errors.js';
import { csrfMatches } from '../service/console-sessions.js';
import { CSRF_HEADER, isForeignOrigin } from './origin-guard.js';

/** The cookie's name over plain HTTP (loopback). */
export const SESSION_COOKIE = 'waymark_session';
/** The cookie's name over TLS: the prefix makes browsers insist on `Secure`, `Path=/` and no `Domain`. */
export const SECURE_SESSION_COOKIE = '__Host-waymark_session';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The session token of the request's cookie, if any.
 *
 * @example
 * ```ts
 * const token = sessionToken(req); // 'wms_…' or undefined
 * ```
 */
export function sessionToken(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const wanted = req.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === wanted) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Refuses a request that uses the session cookie but may come from another site, or that
 * changes state without the session's CSRF token.
 *
 * @example
 * ```ts
 * if (session) assertConsoleRequest(req, session.csrfToken);
 * ```
 */
export function assertConsoleRequest(req: Request, csrfToken: string | undefined): void {
  const site = req.get('sec-fetch-site');
  if (isForeignOrigin(req, req.get('origin')) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
    throw new WaymarkError('cross_origin_request', 'A console session is used only by the console itself: requests from other origins are refused');
  }
  if (csrfToken !== undefined && STATE_CHANGING.has(req.method) && !csrfMatches(csrfToken, req.get(CSRF_HEADER))) {
    throw new WaymarkError('csrf_token_invalid', `A ${req.method} request with the console session needs the session's CSRF token in ${CSRF_HEADER}`);
  }
}
