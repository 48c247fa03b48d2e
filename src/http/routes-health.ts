/**
 * @module http/routes-health
 * `GET /healthz` (the process answers) and `GET /readyz` (the database answers too).
 */
import { Router } from 'express';
import type { Database } from '../store/gateway.js';
import { sendProblem } from './problem.js';

/**
 * Health routes.
 *
 * @example
 * ```ts
 * app.use(healthRoutes(db));
 * ```
 */
export function healthRoutes(db: Database): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (req, res) => {
    if (await db.ping()) res.json({ status: 'ready' });
    else sendProblem(res, 503, 'database_unavailable', 'The database is not reachable', { instance: req.originalUrl });
  });
  return r;
}
