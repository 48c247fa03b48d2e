/**
 * @module http/routes-approvals
 * The approval inbox and decisions. Deciding needs the `decide` permission and, in the service,
 * to be an assignee of the approval (or an admin).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { ApprovalService } from '../service/approvals.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { actingAs, scopeOf } from './request-scope.js';
import { ApprovalPageSchema, ApprovalSchema } from './response-schemas.js';

const Id = z.object({ id: z.string().min(1).max(200) });
const ListQuery = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled']).optional(),
  assignee: z.string().min(1).max(320).optional(),
  role: z.string().min(1).max(200).optional(),
  runId: z.string().min(1).max(200).optional(),
  mine: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('`true`: only approvals the caller may decide'),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: z.string().min(1).max(500).optional(),
});

/** The approval operations, as the routes and the OpenAPI document use them. */
export const approvalOperations = {
  listApprovals: defineOperation({
    method: 'get', path: '/v1/approvals', operationId: 'listApprovals', tag: 'approvals', permission: 'read',
    summary: 'List approvals, newest first', query: ListQuery,
    responses: { 200: { description: 'A page of approvals', schema: ApprovalPageSchema } },
    errors: ['invalid_cursor'],
  }),
  getInbox: defineOperation({
    method: 'get', path: '/v1/inbox', operationId: 'getInbox', tag: 'approvals', permission: 'read',
    summary: 'The inbox: pending approvals the caller may decide now', query: ListQuery.omit({ mine: true, status: true }),
    responses: { 200: { description: 'A page of approvals', schema: ApprovalPageSchema } },
    errors: ['invalid_cursor'],
  }),
  getApproval: defineOperation({
    method: 'get', path: '/v1/approvals/{id}', operationId: 'getApproval', tag: 'approvals', permission: 'read',
    summary: 'An approval', params: Id,
    responses: { 200: { description: 'The approval', schema: ApprovalSchema } },
    errors: ['approval_not_found'],
  }),
  decideApproval: defineOperation({
    method: 'post', path: '/v1/approvals/{id}/decision', operationId: 'decideApproval', tag: 'approvals', permission: 'decide',
    summary: 'Approve (optionally with edits) or reject a pending approval', params: Id,
    body: z.strictObject({
      decision: z.enum(['approve', 'reject']),
      edits: z.unknown().optional().describe("Changes to the proposal; must match the approval's edit schema"),
      comment: z.string().max(5000).optional(),
      by: z.string().min(1).max(320).optional().describe('Who decides: if given, it must be the authenticated principal'),
    }),
    responses: { 200: { description: 'The decided approval', schema: ApprovalSchema } },
    errors: [
      'approval_not_found', 'not_an_assignee', 'actor_mismatch', 'approval_already_decided', 'approval_expired', 'approval_cancelled',
      'approval_not_pending', 'edits_not_allowed', 'invalid_edits',
    ],
  }),
};

/**
 * Approval routes.
 *
 * @example
 * ```ts
 * app.use(approvalRoutes(approvalService));
 * ```
 */
export function approvalRoutes(approvals: ApprovalService): Router {
  const r = Router();
  const ops = approvalOperations;
  route(r, ops.listApprovals, async (req, res) => {
    res.json(await approvals.list(scopeOf(res), parseOperation(ops.listApprovals, req).query));
  });
  route(r, ops.getInbox, async (req, res) => {
    const q = parseOperation(ops.getInbox, req).query;
    res.json(await approvals.list(scopeOf(res), { ...q, status: 'pending', mine: true }));
  });
  route(r, ops.getApproval, async (req, res) => {
    res.json(await approvals.get(scopeOf(res), parseOperation(ops.getApproval, req).params.id));
  });
  route(r, ops.decideApproval, async (req, res) => {
    const { params, body } = parseOperation(ops.decideApproval, req);
    res.json(await approvals.decide(actingAs(res, body.by), params.id, { decision: body.decision, edits: body.edits, comment: body.comment }));
  });
  return r;
}
