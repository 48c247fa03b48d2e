/**
 * @module http/routes-dead-letters
 * The dead-letter list and its actions.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { DeadLetterService } from '../service/dead-letters.js';
import { scopeOf } from './request-scope.js';
import { parseRequest } from './validate.js';

const Id = z.object({ runId: z.string().min(1).max(300) });
const ListQuery = z.strictObject({
  status: z.enum(['open', 'retried', 'discarded']).optional(),
  workflow: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: z.string().min(1).max(500).optional(),
});
const RetryBody = z.union([
  z.undefined(),
  z.strictObject({ fromStep: z.number().int().min(0).max(2_147_483_647).optional(), reason: z.string().max(2000).optional(), by: z.string().min(1).max(320).optional() }),
]);
const DiscardBody = z.strictObject({ reason: z.string().min(1).max(2000), by: z.string().min(1).max(320).optional() });

/**
 * Dead-letter routes.
 *
 * @example
 * ```ts
 * app.use('/v1', deadLetterRoutes(deadLetterService));
 * ```
 */
export function deadLetterRoutes(deadLetters: DeadLetterService): Router {
  const r = Router();
  r.get('/dead-letters', async (req, res) => {
    res.json(await deadLetters.list(scopeOf(res), parseRequest(ListQuery, req.query, 'query')));
  });
  r.get('/dead-letters/:runId', async (req, res) => {
    res.json(await deadLetters.get(scopeOf(res), parseRequest(Id, req.params, 'params').runId));
  });
  r.post('/dead-letters/:runId/retry', async (req, res) => {
    const { runId } = parseRequest(Id, req.params, 'params');
    const body = parseRequest(RetryBody, req.body, 'body') ?? {};
    res.json(await deadLetters.retry(scopeOf(res, body.by), runId, { fromStep: body.fromStep, reason: body.reason }));
  });
  r.post('/dead-letters/:runId/discard', async (req, res) => {
    const { runId } = parseRequest(Id, req.params, 'params');
    const body = parseRequest(DiscardBody, req.body, 'body');
    res.json(await deadLetters.discard(scopeOf(res, body.by), runId, body.reason));
  });
  return r;
}
