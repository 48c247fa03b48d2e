/**
 * @module service/fork-rules
 * Whether a fork can run on its own. A fork replays the steps before `fromStep` from their
 * checkpoints and executes the rest. If an approval or event wait was opened before that point
 * and its answer arrived only after it, the fork would wait for an answer addressed to the
 * original run — for ever. Such a fork is refused.
 */

/** A recorded step of a run, as far as waits are concerned. */
export interface RecordedStep {
  id: number;
  name: string;
  /** The step's output, decoded (null for none). */
  output: unknown;
}

/** The wait a fork would be stuck in. */
export interface BlockingWait {
  /** The step that opened the approval or wait. */
  stepId: number;
  kind: 'approval' | 'event';
  /** The approval's or wait's id. */
  id: string | null;
}

const OPENS: Record<string, BlockingWait['kind']> = { 'waymark.approval.request': 'approval', 'waymark.event.wait': 'event' };

const isAnswer = (s: RecordedStep): boolean =>
  (s.name === 'DBOS.recv' && s.output !== null && typeof s.output === 'object' && !('waymarkClock' in s.output)) ||
  ((s.name === 'waymark.event.timeout' || s.name === 'waymark.approval.expired') && s.output === true);

/**
 * The first wait opened before `fromStep` whose answer (a decision, an event, a timeout, an
 * expiry) was recorded at or after `fromStep`, or never: a fork from there would wait for ever.
 *
 * @example
 * ```ts
 * const stuck = forkBlockedByWait(steps, 3);
 * if (stuck) refuse(`fork from step ${stuck.stepId} or earlier`);
 * ```
 */
export function forkBlockedByWait(steps: readonly RecordedStep[], fromStep: number): BlockingWait | null {
  const ordered = [...steps].sort((a, b) => a.id - b.id);
  for (const [i, s] of ordered.entries()) {
    const kind = OPENS[s.name];
    if (!kind || s.id >= fromStep) continue;
    const out = (s.output ?? {}) as { id?: unknown; early?: unknown };
    if (kind === 'event' && out.early !== null && out.early !== undefined) continue; // answered when it opened
    const answer = ordered.slice(i + 1).find(isAnswer);
    if (!answer || answer.id >= fromStep) return { stepId: s.id, kind, id: typeof out.id === 'string' ? out.id : null };
  }
  return null;
}
