/**
 * @module http/routes-workflows
 * `GET /v1/workflows`: what a client can start, with each input's JSON Schema.
 */
import { Router } from 'express';
import type { WorkflowRegistry } from '../agent/workflows.js';

/**
 * Workflow listing routes.
 *
 * @example
 * ```ts
 * app.use('/v1', workflowRoutes(registry));
 * ```
 */
export function workflowRoutes(registry: WorkflowRegistry): Router {
  const r = Router();
  r.get('/workflows', (_req, res) => {
    res.json({
      workflows: registry.list().map((w) => ({ name: w.name, description: w.description, inputSchema: w.inputJsonSchema })),
    });
  });
  return r;
}
