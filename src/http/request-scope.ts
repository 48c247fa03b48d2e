/**
 * @module http/request-scope
 * The HTTP edge builds each request's {@link Scope} once: tenant, actor and a request id
 * (the client's `x-request-id` when it is sane, else a fresh one, echoed in the response).
 */
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import { DEFAULT_TENANT, createScope, type Scope } from '../scope.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Middleware that attaches the request's scope.
 *
 * @example
 * ```ts
 * app.use(requestScope(log));
 * ```
 */
export function requestScope(log: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    // Until authentication lands, every caller acts for the default tenant as `api`.
    const scope = createScope({ tenantId: DEFAULT_TENANT, actor: 'api', requestId: given && REQUEST_ID.test(given) ? given : undefined }, log);
    res.locals.scope = scope;
    res.setHeader('x-request-id', scope.requestId);
    next();
  };
}

/**
 * The request's scope; `actor` overrides who acts (a reviewer named in the request, until
 * authentication supplies the principal).
 *
 * @example
 * ```ts
 * res.json(await runs.get(scopeOf(res), id));
 * ```
 */
export function scopeOf(res: Response, actor?: string): Scope {
  const scope = res.locals.scope as Scope;
  return actor === undefined ? scope : { ...scope, actor, log: scope.log.child({ actor }) };
}
