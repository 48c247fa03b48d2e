/**
 * @module agent/set-state
 * `setState`: a workflow moves its run between the business states it declared
 * (`Waymark.workflow({ states })`), durably and exactly once.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { StateTransitionError } from '../errors.js';
import { moveState, type StateMoveOutcome } from '../store/states.js';
import { findRunContext } from './run-context.js';
import { compensatedRunId } from './tool-keys.js';

/** What {@link setState} takes besides the state. */
export interface SetStateOptions {
  /** Why, for the audit trail (scrubbed of secrets). */
  reason?: string;
  /** Details for the audit trail's `state_changed` event. */
  data?: Record<string, unknown>;
}

/**
 * Moves the calling run to `state`, one of the states its workflow declared. The new state and
 * its `state_changed` audit event commit in one transaction, in a DBOS step: after a crash the
 * step answers from its checkpoint, or, when the process died between the commit and the
 * checkpoint, finds its own event and writes nothing — the move is recorded once. Moving to the
 * state the run is in does nothing.
 *
 * A move the declaration does not allow is recorded as `state_refused` (the state stays) and
 * throws a {@link StateTransitionError} (`state_transition_refused`), as does a run whose
 * workflow declared no states when it started. In a workflow started with plain DBOS (no
 * Waymark run) it does nothing.
 *
 * @example
 * ```ts
 * @Waymark.workflow({ name: 'claim', description: 'A claim', input: Claim,
 *   states: { initial: 'drafted', transitions: { drafted: ['confirmed'], confirmed: ['paid'], paid: [] } } })
 * static async claim(input: Claim) {
 *   await setState('confirmed', { reason: 'police report received' });
 * }
 * ```
 */
export async function setState(state: string, opts: SetStateOptions = {}): Promise<void> {
  const ctx = await findRunContext('setState');
  const result = await DBOS.runStep(
    async (): Promise<StateMoveOutcome> => {
      if (!ctx) return { outcome: 'no_run', to: state };
      // A compensation workflow moves the state of the run it undoes.
      const runId = compensatedRunId(ctx.runId) ?? ctx.runId;
      const step = `${ctx.runId}:${DBOS.stepID ?? 0}`;
      const r = await ctx.db.tx(ctx.scope, (q) => moveState(q, { runId, to: state, by: 'workflow', reason: opts.reason, data: opts.data, step }));
      // Logged where the move is made, not on replay.
      if (r.outcome === 'changed') ctx.log.info({ state: r.to, from: r.from, reason: opts.reason }, 'run state changed');
      if (r.outcome === 'refused') ctx.log.warn({ state: r.to, from: r.from, why: r.why }, 'run state move refused');
      return r;
    },
    // A retry after a lost commit finds the move's own event: safe to repeat.
    { name: `waymark.state:${state}`, retriesAllowed: true, maxAttempts: 4, intervalSeconds: 1, backoffRate: 2 },
  );
  if (result.outcome === 'refused') {
    throw new StateTransitionError(`State move refused: ${result.why}`, { from: result.from, to: result.to });
  }
  if (result.outcome === 'no_states') {
    throw new StateTransitionError(
      `State move to '${state}' refused: the run has no business states (its workflow declared none when the run started; declare them with Waymark.workflow({ states }))`,
      { from: null, to: state },
    );
  }
}
