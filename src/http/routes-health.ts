/**
 * @module http/routes-health
 * `GET /healthz` (the process answers) and `GET /readyz` (the database answers too), without
 * authentication, for load balancers and orchestrators.
 */
import { Router } from 'express';
import type { Database } from '../store/gateway.js';
import { defineOperation, route } from './operation.js';
import { sendProblem } from './problem.js';
import { HealthSchema } from './response-schemas.js';

/** The health operations, as the routes and the OpenAPI document use them. */
export const healthOperations = {
  getHealth: defineOperation({
    method: 'get', path: '/healthz', operationId: 'getHealth', tag: 'health', auth: 'none',
    summary: 'Liveness: the process answers',
    responses: { 200: { description: 'Alive', schema: HealthSchema } },
  }),
  getReadiness: defineOperation({
    method: 'get', path: '/readyz', operationId: 'getReadiness', tag: 'health', auth: 'none',
    summary: 'Readiness: the database answers too',
    responses: { 200: { description: 'Ready', schema: HealthSchema } },
    errors: ['database_unavailable'],
  }),
};

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
  route(r, healthOperations.getHealth, (_req, res) => {
    res.json({ status: 'ok' });
  });
  route(r, healthOperations.getReadiness, async (req, res) => {
    if (await db.ping()) res.json({ status: 'ready' });
    else sendProblem(res, 503, 'database_unavailable', 'The database is not reachable', { instance: req.originalUrl });
  });
  return r;
}
