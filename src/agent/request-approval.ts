/**
 * @module approvals/request-approval
 * `requestApproval`: a workflow asks people for a decision and waits for it durably, with
 * reminders, an escalation chain and a final deadline, all on absolute times that survive
 * restarts (a reminder due while no worker ran is sent late, once, and the rest of the
 * schedule is kept).
 */
import { createHash } from 'node:crypto';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { z } from 'zod';
import { toMs, type Duration } from '../durations.js';
import { ApprovalExpiredError, WaymarkError } from '../errors.js';
import { decideApproval, getApproval, insertApproval, recordEscalation, recordReminder, type Assignees } from '../store/approvals.js';
import { enterWaitingPhase, resumeRunningPhase } from '../store/runs.js';
import { waitOn } from './durable-wait.js';
import { applyEdits } from './json-diff.js';
import { configuredChannels, notify } from './notify.js';
import { runContext, type RunContext } from './run-context.js';
import { setRunPhase } from './run-phase.js';
import { ATTR, withSpan, type Span } from '../telemetry/tracing.js';

/** People who may decide: user ids (emails get email notifications) and/or roles. */
export interface AssigneeSpec {
  users?: string[];
  roles?: string[];
}

/** What {@link requestApproval} takes. */
export interface ApprovalRequest<P> {
  title: string;
  /** What is proposed (the drafted email, the payment): shown to reviewers, returned on approval. */
  proposal: P;
  /** What a reviewer may edit: their `edits` must parse with it and are merged into the proposal. */
  editSchema?: z.ZodType;
  assignees: AssigneeSpec;
  /** Reminders to the current assignees, after the request (e.g. `['1d', '3d']` or ms). */
  reminders?: Duration[];
  /** Hand-overs to other people, after the request (e.g. a deputy after `'5d'`). */
  escalations?: { afterMs: Duration; to: AssigneeSpec }[];
  /** The final deadline and what happens then: reject, fail the run, or continue with the proposal. */
  deadline?: { afterMs: Duration; outcome: 'reject' | 'fail' | 'continue' };
}

/** The outcome of an approval. */
export interface ApprovalDecision<P> {
  approvalId: string;
  decision: 'approved' | 'rejected';
  /** The proposal, or the proposal with the reviewer's edits (when approved). */
  value: P;
  edits: unknown;
  decidedBy: string;
  decidedAt: string;
  comment: string | null;
  /** True when the deadline decided (outcome `reject` or `continue`). */
  expired: boolean;
}

/** The message the decision API sends to the waiting run. */
export interface DecisionMessage {
  decision: 'approved' | 'rejected';
  value: unknown;
  edits: unknown;
  decidedBy: string;
  decidedAt: string;
  comment: string | null;
}

/**
 * The DBOS topic a run waits on for approval `id`.
 *
 * @example
 * ```ts
 * await DBOS.send(runId, message, approvalTopic(id));
 * ```
 */
export function approvalTopic(id: string): string {
  return `waymark.approval:${id}`;
}

type Action = { at: number; kind: 'reminder'; n: number } | { at: number; kind: 'escalation'; level: number; to: Assignees } | { at: number; kind: 'deadline' };

const norm = (a: AssigneeSpec): Assignees => ({ users: a.users ?? [], roles: a.roles ?? [] });

/**
 * Creates an approval and waits durably for the decision. Call it from a workflow of a run
 * started through Waymark.
 *
 * @example
 * ```ts
 * const d = await requestApproval({
 *   title: 'Send the outreach email to ACME',
 *   proposal: { subject, body },
 *   editSchema: z.object({ subject: z.string().optional(), body: z.string().optional() }),
 *   assignees: { users: ['rep@example.com'] },
 *   reminders: [DAY, 3 * DAY],
 *   escalations: [{ afterMs: 5 * DAY, to: { roles: ['sales-lead'] } }],
 *   deadline: { afterMs: 10 * DAY, outcome: 'reject' },
 * });
 * if (d.decision === 'approved') await callTool(sendEmail, d.value);
 * ```
 */
export async function requestApproval<P>(req: ApprovalRequest<P>): Promise<ApprovalDecision<P>> {
  return withSpan('approval', {}, (span) => awaitApproval(req, span));
}

async function awaitApproval<P>(req: ApprovalRequest<P>, span: Span): Promise<ApprovalDecision<P>> {
  const ctx = await runContext('requestApproval');
  const { runId, clock } = ctx;
  const assignees = norm(req.assignees);
  const schedule = {
    reminders: (req.reminders ?? []).map((d) => toMs(d, 'reminder')),
    escalations: (req.escalations ?? []).map((e) => ({ afterMs: toMs(e.afterMs, 'escalation'), to: norm(e.to) })),
    deadlineMs: req.deadline ? toMs(req.deadline.afterMs, 'deadline') : null,
  };
  const created = await DBOS.runStep(
    async () => {
      // Deterministic per call site, so a re-executed step finds the row it created (and its times).
      const id = `apv_${createHash('sha256').update(`${runId}:${DBOS.stepID ?? 0}`).digest('hex').slice(0, 24)}`;
      return ctx.db.tx(ctx.scope, async (q) => {
        const row = await insertApproval(q, ctx.scope.tenantId, {
          id, runId, title: req.title, proposal: req.proposal, editSchema: req.editSchema ? storableEditSchema(req.editSchema) : null,
          assignees, createdAt: new Date(clock.now()), deadlineAfterMs: schedule.deadlineMs, deadlineOutcome: req.deadline?.outcome ?? null,
        });
        if (!row) throw new WaymarkError('run_required', 'requestApproval needs a run started through Waymark');
        if (row.status === 'pending') await enterWaitingPhase(q, runId, 'waiting_for_approval', req.title, { approvalId: id });
        // The notification channels are checkpointed here, once for the approval's request,
        // reminders and escalations, rather than in a step of every notification.
        return { id, createdAtMs: row.created_at.getTime(), channels: configuredChannels() };
      });
    },
    { name: 'waymark.approval.request' },
  );
  const { id } = created;
  span.setAttribute(ATTR.approvalId, id);
  const log = ctx.log.child({ approvalId: id });
  log.info({ phase: 'waiting_for_approval' }, 'run waits for an approval');
  const announce = (n: number | 'requested' | `escalated-${number}`, kind: string, to: Assignees, subject: string): Promise<string[]> =>
    notify({
      id: `approval:${id}:${n}`, kind, subject, recipients: to,
      text: `${subject}\n\nApproval ${id} for run ${runId} waits for a decision: POST /v1/approvals/${id}/decision`,
      data: { approvalId: id, runId, title: req.title, proposal: req.proposal as unknown },
    }, created.channels);
  await announce('requested', 'approval.requested', assignees, `Approval requested: ${req.title}`);

  const actions: Action[] = [
    ...schedule.reminders.map((ms, i) => ({ at: created.createdAtMs + ms, kind: 'reminder' as const, n: i + 1 })),
    ...schedule.escalations.map((e, i) => ({ at: created.createdAtMs + e.afterMs, kind: 'escalation' as const, level: i + 1, to: e.to })),
    ...(schedule.deadlineMs !== null ? [{ at: created.createdAtMs + schedule.deadlineMs, kind: 'deadline' as const }] : []),
  ].sort((a, b) => a.at - b.at);

  let current = assignees;
  for (let i = 0; ; ) {
    const next = actions[i];
    const msg = await waitOn<DecisionMessage>(ctx, approvalTopic(id), next?.at);
    if (msg) {
      // The decision moved the run back to `running` in its own transaction (ApprovalService.decide).
      span.setAttribute(ATTR.outcome, msg.decision);
      log.info({ phase: 'running', decision: msg.decision, decidedBy: msg.decidedBy }, 'approval decided');
      // The API checked the edits against the stored JSON Schema; apply the zod schema itself too.
      const edits = msg.edits !== null && req.editSchema ? req.editSchema.parse(msg.edits) : msg.edits;
      const value = msg.decision === 'approved' && edits !== null ? applyEdits(req.proposal, edits) : msg.value;
      return { approvalId: id, ...msg, edits, value: value as P, expired: false };
    }
    if (!next) continue;
    i++;
    if (next.kind === 'reminder') {
      const channels = await announce(next.n, 'approval.reminder', current, `Reminder ${next.n}: ${req.title}`);
      await DBOS.runStep(() => ctx.db.tx(ctx.scope, (q) => recordReminder(q, id, next.n, channels)), { name: 'waymark.approval.reminded' });
    } else if (next.kind === 'escalation') {
      current = next.to;
      await DBOS.runStep(() => ctx.db.tx(ctx.scope, (q) => recordEscalation(q, id, next.level, next.to)), { name: 'waymark.approval.escalated' });
      await setRunPhase('escalated', { reason: `${req.title}: escalated (level ${next.level})`, data: { approvalId: id, to: next.to } });
      await announce(`escalated-${next.level}`, 'approval.escalated', next.to, `Escalated to you: ${req.title}`);
    } else {
      const outcome = req.deadline!.outcome;
      const expired = await DBOS.runStep(() => expire(ctx, id, outcome, req.proposal, req.title), { name: 'waymark.approval.expired' });
      if (!expired) continue; // decided just before the deadline: the message is waiting
      if (outcome === 'fail') throw new ApprovalExpiredError(id, req.title);
      return {
        approvalId: id, decision: outcome === 'continue' ? 'approved' : 'rejected', value: req.proposal, edits: null,
        decidedBy: 'system:deadline', decidedAt: new Date(next.at).toISOString(), comment: `deadline passed: ${outcome}`, expired: true,
      };
    }
  }
}

/**
 * The edit schema as JSON Schema, for the API to validate reviewers' edits. A schema that JSON
 * Schema cannot express exactly (refinements, transforms) is refused here rather than checked
 * loosely later.
 */
function storableEditSchema(schema: z.ZodType): Record<string, unknown> {
  try {
    return z.toJSONSchema(schema, { unrepresentable: 'throw' });
  } catch (e) {
    throw new WaymarkError('invalid_edit_schema', `The approval's editSchema cannot be expressed as JSON Schema: ${(e as Error).message}`);
  }
}

/** Marks a still-pending approval expired; false if a decision got there first. */
async function expire(ctx: RunContext, id: string, outcome: 'reject' | 'fail' | 'continue', proposal: unknown, title: string): Promise<boolean> {
  return ctx.db.tx(ctx.scope, async (q) => {
    const row = await getApproval(q, ctx.scope.tenantId, id, true);
    const won = row?.status === 'pending'
      && (await decideApproval(q, row, {
        status: 'expired', by: 'system:deadline', comment: `deadline passed: ${outcome}`, edits: undefined,
        finalValue: outcome === 'continue' ? proposal : null, editDiff: [],
      })) !== undefined;
    // The run goes on with the deadline's outcome (a `fail` outcome fails it instead).
    if (won && outcome !== 'fail') await resumeRunningPhase(q, ctx.runId, 'workflow', `${title}: deadline passed (${outcome})`, { approvalId: id });
    return won;
  });
}
