/**
 * @module http/rate-limit
 * A request budget per caller: its API key when authentication identified one
 * (`res.locals.principal.keyId`), else its client address (mounted before authentication, the
 * same middleware limits addresses; after it, keys). Counted in this process's memory
 * (rate-limiter-flexible), so with several API processes each grants the budget on its own.
 */
import type { RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { sendProblem } from './problem.js';

/**
 * Middleware allowing each caller `perMinute` requests in any minute (a fixed one-minute window,
 * so a caller may spend its whole budget at once); over it, 429 `rate_limited` with
 * `Retry-After`. `perMinute` 0 turns the limit off.
 *
 * @example
 * ```ts
 * app.use(rateLimit(600));
 * ```
 */
export function rateLimit(perMinute: number): RequestHandler {
  if (perMinute === 0) return (_req, _res, next) => next();
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return (req, res, next) => {
    const keyId = (res.locals.principal as { keyId?: unknown } | undefined)?.keyId;
    const key = typeof keyId === 'string' ? `key:${keyId}` : `addr:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
    limiter.consume(key).then(
      () => next(),
      (e: unknown) => {
        if (!(e instanceof RateLimiterRes)) {
          next(e);
          return;
        }
        const seconds = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
        res.setHeader('retry-after', String(seconds));
        sendProblem(res, 429, 'rate_limited', `Too many requests: at most ${perMinute} a minute; retry in ${seconds} s`, { retryAfterSeconds: seconds });
      },
    );
  };
}
