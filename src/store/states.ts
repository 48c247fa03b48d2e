/**
 * @module store/states
 * SQL for a run's own business states (migration 023): the initial state when the run is
 * inserted, moves made by the workflow's code, and moves made by events delivered to the run.
 * Every move locks the run's row, decides by the declaration stored on it
 * (`store/state-rules.ts`) and writes the new state and its audit event in the caller's
 * transaction: `state_changed` or `state_refused`.
 */
import { scrubDeep, scrubText } from '../redact.js';
import type { Queryable } from './gateway.js';
import { decideStateMove, eventTarget, type StateMachine } from './state-rules.js';

/** What a move came to. */
export type StateMoveOutcome =
  | { outcome: 'changed'; from: string; to: string }
  | { outcome: 'unchanged'; from: string; to: string }
  | { outcome: 'refused'; from: string; to: string; why: string }
  /** The run has no business states (its workflow declared none when it started). */
  | { outcome: 'no_states'; to: string }
  | { outcome: 'no_run'; to: string };

/** A move asked for by someone (`by`: `workflow`, `webhook:<source>`, ...). */
export interface StateMoveRequest {
  runId: string;
  to: string;
  by: string;
  reason?: string | undefined;
  /** Extra audit details (the event that moved it, ...). */
  data?: Record<string, unknown> | undefined;
  /**
   * The workflow step making the move (`<workflow id>:<step id>`): a repeat of the step after a
   * crash answers with what was recorded the first time and writes nothing.
   */
  step?: string | undefined;
}

/**
 * Sets the initial state of a run just inserted (in the same transaction) and records it as a
 * `state_changed` from null.
 *
 * @example
 * ```ts
 * await initRunState(tx, { runId, tenantId: 'default', machine, by: 'api' });
 * ```
 */
export async function initRunState(db: Queryable, r: { runId: string; tenantId: string; machine: StateMachine; by: string }): Promise<void> {
  await db.query(
    `WITH upd AS (
       UPDATE waymark.runs SET state = $3, state_machine = $4 WHERE id = $1 AND tenant_id = $2 RETURNING id, tenant_id)
     INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data)
     SELECT id, tenant_id, 'state_changed', $5, 'initial state', jsonb_build_object('from', NULL, 'to', $3::text, 'by', $5::text, 'reason', 'initial state')
     FROM upd`,
    [r.runId, r.tenantId, r.machine.initial, JSON.stringify(r.machine), r.by],
  );
}

/**
 * Moves a run to another of its states if its declaration allows it. Locks the run's row; writes
 * the state with a `state_changed` event, or only a `state_refused` event; writes nothing when
 * the run already is in that state, or when `step` finds the step's earlier outcome.
 *
 * @example
 * ```ts
 * const r = await moveState(tx, { runId, to: 'confirmed', by: 'workflow', reason: 'report received', step: `${runId}:7` });
 * if (r.outcome === 'refused') throw new StateTransitionError(r.why);
 * ```
 */
export async function moveState(db: Queryable, m: StateMoveRequest): Promise<StateMoveOutcome> {
  // NO KEY UPDATE: a writer of a row referencing the run (a park, a wait) is not held up.
  const { rows } = await db.query<{ tenant_id: string; state: string | null; state_machine: StateMachine | null }>(
    'SELECT tenant_id, state, state_machine FROM waymark.runs WHERE id = $1 FOR NO KEY UPDATE',
    [m.runId],
  );
  const run = rows[0];
  if (!run) return { outcome: 'no_run', to: m.to };
  if (m.step !== undefined) {
    const earlier = await recordedMove(db, m.runId, m.step);
    if (earlier) return earlier;
  }
  if (!run.state_machine || run.state === null) return { outcome: 'no_states', to: m.to };
  const from = run.state;
  const decision = decideStateMove(run.state_machine, from, m.to);
  if (decision.verdict === 'unchanged') return { outcome: 'unchanged', from, to: m.to };
  const data = { ...scrubDeep(m.data ?? {}) as Record<string, unknown>, from, to: m.to, by: m.by, reason: scrub(m.reason), ...(m.step === undefined ? {} : { step: m.step }) };
  if (decision.verdict === 'refused') {
    await insertStateEvent(db, m.runId, run.tenant_id, 'state_refused', m.by, scrub(m.reason), { ...data, refusal: decision.why });
    return { outcome: 'refused', from, to: m.to, why: decision.why };
  }
  await db.query('UPDATE waymark.runs SET state = $2, updated_at = clock_timestamp() WHERE id = $1', [m.runId, m.to]);
  await insertStateEvent(db, m.runId, run.tenant_id, 'state_changed', m.by, scrub(m.reason), data);
  return { outcome: 'changed', from, to: m.to };
}

/**
 * The move an event of `type` makes on a run it was delivered to, per the run's declaration;
 * nothing when the declaration names no state for the type.
 *
 * @example
 * ```ts
 * await moveStateOnEvent(tx, { runId, type: 'police_report.received', source: 'police', eventId: 'e1', key: 'C-7' });
 * ```
 */
export async function moveStateOnEvent(
  db: Queryable,
  e: { runId: string; waitId: string; type: string; source: string; eventId: string; key: string },
): Promise<StateMoveOutcome | undefined> {
  // A cheap look first: most runs declare nothing for most events.
  const { rows } = await db.query<{ state_machine: StateMachine | null }>('SELECT state_machine FROM waymark.runs WHERE id = $1', [e.runId]);
  const machine = rows[0]?.state_machine;
  const to = machine ? eventTarget(machine, e.type) : undefined;
  if (to === undefined) return undefined;
  return moveState(db, {
    runId: e.runId, to, by: `webhook:${e.source}`, reason: `event ${e.type} ${e.key}`,
    // The wait says which step the move belongs to (for a fork's starting state).
    data: { event: { source: e.source, id: e.eventId, type: e.type, key: e.key }, waitId: e.waitId },
  });
}

/**
 * The state run `runId` was in when its step `fromStep` began, from its `state_changed` events: a
 * move by code counts when its step is earlier, a move by an event when the wait it was delivered
 * to opened at an earlier step (a fork never starts inside a wait: `service/fork-rules.ts`), the
 * initial state always. Null for a run without states.
 *
 * @example
 * ```ts
 * await recordForkState(tx, newId, await stateAtStep(tx, runId, 3));
 * ```
 */
export async function stateAtStep(db: Queryable, runId: string, fromStep: number): Promise<string | null> {
  const { rows } = await db.query<{ data: { to: string; step?: string; waitId?: string } }>(
    `SELECT e.data FROM waymark.run_events e JOIN waymark.runs r ON r.id = e.run_id
     WHERE e.run_id = $1 AND e.kind = 'state_changed' AND r.state_machine IS NOT NULL ORDER BY e.id`,
    [runId],
  );
  if (rows.length === 0) return null;
  const waits = await db.query<{ id: number; wait_id: string | null }>(
    `SELECT function_id AS id, waymark.decode_dbos_value(output)->>'id' AS wait_id FROM dbos.operation_outputs
     WHERE workflow_uuid = $1 AND function_name = 'waymark.event.wait'`,
    [runId],
  );
  const waitStep = new Map(waits.rows.map((w) => [w.wait_id, w.id]));
  let state: string | null = null;
  for (const { data } of rows) {
    const step = data.step === undefined ? undefined : Number(data.step.slice(data.step.lastIndexOf(':') + 1));
    const opened = data.waitId === undefined ? undefined : waitStep.get(data.waitId);
    if (step !== undefined && step >= fromStep) continue;
    if (opened !== undefined && opened >= fromStep) continue;
    state = data.to;
  }
  return state;
}

/**
 * Records the state a fork starts in with its starter, before DBOS creates it (the fork's run row
 * takes it when inserted).
 *
 * @example
 * ```ts
 * await recordForkState(tx, newId, 'confirmed');
 * ```
 */
export async function recordForkState(db: Queryable, forkId: string, state: string | null): Promise<void> {
  if (state !== null) await db.query('UPDATE waymark.run_starters SET state = $2 WHERE run_id = $1', [forkId, state]);
}

/** The outcome a step recorded for its move before a crash, if it did. */
async function recordedMove(db: Queryable, runId: string, step: string): Promise<StateMoveOutcome | undefined> {
  const { rows } = await db.query<{ kind: string; data: { from: string; to: string; refusal?: string } }>(
    `SELECT kind, data FROM waymark.run_events
     WHERE run_id = $1 AND kind IN ('state_changed', 'state_refused') AND data->>'step' = $2 ORDER BY id LIMIT 1`,
    [runId, step],
  );
  const r = rows[0];
  if (!r) return undefined;
  return r.kind === 'state_changed'
    ? { outcome: 'changed', from: r.data.from, to: r.data.to }
    : { outcome: 'refused', from: r.data.from, to: r.data.to, why: r.data.refusal ?? 'refused' };
}

async function insertStateEvent(db: Queryable, runId: string, tenantId: string, kind: string, by: string, reason: string | null, data: Record<string, unknown>): Promise<void> {
  await db.query(
    'INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data) VALUES ($1, $2, $3, $4, $5, $6)',
    [runId, tenantId, kind, by, reason, JSON.stringify(data)],
  );
}

/** Audit events are append-only: a secret in a reason could never be removed. */
function scrub(reason: string | undefined): string | null {
  return reason === undefined ? null : scrubText(reason);
}
