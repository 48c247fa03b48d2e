/**
 * @module http/routes-tool-calls
 * A run's tool-call ledger, and the resolution of in-doubt calls by a person.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { ToolCallService } from '../service/tool-calls.js';
import { scopeOf } from './request-scope.js';
import { parseRequest } from './validate.js';

const Params = z.object({ id: z.string().min(1).max(200), key: z.string().min(1).max(1000) });
const RunParams = z.object({ id: z.string().min(1).max(200) });
const ResolveBody = z.discriminatedUnion('happened', [
  z.strictObject({ happened: z.literal(true), output: z.unknown(), comment: z.string().max(2000).optional() }),
  z.strictObject({ happened: z.literal(false), comment: z.string().max(2000).optional() }),
]);

/**
 * Tool-call routes.
 *
 * @example
 * ```ts
 * app.use('/v1', toolCallRoutes(toolCallService));
 * ```
 */
export function toolCallRoutes(toolCalls: ToolCallService): Router {
  const r = Router();
  r.get('/runs/:id/tool-calls', async (req, res) => {
    const { id } = parseRequest(RunParams, req.params, 'params');
    res.json({ runId: id, toolCalls: await toolCalls.list(scopeOf(res), id) });
  });
  r.post('/runs/:id/tool-calls/:key/resolve', async (req, res) => {
    const { id, key } = parseRequest(Params, req.params, 'params');
    const body = parseRequest(ResolveBody, req.body, 'body');
    res.json(await toolCalls.resolve(scopeOf(res), id, key, body));
  });
  return r;
}
