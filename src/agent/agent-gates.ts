/**
 * @module agent/agent-gates
 * The checks `runAgent` puts between the model and the world: audit events of the agent, the
 * screening hook for untrusted content, and confidence gates (a result below its threshold
 * goes to a person, whose edit is what continues).
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { z } from 'zod';
import { appendRunEvent } from '../store/runs.js';
import type { Provenance } from './agent-transcript.js';
import { requestApproval, type ApprovalDecision, type AssigneeSpec } from './request-approval.js';
import type { RunContext } from './run-context.js';

/** A screening hook's answer: let the content through, or block it (the model sees a notice). */
export type ScreenVerdict = { action: 'allow' } | { action: 'block'; reason: string };

/**
 * Inspects untrusted content before the model sees it. Called in a step of its own, so its
 * verdict is recorded and replayed after a crash.
 */
export type ScreenHook = (content: string, provenance: Provenance) => ScreenVerdict | Promise<ScreenVerdict>;

/** A confidence gate: results scored below `threshold` go to a person. */
export interface ConfidenceGate<T = unknown> {
  /** Between 0 and 1, e.g. 0.7. */
  threshold: number;
  /** A field of the (JSON) result that holds the confidence, e.g. `confidence`. */
  field?: string;
  /** Scores the result; used when there is no `field` (deterministic, or durable). */
  score?: (value: T) => number | Promise<number>;
}

/**
 * Appends an agent event to the run's audit trail, as a step.
 *
 * @example
 * ```ts
 * await recordAgentEvent(ctx, 'agent_tool_refused', `'${name}' is not allowed`, { tool: name });
 * ```
 */
export async function recordAgentEvent(ctx: RunContext, kind: string, reason: string, data: Record<string, unknown>): Promise<void> {
  await DBOS.runStep(() => ctx.db.tx(ctx.scope, (q) => appendRunEvent(q, { runId: ctx.runId, kind, actor: 'agent', reason, data })), { name: `agent:${kind}` });
}

/**
 * Runs the screening hook on content from `provenance` (in a step); a block is recorded as an
 * `agent_content_blocked` event.
 *
 * @example
 * ```ts
 * const verdict = await screenContent(ctx, screen, text, { trusted: false, source: 'tool:web.fetch' });
 * ```
 */
export async function screenContent(ctx: RunContext, screen: ScreenHook, content: string, provenance: Provenance): Promise<ScreenVerdict> {
  const verdict = await DBOS.runStep(async () => normaliseVerdict(await screen(content, provenance)), { name: 'agent:screen' });
  if (verdict.action === 'block') {
    await recordAgentEvent(ctx, 'agent_content_blocked', `Content from ${provenance.source} was blocked: ${verdict.reason}`, {
      source: provenance.source, reason: verdict.reason,
    });
  }
  return verdict;
}

function normaliseVerdict(v: ScreenVerdict | undefined): ScreenVerdict {
  return v?.action === 'block' ? { action: 'block', reason: String(v.reason) } : { action: 'allow' };
}

/**
 * The confidence of `value` by the gate: its field, else its score; undefined when neither
 * gives a number (the gate then does not apply).
 *
 * @example
 * ```ts
 * await confidenceOf({ threshold: 0.8, field: 'confidence' }, { total: 12, confidence: 0.4 }); // 0.4
 * ```
 */
export async function confidenceOf<T>(gate: ConfidenceGate<T>, value: T): Promise<number | undefined> {
  if (gate.field !== undefined) {
    const v = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[gate.field] : undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }
  if (!gate.score) return undefined;
  const s = await gate.score(value);
  return Number.isFinite(s) ? s : undefined;
}

/**
 * A result scored below its gate: recorded (`agent_low_confidence`) and sent to a person as an
 * approval of the proposal, which the reviewer may edit (by `editSchema`).
 *
 * @example
 * ```ts
 * const d = await reviewLowConfidence(ctx, { what: "tool 'ocr.read'", score: 0.3, threshold: 0.8, proposal, editSchema, assignees });
 * ```
 */
export async function reviewLowConfidence<P>(
  ctx: RunContext,
  r: { what: string; score: number; threshold: number; proposal: P; editSchema: z.ZodType | undefined; assignees: AssigneeSpec },
): Promise<ApprovalDecision<P>> {
  await recordAgentEvent(ctx, 'agent_low_confidence', `${r.what}: confidence ${r.score} below ${r.threshold}; a person reviews it`, {
    what: r.what, score: r.score, threshold: r.threshold,
  });
  return requestApproval({
    title: `Review a low-confidence result of ${r.what} (confidence ${r.score})`,
    proposal: r.proposal, ...(r.editSchema ? { editSchema: r.editSchema } : {}), assignees: r.assignees,
  });
}

/**
 * What a reviewer may change of a proposal validated by `schema`: any of an object's fields
 * (one level deep, as edits are merged), else the whole value.
 *
 * @example
 * ```ts
 * editSchemaOf(z.object({ to: z.string(), body: z.string() })); // z.object({ to: z.string().optional(), body: ... })
 * ```
 */
export function editSchemaOf(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodObject ? schema.partial() : schema;
}
