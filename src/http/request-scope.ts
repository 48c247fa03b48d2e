/**
 * @module http/request-scope
 * The HTTP edge builds each request's {@link Scope} once. `requestScope` gives every request an
 * id (the client's `x-request-id` when it is sane, else a fresh one, echoed in the response);
 * `authenticate` turns the `Authorization: Bearer <key>` header (or, without one, the console's
 * session cookie) into the principal the request acts as: its tenant, its name (the audit
 * actor) and its roles.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { WaymarkError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createScope, type Scope } from '../scope.js';
import type { ApiKeyService } from '../service/api-keys.js';
import type { Permission } from '../roles.js';
import { requirePermission } from '../service/permissions.js';
import type { ConsoleSessionService } from '../service/console-sessions.js';
import { assertConsoleRequest, sessionToken } from './console-session.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Middleware that gives the request its id and a logger carrying it.
 *
 * @example
 * ```ts
 * app.use(requestScope(log));
 * ```
 */
export function requestScope(log: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.locals.log = log.child({ requestId });
    res.setHeader('x-request-id', requestId);
    next();
  };
}

/**
 * Middleware that authenticates the request's API key and attaches its scope; a request
 * without a valid key is refused with 401 before anything else happens.
 *
 * @example
 * ```ts
 * app.use('/v1', authenticate(keys));
 * ```
 */
export function authenticate(keys: ApiKeyService, sessions?: ConsoleSessionService): RequestHandler {
  return async (req, res, next) => {
    const authorization = req.get('authorization');
    // The console's cookie counts only when no key is sent: a key says who the caller is.
    const token = authorization === undefined && sessions ? sessionToken(req) : undefined;
    const session = token !== undefined ? await sessions?.authenticate(token) : undefined;
    const principal = token !== undefined ? session : await keys.authenticate(authorization);
    // The client may have gone while its key was looked up: nothing left to read or answer.
    if (req.destroyed && !req.complete) {
      (res.locals.log as Logger).debug({ method: req.method, path: req.path }, 'client closed the connection before sending the whole request');
      return;
    }
    if (!principal) {
      res.setHeader('www-authenticate', 'Bearer realm="waymark"');
      throw new WaymarkError(
        'unauthenticated',
        token !== undefined ? 'The console session has ended (signed out, expired, or its key revoked): sign in again' : 'A valid API key is required: send the header `Authorization: Bearer <key>`',
      );
    }
    if (session) {
      assertConsoleRequest(req, session.csrfToken);
      res.locals.session = session;
    }
    res.locals.principal = principal;
    res.locals.scope = createScope(
      { tenantId: principal.tenantId, actor: principal.name, roles: principal.roles, keyId: principal.keyId, requestId: res.locals.requestId as string },
      res.locals.log as Logger,
    );
    next();
  };
}

/**
 * Middleware that refuses (403) a principal whose roles lack `permission`. Routes get it from
 * their operation's `permission` through `route()` (operation.ts).
 *
 * @example
 * ```ts
 * const guards = [allow('operate')];
 * ```
 */
export function allow(permission: Permission): RequestHandler {
  return (_req, res, next) => {
    requirePermission(scopeOf(res), permission);
    next();
  };
}

/**
 * Error middleware that records every 403 in the tenant's audit log (best effort: the refusal
 * stands either way), then passes the error on.
 *
 * @example
 * ```ts
 * app.use(auditRefusals(keys));
 * app.use(problemHandler(log));
 * ```
 */
export function auditRefusals(keys: ApiKeyService): ErrorRequestHandler {
  return async (err: unknown, req, res, next) => {
    const scope = res.locals.scope as Scope | undefined;
    if (scope && err instanceof WaymarkError && err.status === 403) {
      const target = `${req.method} ${req.originalUrl.split('?')[0] ?? ''}`.slice(0, 500);
      await keys.recordDenied(scope, err.code, target, err.details ?? {}).catch((e: unknown) => scope.log.warn({ err: e }, 'could not record a refused request'));
    }
    next(err);
  };
}

/**
 * The request's scope (set by {@link authenticate}).
 *
 * @example
 * ```ts
 * res.json(await runs.get(scopeOf(res), id));
 * ```
 */
export function scopeOf(res: Response): Scope {
  const scope = res.locals.scope as Scope | undefined;
  if (!scope) throw new Error('scopeOf: the route is not behind authenticate()');
  return scope;
}

/**
 * The request's scope, for a body that names who acts (`by`): it must be the authenticated
 * principal, never someone the caller chose.
 *
 * @example
 * ```ts
 * await deadLetters.discard(actingAs(res, body.by), runId, body.reason);
 * ```
 */
export function actingAs(res: Response, by: string | undefined): Scope {
  const scope = scopeOf(res);
  if (by !== undefined && by !== scope.actor) {
    throw new WaymarkError('actor_mismatch', `'by' names '${by}', but this request is made by '${scope.actor}'; leave 'by' out`);
  }
  return scope;
}
