/**
 * @module http/routes-tool-calls
 * A run's tool-call ledger, and the resolution of in-doubt calls by a person.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { ToolCallService } from '../service/tool-calls.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { scopeOf } from './request-scope.js';
import { ToolCallListSchema, ToolCallSchema, ToolCallsByStatusSchema } from './response-schemas.js';

/** The tool-call operations, as the routes and the OpenAPI document use them. */
export const toolCallOperations = {
  listToolCalls: defineOperation({
    method: 'get', path: '/v1/runs/{id}/tool-calls', operationId: 'listToolCalls', tag: 'tool calls', permission: 'read',
    summary: "A run's tool calls (the ledger)",
    params: z.object({ id: z.string().min(1).max(200) }),
    responses: { 200: { description: 'The ledger entries', schema: ToolCallListSchema } },
    errors: ['run_not_found'],
  }),
  listToolCallsByStatus: defineOperation({
    method: 'get', path: '/v1/tool-calls', operationId: 'listToolCallsByStatus', tag: 'tool calls', permission: 'read',
    summary: "The tenant's tool calls in one status, oldest first (by default the in-doubt calls waiting for a person)",
    query: z.strictObject({
      status: z.enum(['started', 'succeeded', 'failed', 'in_doubt', 'reconciled']).default('in_doubt'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
    responses: { 200: { description: 'The calls', schema: ToolCallsByStatusSchema } },
  }),
  resolveToolCall: defineOperation({
    method: 'post', path: '/v1/runs/{id}/tool-calls/{key}/resolve', operationId: 'resolveToolCall', tag: 'tool calls', permission: 'operate',
    summary: 'Resolve an in-doubt tool call: it happened (with its output) or it did not (the run calls the tool again)',
    params: z.object({ id: z.string().min(1).max(200), key: z.string().min(1).max(1000) }),
    body: z.discriminatedUnion('happened', [
      z.strictObject({ happened: z.literal(true), output: z.unknown(), comment: z.string().max(2000).optional() }),
      z.strictObject({ happened: z.literal(false), comment: z.string().max(2000).optional() }),
    ]),
    responses: { 200: { description: 'The resolved call', schema: ToolCallSchema } },
    errors: ['run_not_found', 'tool_call_not_found', 'tool_call_not_in_doubt', 'tool_unknown', 'invalid_output'],
  }),
};

/**
 * Tool-call routes.
 *
 * @example
 * ```ts
 * app.use(toolCallRoutes(toolCallService));
 * ```
 */
export function toolCallRoutes(toolCalls: ToolCallService): Router {
  const r = Router();
  const ops = toolCallOperations;
  route(r, ops.listToolCalls, async (req, res) => {
    const { id } = parseOperation(ops.listToolCalls, req).params;
    res.json({ runId: id, toolCalls: await toolCalls.list(scopeOf(res), id) });
  });
  // Across the tenant's runs: the in-doubt calls waiting for a person, by default.
  route(r, ops.listToolCallsByStatus, async (req, res) => {
    const { status, limit } = parseOperation(ops.listToolCallsByStatus, req).query;
    res.json({ toolCalls: await toolCalls.listByStatus(scopeOf(res), status, limit) });
  });
  route(r, ops.resolveToolCall, async (req, res) => {
    const { params, body } = parseOperation(ops.resolveToolCall, req);
    res.json(await toolCalls.resolve(scopeOf(res), params.id, params.key, body));
  });
  return r;
}
