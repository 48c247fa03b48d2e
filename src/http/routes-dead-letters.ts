/**
 * @module http/routes-dead-letters
 * The dead-letter list and its actions.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { DeadLetterService } from '../service/dead-letters.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { actingAs, scopeOf } from './request-scope.js';
import { DeadLetterPageSchema, DeadLetterSchema } from './response-schemas.js';

const Id = z.object({ runId: z.string().min(1).max(300) });
const By = z.string().min(1).max(320).optional().describe('Who acts: if given, it must be the authenticated principal');

/** The dead-letter operations, as the routes and the OpenAPI document use them. */
export const deadLetterOperations = {
  listDeadLetters: defineOperation({
    method: 'get', path: '/v1/dead-letters', operationId: 'listDeadLetters', tag: 'dead letters', permission: 'read',
    summary: 'List dead letters (runs that failed for good), newest first',
    query: z.strictObject({
      status: z.enum(['open', 'retried', 'discarded']).optional(),
      workflow: z.string().min(1).max(200).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(20),
      cursor: z.string().min(1).max(500).optional(),
    }),
    responses: { 200: { description: 'A page of dead letters', schema: DeadLetterPageSchema } },
    errors: ['invalid_cursor'],
  }),
  getDeadLetter: defineOperation({
    method: 'get', path: '/v1/dead-letters/{runId}', operationId: 'getDeadLetter', tag: 'dead letters', permission: 'read',
    summary: 'A dead letter', params: Id,
    responses: { 200: { description: 'The dead letter', schema: DeadLetterSchema } },
    errors: ['dead_letter_not_found'],
  }),
  retryDeadLetter: defineOperation({
    method: 'post', path: '/v1/dead-letters/{runId}/retry', operationId: 'retryDeadLetter', tag: 'dead letters', permission: 'operate',
    summary: 'Retry from the failing step (a fork; earlier steps are not run again)', params: Id,
    body: z.strictObject({ fromStep: z.number().int().min(0).max(2_147_483_647).optional(), reason: z.string().max(2000).optional(), by: By }),
    bodyOptional: true,
    responses: { 200: { description: 'The dead letter, retried (retryRunId names the fork)', schema: DeadLetterSchema } },
    errors: ['dead_letter_not_found', 'dead_letter_not_open', 'run_compensated', 'invalid_from_step', 'fork_inside_wait', 'actor_mismatch'],
  }),
  discardDeadLetter: defineOperation({
    method: 'post', path: '/v1/dead-letters/{runId}/discard', operationId: 'discardDeadLetter', tag: 'dead letters', permission: 'operate',
    summary: 'Discard a dead letter: kept for audit, never retried', params: Id,
    body: z.strictObject({ reason: z.string().min(1).max(2000), by: By }),
    responses: { 200: { description: 'The discarded dead letter', schema: DeadLetterSchema } },
    errors: ['dead_letter_not_found', 'dead_letter_not_open', 'actor_mismatch'],
  }),
};

/**
 * Dead-letter routes.
 *
 * @example
 * ```ts
 * app.use(deadLetterRoutes(deadLetterService));
 * ```
 */
export function deadLetterRoutes(deadLetters: DeadLetterService): Router {
  const r = Router();
  const ops = deadLetterOperations;
  route(r, ops.listDeadLetters, async (req, res) => {
    res.json(await deadLetters.list(scopeOf(res), parseOperation(ops.listDeadLetters, req).query));
  });
  route(r, ops.getDeadLetter, async (req, res) => {
    res.json(await deadLetters.get(scopeOf(res), parseOperation(ops.getDeadLetter, req).params.runId));
  });
  route(r, ops.retryDeadLetter, async (req, res) => {
    const { params, body = {} } = parseOperation(ops.retryDeadLetter, req);
    res.json(await deadLetters.retry(actingAs(res, body.by), params.runId, { fromStep: body.fromStep, reason: body.reason }));
  });
  route(r, ops.discardDeadLetter, async (req, res) => {
    const { params, body } = parseOperation(ops.discardDeadLetter, req);
    res.json(await deadLetters.discard(actingAs(res, body.by), params.runId, body.reason));
  });
  return r;
}
