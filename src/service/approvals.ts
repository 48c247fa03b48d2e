/**
 * @module service/approvals
 * The approval inbox and decisions. A decision and the message that wakes the waiting run
 * are written in one transaction: both happen or neither. The first decision wins.
 */
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { z } from 'zod';
import { applyEdits, jsonDiff } from '../agent/json-diff.js';
import { approvalTopic, type DecisionMessage } from '../agent/request-approval.js';
import { formatIssues } from '../agent/workflows.js';
import { ConflictError, NotFoundError, ValidationError, WaymarkError, type ErrorCode } from '../errors.js';
import type { Clock } from '../runtime/clock.js';
import type { Scope } from '../scope.js';
import { decideApproval, getApproval, listApprovals, type ApprovalRow } from '../store/approvals.js';
import type { Database } from '../store/gateway.js';
import { resumeRunningPhase } from '../store/runs.js';
import { requestWake } from '../store/parked-runs.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { resumeClaimed, type WakeDeps } from './parked-runs.js';
import { allows, isAssignee } from '../roles.js';

/** An approval as clients see it. */
export interface ApprovalView {
  id: string;
  runId: string;
  title: string;
  status: string;
  proposal: unknown;
  editSchema: Record<string, unknown> | null;
  assignees: { users: string[]; roles: string[] };
  escalationLevel: number;
  remindersSent: number;
  deadlineAt: string | null;
  deadlineOutcome: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
  edits: unknown;
  value: unknown;
  diff: unknown;
  createdAt: string;
}

/** A reviewer's decision. */
export interface DecisionRequest {
  decision: 'approve' | 'reject';
  edits?: unknown;
  comment?: string | undefined;
}

const REFUSED: Record<string, [ErrorCode, string]> = {
  approved: ['approval_already_decided', 'was already approved'],
  rejected: ['approval_already_decided', 'was already rejected'],
  expired: ['approval_expired', 'expired before a decision was made'],
  cancelled: ['approval_cancelled', 'was cancelled with its run'],
};

/**
 * Approval operations for the API and the CLI.
 *
 * @example
 * ```ts
 * await approvals.decide(scope, id, { decision: 'approve', comment: 'ok' });
 * ```
 */
export class ApprovalService {
  readonly #db: Database;
  readonly #dbos: DBOSClient;
  readonly #clock: Clock;
  readonly #wake: WakeDeps;

  constructor(deps: { db: Database; dbos: DBOSClient; clock: Clock; queueName: string }) {
    this.#db = deps.db;
    this.#dbos = deps.dbos;
    this.#clock = deps.clock;
    this.#wake = { db: deps.db, dbos: deps.dbos, queueName: deps.queueName };
  }

  /**
   * Approvals newest first, filtered by status, assignee, role or run; with `mine`, only those
   * the caller may decide (every one for an admin).
   */
  async list(
    scope: Scope,
    f: {
      status?: string | undefined; assignee?: string | undefined; role?: string | undefined; runId?: string | undefined;
      mine?: boolean | undefined; limit?: number | undefined; cursor?: string | undefined;
    } = {},
  ): Promise<{ approvals: ApprovalView[]; nextCursor: string | null }> {
    const limit = f.limit ?? 20;
    const after = f.cursor ? decodeCursor(f.cursor) : undefined;
    const decidableBy = f.mine && !allows(scope.roles, 'admin') ? { user: scope.actor, roles: scope.roles } : undefined;
    const rows = await this.#db.read(scope, (q) =>
      listApprovals(q, scope.tenantId, { status: f.status, assignee: f.assignee, role: f.role, decidableBy, runId: f.runId, limit, after }),
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { approvals: page.map(toView), nextCursor: rows.length > limit && last ? encodeCursor(last.created_key, last.id) : null };
  }

  async get(scope: Scope, id: string): Promise<ApprovalView> {
    const row = await this.#db.read(scope, (q) => getApproval(q, scope.tenantId, id));
    if (!row) throw new NotFoundError('approval_not_found', `No approval with id '${id}'`);
    return toView(row);
  }

  /**
   * Decides a pending approval. Only its current assignees (by name, or by a role the caller
   * holds) and admins may decide. Edits (approve only) must match the approval's edit schema;
   * they are merged into the proposal and stored with a diff against it.
   */
  async decide(scope: Scope, id: string, req: DecisionRequest): Promise<ApprovalView> {
    const out = await this.#db.tx(scope, async (client) => {
      const row = await getApproval(client, scope.tenantId, id, true);
      if (!row) throw new NotFoundError('approval_not_found', `No approval with id '${id}'`);
      // Who may decide is the approval's current assignees (escalations replace them).
      if (!allows(scope.roles, 'admin') && !isAssignee(scope, row.assignees)) {
        throw new WaymarkError('not_an_assignee', `'${scope.actor}' is not an assignee of approval '${id}'`, { details: { approvalId: id } });
      }
      if (row.status !== 'pending') {
        const [code, what] = REFUSED[row.status] ?? ['approval_not_pending', `is ${row.status}`];
        throw new ConflictError(code, `Approval '${id}' ${what}${row.decided_by ? ` (by ${row.decided_by})` : ''}; this decision changes nothing`);
      }
      // Past its deadline the approval's outcome is the deadline's, whether or not a worker has
      // acted on it yet (the runtime clock: a test's controllable clock too).
      if (row.deadline_at && this.#clock.now() >= row.deadline_at.getTime()) {
        throw new ConflictError('approval_expired', `Approval '${id}' passed its deadline at ${row.deadline_at.toISOString()}; its deadline outcome (${row.deadline_outcome ?? 'none'}) applies, this decision changes nothing`);
      }
      // `"edits": null` says "no edits", like leaving them out.
      const edits = req.edits === null ? undefined : req.edits;
      if (edits !== undefined && req.decision === 'reject') throw new ValidationError('Edits can only accompany an approval', undefined, 'edits_not_allowed');
      if (edits !== undefined && !row.edit_schema) throw new ValidationError(`Approval '${id}' allows no edits`, undefined, 'edits_not_allowed');
      let parsedEdits: unknown = edits;
      if (edits !== undefined) {
        const parsed = z.fromJSONSchema(row.edit_schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(edits);
        if (parsed.success) parsedEdits = parsed.data;
        if (!parsed.success) {
          throw new ValidationError(`The edits do not match what reviewers may change: ${formatIssues(parsed.error)}`, {
            issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
          }, 'invalid_edits');
        }
      }
      const approved = req.decision === 'approve';
      const value = approved ? (edits === undefined ? row.proposal : applyEdits(row.proposal, parsedEdits)) : null;
      const decided = await decideApproval(client, row, {
        status: approved ? 'approved' : 'rejected', by: scope.actor, comment: req.comment ?? null, edits: parsedEdits,
        finalValue: value, editDiff: approved ? jsonDiff(row.proposal, value) : [],
      });
      // The row is locked above: only a pending approval gets here, so the update took it.
      if (!decided) throw new ConflictError('approval_not_pending', `Approval '${id}' is no longer pending; this decision changes nothing`);
      const message: DecisionMessage = {
        decision: decided.status === 'approved' ? 'approved' : 'rejected', value: approved ? value : row.proposal, edits: parsedEdits ?? null,
        decidedBy: scope.actor, decidedAt: new Date().toISOString(), comment: req.comment ?? null,
      };
      // The run is running again from the decision on: its phase changes here, with the decision
      // (the audit time is the decision's), rather than in a step of its own after it wakes.
      const reason = `${row.title}: ${message.decision} by ${scope.actor}`;
      const from = await resumeRunningPhase(client, row.run_id, scope.actor, reason, { approvalId: id });
      await this.#dbos.sendInTransaction(client, row.run_id, message, approvalTopic(id), `decision:${id}`);
      // A parked run is claimed here, with the decision, and resumed after the commit.
      return { decided, woken: (await requestWake(client, row.run_id)) ? [row.run_id] : [], phase: from === null ? undefined : { from, reason } };
    });
    // Logged where the change is made, as setRunPhase logs its own: one line per change.
    if (out.phase) scope.log.info({ runId: out.decided.run_id, phase: 'running', from: out.phase.from, reason: out.phase.reason }, 'run phase changed');
    await resumeClaimed(this.#wake, scope, out.woken);
    return toView(out.decided);
  }
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toView(r: ApprovalRow): ApprovalView {
  return {
    id: r.id, runId: r.run_id, title: r.title, status: r.status, proposal: r.proposal, editSchema: r.edit_schema,
    assignees: r.assignees, escalationLevel: r.escalation_level, remindersSent: r.reminders_sent, deadlineAt: iso(r.deadline_at),
    deadlineOutcome: r.deadline_outcome, decidedBy: r.decided_by, decidedAt: iso(r.decided_at), comment: r.comment,
    edits: r.edits, value: r.final_value, diff: r.edit_diff, createdAt: r.created_at.toISOString(),
  };
}
