/**
 * @module http/routes-health
 * `GET /healthz` (the process answers) and `GET /readyz` (the database answers too).
 */
import { Router } from 'express';
import type pg from 'pg';
import { sendProblem } from './problem.js';

/**
 * Health routes.
 *
 * @example
 * ```ts
 * app.use(healthRoutes(pool));
 * ```
 */
export function healthRoutes(pool: pg.Pool): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (req, res) => {
    try {
      await pool.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch {
      sendProblem(res, 503, 'database_unavailable', 'The database is not reachable', { instance: req.originalUrl });
    }
  });
  return r;
}
