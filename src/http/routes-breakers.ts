/**
 * @module http/routes-breakers
 * Circuit breakers of tools: the list, and an operator's reset or forced opening.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { BreakerService } from '../service/breakers.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { scopeOf } from './request-scope.js';
import { BreakerListSchema, BreakerSchema } from './response-schemas.js';

/** The breaker operations, as the routes and the OpenAPI document use them. */
export const breakerOperations = {
  listBreakers: defineOperation({
    method: 'get', path: '/v1/breakers', operationId: 'listBreakers', tag: 'breakers', permission: 'read',
    summary: "Circuit breakers of tools: state, failures, when opened, next probe, the caller's waiting calls",
    description: 'Breakers are shared by every tenant (a dependency is down for everyone); waiting calls are counted in the caller\'s tenant.',
    responses: { 200: { description: 'Every breaker declared by a tool or that has failed, by name', schema: BreakerListSchema } },
  }),
  resetBreaker: defineOperation({
    method: 'post', path: '/v1/breakers/{name}/reset', operationId: 'resetBreaker', tag: 'breakers', permission: 'operate',
    summary: 'Close a breaker (calls go through again) or force it open (calls wait, no probe, until a reset)',
    description: "A breaker is shared by every tenant: only operators of tenant 'default' may change it (others get 403 forbidden). The calls waiting on it are woken to look again.",
    params: z.object({ name: z.string().min(1).max(200) }),
    body: z.strictObject({
      state: z.enum(['closed', 'open']).default('closed').describe("'closed' (default) resets it; 'open' forces it open"),
      reason: z.string().max(2000).optional(),
    }),
    bodyOptional: true,
    responses: { 200: { description: 'The breaker after the change', schema: BreakerSchema } },
    errors: ['breaker_not_found'],
  }),
};

/**
 * Breaker routes.
 *
 * @example
 * ```ts
 * app.use(breakerRoutes(breakerService));
 * ```
 */
export function breakerRoutes(breakers: BreakerService): Router {
  const r = Router();
  const ops = breakerOperations;
  route(r, ops.listBreakers, async (_req, res) => {
    res.json(await breakers.list(scopeOf(res)));
  });
  route(r, ops.resetBreaker, async (req, res) => {
    const { params, body } = parseOperation(ops.resetBreaker, req);
    res.json(await breakers.reset(scopeOf(res), params.name, { state: body?.state ?? 'closed', reason: body?.reason }));
  });
  return r;
}
