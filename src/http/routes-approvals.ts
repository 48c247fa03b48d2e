/**
 * @module http/routes-approvals
 * The approval inbox and decisions.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { ApprovalService } from '../service/approvals.js';
import { scopeOf } from './request-scope.js';
import { parseRequest } from './validate.js';

const Id = z.object({ id: z.string().min(1).max(200) });
const ListQuery = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled']).optional(),
  assignee: z.string().min(1).max(320).optional(),
  role: z.string().min(1).max(200).optional(),
  runId: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: z.string().min(1).max(500).optional(),
});
const DecisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  edits: z.unknown().optional(),
  comment: z.string().max(5000).optional(),
  /** Who decides, until authentication supplies it. */
  by: z.string().min(1).max(320).optional(),
});

/**
 * Approval routes.
 *
 * @example
 * ```ts
 * app.use('/v1', approvalRoutes(approvalService));
 * ```
 */
export function approvalRoutes(approvals: ApprovalService): Router {
  const r = Router();
  r.get('/approvals', async (req, res) => {
    res.json(await approvals.list(scopeOf(res), parseRequest(ListQuery, req.query, 'query')));
  });
  r.get('/approvals/:id', async (req, res) => {
    res.json(await approvals.get(scopeOf(res), parseRequest(Id, req.params, 'params').id));
  });
  r.post('/approvals/:id/decision', async (req, res) => {
    const { id } = parseRequest(Id, req.params, 'params');
    const body = parseRequest(DecisionBody, req.body, 'body');
    res.json(await approvals.decide(scopeOf(res, body.by), id, body));
  });
  return r;
}
