/**
 * @module run-phase
 * Changing a run's business phase from inside its workflow, durably and exactly once.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { WaymarkError } from './errors.js';
import type { RunPhase } from './phases.js';
import { sharedPool } from './runtime/runtime-context.js';
import { changePhase } from './store/runs.js';

/**
 * Moves the calling run to `phase` (for example `escalated`), recording an audit event.
 * Runs as a DBOS step: after a crash it is replayed from its checkpoint, and a repeat finds
 * the run already in that phase and writes nothing. A transition that the phase rules do not
 * allow throws (SQLSTATE WM001). In a workflow not started through Waymark it does nothing.
 *
 * @example
 * ```ts
 * @DBOS.workflow()
 * static async review(input: Invoice) {
 *   if (input.amount > 10_000) await setRunPhase('escalated', { reason: 'amount over limit' });
 * }
 * ```
 */
export async function setRunPhase(phase: RunPhase, opts: { reason?: string; data?: Record<string, unknown> } = {}): Promise<void> {
  const runId = DBOS.workflowID;
  if (runId === undefined || !DBOS.isInWorkflow()) {
    throw new WaymarkError('not_in_workflow', 'setRunPhase must be called from a workflow function');
  }
  await DBOS.runStep(
    async () => {
      try {
        await changePhase(sharedPool(), runId, phase, 'workflow', opts.reason, opts.data);
      } catch (e) {
        // A workflow started with plain DBOS (no Waymark run) has no phase to change.
        if ((e as { code?: unknown }).code !== 'P0002') throw e;
      }
    },
    { name: `waymark.setRunPhase:${phase}` },
  );
}
