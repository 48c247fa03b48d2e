/**
 * @module http/routes-console-session
 * The console's sign-in (`POST /console/session`: an API key for a session cookie), who the
 * caller is (`GET`) and sign-out (`DELETE`). How the cookie authenticates later requests, and
 * what it must prove, is in `console-session.ts`.
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { WaymarkError } from '../errors.js';
import type { ConsoleSessionService, SessionPrincipal } from '../service/console-sessions.js';
import { SECURE_SESSION_COOKIE, SESSION_COOKIE, assertConsoleRequest } from './console-session.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { CSRF_HEADER } from './origin-guard.js';
import { scopeOf } from './request-scope.js';
import { ConsoleSessionSchema } from './response-schemas.js';

const SET_COOKIE = {
  'set-cookie': `The session cookie: \`${SESSION_COOKIE}\` (\`${SECURE_SESSION_COOKIE}\` over TLS), HttpOnly, SameSite=Strict, Path=/`,
};

/** The console's session operations, as the routes and the OpenAPI document use them. */
export const consoleSessionOperations = {
  signInConsole: defineOperation({
    method: 'post', path: '/console/session', operationId: 'signInConsole', tag: 'console', auth: 'none',
    summary: 'Sign in to the console: exchange an API key for a session cookie',
    description:
      'The key is sent in the body, not as a bearer header; the answer sets the session cookie and names the key and the ' +
      `session's CSRF token, which state-changing requests made with the cookie send in \`${CSRF_HEADER}\`. ` +
      'Refused from another origin (even one allowed for CORS).',
    body: z.strictObject({ apiKey: z.string().min(1).max(200) }),
    responses: { 200: { description: 'Signed in', schema: ConsoleSessionSchema, headers: SET_COOKIE } },
    errors: ['unauthenticated', 'database_unavailable', 'database_timeout'],
  }),
  getConsoleSession: defineOperation({
    method: 'get', path: '/console/session', operationId: 'getConsoleSession', tag: 'console',
    summary: "Who the caller is, and (with the session cookie) the session's CSRF token and expiry",
    description: 'With an API key instead of the cookie, `csrfToken` and `expiresAt` are null.',
    responses: { 200: { description: 'The caller', schema: ConsoleSessionSchema } },
  }),
  signOutConsole: defineOperation({
    method: 'delete', path: '/console/session', operationId: 'signOutConsole', tag: 'console',
    summary: 'Sign out of the console: the session ends and its cookie is cleared',
    responses: { 204: { description: 'Signed out (the cookie is cleared)', headers: SET_COOKIE } },
  }),
};

function setCookie(req: Request, res: Response, value: string, maxAgeSeconds: number): void {
  const name = req.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  const attrs = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (req.secure) attrs.push('Secure');
  res.append('set-cookie', attrs.join('; '));
}

/** What the session routes answer: who the caller is, and its session's CSRF token and expiry. */
export interface ConsoleSessionView {
  name: string;
  tenantId: string;
  roles: readonly string[];
  keyId: string;
  /** Null when the caller used an API key rather than the cookie. */
  csrfToken: string | null;
  expiresAt: string | null;
}

function describe(p: SessionPrincipal | { name: string; tenantId: string; roles: readonly string[]; keyId: string }, csrfToken: string | null, expiresAt: Date | null): ConsoleSessionView {
  return { name: p.name, tenantId: p.tenantId, roles: p.roles, keyId: p.keyId, csrfToken, expiresAt: expiresAt?.toISOString() ?? null };
}

/**
 * `POST /console/session`: signs in with `{ apiKey }`, sets the cookie, answers who the key is
 * and the session's CSRF token. Mounted before API-key authentication.
 *
 * @example
 * ```ts
 * app.use(consoleSignIn(sessions));
 * ```
 */
export function consoleSignIn(sessions: ConsoleSessionService): Router {
  const r = Router();
  route(r, consoleSessionOperations.signInConsole, express.json({ limit: '4kb' }), async (req, res) => {
    assertConsoleRequest(req, undefined);
    const { apiKey } = parseOperation(consoleSessionOperations.signInConsole, req).body;
    const session = await sessions.signIn(apiKey.trim(), res.locals.requestId as string);
    if (!session) throw new WaymarkError('unauthenticated', 'This API key is not valid (unknown, mistyped or revoked)');
    setCookie(req, res, session.token, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
    res.setHeader('cache-control', 'no-store');
    res.json(describe(session.principal, session.csrfToken, session.expiresAt));
  });
  return r;
}

/**
 * `GET /console/session` (who the caller is, and the session's CSRF token) and
 * `DELETE /console/session` (sign-out: the session ends and the cookie is cleared). Mounted
 * after authentication.
 *
 * @example
 * ```ts
 * app.use(consoleSessionRoutes(sessions));
 * ```
 */
export function consoleSessionRoutes(sessions: ConsoleSessionService): Router {
  const r = Router();
  route(r, consoleSessionOperations.getConsoleSession, (_req, res) => {
    const session = res.locals.session as SessionPrincipal | undefined;
    const s = scopeOf(res);
    res.setHeader('cache-control', 'no-store');
    res.json(describe({ name: s.actor, tenantId: s.tenantId, roles: s.roles, keyId: s.keyId ?? '' }, session?.csrfToken ?? null, session?.expiresAt ?? null));
  });
  route(r, consoleSessionOperations.signOutConsole, async (req, res) => {
    const session = res.locals.session as SessionPrincipal | undefined;
    if (session) await sessions.signOut(scopeOf(res), session.sessionId);
    setCookie(req, res, '', 0);
    res.status(204).end();
  });
  return r;
}
