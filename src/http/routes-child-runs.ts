/**
 * @module http/routes-child-runs
 * A run's child runs (started with `startChildren`): `GET /v1/runs/{id}/children`.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { RunService } from '../service/runs.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { scopeOf } from './request-scope.js';
import { ChildRunsSchema } from './response-schemas.js';

/** The child-run operations, as the routes and the OpenAPI document use them. */
export const childRunOperations = {
  getRunChildren: defineOperation({
    method: 'get', path: '/v1/runs/{id}/children', operationId: 'getRunChildren', tag: 'runs', permission: 'read',
    summary: "A run's child runs, in the order it started them (the first 1000)",
    description: 'Each child with its workflow, status and phase; `held` while its call\'s concurrency cap keeps it waiting. ' +
      'Every child is a run of its own: `GET /v1/runs/{childId}`, and `GET /v1/runs?parent={id}` pages them.',
    params: z.object({ id: z.string().min(1).max(200) }),
    responses: { 200: { description: "The run's children", schema: ChildRunsSchema } },
    errors: ['run_not_found'],
  }),
};

/**
 * Child-run routes.
 *
 * @example
 * ```ts
 * app.use(childRunRoutes(runService));
 * ```
 */
export function childRunRoutes(runs: RunService): Router {
  const r = Router();
  route(r, childRunOperations.getRunChildren, async (req, res) => {
    const { id } = parseOperation(childRunOperations.getRunChildren, req).params;
    res.json({ runId: id, children: await runs.children(scopeOf(res), id) });
  });
  return r;
}
