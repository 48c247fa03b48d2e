/**
 * @module http/routes-workflows
 * `GET /v1/workflows`: what a client can start, with each input's JSON Schema.
 */
import { Router } from 'express';
import type { WorkflowRegistry } from '../agent/workflows.js';
import { defineOperation, route } from './operation.js';
import { WorkflowListSchema } from './response-schemas.js';

/** The workflow operations, as the routes and the OpenAPI document use them. */
export const workflowOperations = {
  listWorkflows: defineOperation({
    method: 'get', path: '/v1/workflows', operationId: 'listWorkflows', tag: 'workflows', permission: 'read',
    summary: 'The workflows a run can start, with the JSON Schema of each input and the business states each declares',
    responses: { 200: { description: 'The registered workflows', schema: WorkflowListSchema } },
  }),
};

/**
 * Workflow listing routes.
 *
 * @example
 * ```ts
 * app.use(workflowRoutes(registry));
 * ```
 */
export function workflowRoutes(registry: WorkflowRegistry): Router {
  const r = Router();
  route(r, workflowOperations.listWorkflows, (_req, res) => {
    res.json({
      workflows: registry.list().map((w) => ({ name: w.name, description: w.description, inputSchema: w.inputJsonSchema, states: w.states ?? null })),
    });
  });
  return r;
}
