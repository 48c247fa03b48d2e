/**
 * @module http/routes-costs
 * The model-call cost ledger: a run's cost, and the caller's tenant's totals by workflow,
 * tenant or day.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { CostService } from '../service/costs.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { scopeOf } from './request-scope.js';
import { CostReportSchema, RunCostSchema } from './response-schemas.js';

/** A date (`2026-01-31`, midnight UTC) or a date-time with an offset. */
const Instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((s) => new Date(s));

/** The cost operations, as the routes and the OpenAPI document use them. */
export const costOperations = {
  getRunCost: defineOperation({
    method: 'get', path: '/v1/runs/{id}/cost', operationId: 'getRunCost', tag: 'costs', permission: 'read',
    summary: "A run's model calls, their cost and its budget counters",
    params: z.object({ id: z.string().min(1).max(200) }),
    responses: { 200: { description: "The run's cost", schema: RunCostSchema } },
    errors: ['run_not_found'],
  }),
  getCostReport: defineOperation({
    method: 'get', path: '/v1/costs', operationId: 'getCostReport', tag: 'costs', permission: 'read',
    summary: "The tenant's model-call totals by workflow, tenant or UTC day",
    query: z.strictObject({
      groupBy: z.enum(['workflow', 'tenant', 'day']).default('workflow'),
      from: Instant.optional().describe('Inclusive start: a date (midnight UTC) or a date-time with an offset'),
      to: Instant.optional().describe('Exclusive end: a date (midnight UTC) or a date-time with an offset'),
    }),
    responses: { 200: { description: 'The report', schema: CostReportSchema } },
  }),
};

/**
 * Cost routes.
 *
 * @example
 * ```ts
 * app.use(costRoutes(costService));
 * ```
 */
export function costRoutes(costs: CostService): Router {
  const r = Router();
  const ops = costOperations;
  route(r, ops.getRunCost, async (req, res) => {
    res.json(await costs.forRun(scopeOf(res), parseOperation(ops.getRunCost, req).params.id));
  });
  route(r, ops.getCostReport, async (req, res) => {
    res.json(await costs.report(scopeOf(res), parseOperation(ops.getCostReport, req).query));
  });
  return r;
}
