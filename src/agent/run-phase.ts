/**
 * @module agent/run-phase
 * Changing a run's business phase from inside its workflow, durably and exactly once.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { RunPhase } from '../phases.js';
import { changePhase, changePhaseIfAllowed } from '../store/runs.js';
import { contextForRun, findRunContext } from './run-context.js';

/**
 * Moves the calling run to `phase` (for example `escalated`), recording an audit event.
 * Runs as a DBOS step: after a crash it is replayed from its checkpoint, and a repeat finds
 * the run already in that phase and writes nothing. A transition that the phase rules do not
 * allow throws `PhaseTransitionError`. In a workflow not started through Waymark it does
 * nothing.
 *
 * @example
 * ```ts
 * @Waymark.workflow({ name: 'review', description: 'Reviews an invoice', input: Invoice })
 * static async review(input: z.infer<typeof Invoice>) {
 *   if (input.amount > 10_000) await setRunPhase('escalated', { reason: 'amount over limit' });
 * }
 * ```
 */
export async function setRunPhase(phase: RunPhase, opts: { reason?: string; data?: Record<string, unknown> } = {}): Promise<void> {
  const ctx = await findRunContext('setRunPhase');
  await DBOS.runStep(
    async () => {
      // A workflow started with plain DBOS (no Waymark run) has no phase to change.
      if (!ctx) return;
      const from = await ctx.db.tx(ctx.scope, (q) => changePhase(q, ctx.runId, phase, 'workflow', opts.reason, opts.data));
      // Logged where the change is made, not on replay: one line per change.
      if (from !== null) ctx.log.info({ phase, from, reason: opts.reason }, 'run phase changed');
    },
    { name: `waymark.setRunPhase:${phase}` },
  );
}

/**
 * Like {@link setRunPhase} for Waymark's own bookkeeping: a transition the rules refuse (the run
 * already rolled back, say) is skipped instead of failing the workflow.
 *
 * @example
 * ```ts
 * await setRunPhaseIfAllowed(runId, 'compensating', 'system', 'the run failed', {}, 'waymark.compensation.compensating');
 * ```
 */
export async function setRunPhaseIfAllowed(runId: string, phase: RunPhase, actor: string, reason: string, data: Record<string, unknown>, stepName: string): Promise<void> {
  const ctx = await contextForRun(runId);
  await DBOS.runStep(
    async () => {
      if (!ctx) return;
      if (await ctx.db.tx(ctx.scope, (q) => changePhaseIfAllowed(q, runId, phase, actor, reason, data))) ctx.log.info({ phase, reason }, 'run phase changed');
    },
    { name: stepName },
  );
}
