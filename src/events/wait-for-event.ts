/**
 * @module events/wait-for-event
 * `waitForEvent`: a workflow waits durably for an external event correlated by (type, key) —
 * a police report for claim 42 — with a timeout that survives restarts. An event that arrived
 * before the wait began is found at once.
 */
import { createHash } from 'node:crypto';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { WaymarkError } from '../errors.js';
import { setRunPhase } from '../run-phase.js';
import { sharedPool } from '../runtime/runtime-context.js';
import { getWait, lockCorrelation, markDelivered, markTimedOut, openWait, type EventRow } from '../store/events.js';
import { enterWaitingPhase } from '../store/runs.js';
import { inTransaction } from '../store/transaction.js';

/** An event as a waiting run receives it. */
export interface ReceivedEvent<T = unknown> {
  source: string;
  id: string;
  type: string;
  key: string;
  data: T;
  receivedAt: string;
}

/** What {@link waitForEvent} returns. */
export type EventWaitResult<T = unknown> = { status: 'received'; event: ReceivedEvent<T> } | { status: 'timed_out' };

/**
 * The DBOS topic on which wait `waitId` receives its event.
 *
 * @example
 * ```ts
 * await DBOS.send(runId, event, eventTopic(waitId));
 * ```
 */
export function eventTopic(waitId: string): string {
  return `waymark.event:${waitId}`;
}

const toReceived = (e: EventRow): ReceivedEvent => ({
  source: e.source, id: e.event_id, type: e.type, key: e.key, data: e.data, receivedAt: new Date(e.received_at).toISOString(),
});

/**
 * Waits for an event of `type` about `key`. The run's phase is `waiting_for_event` meanwhile.
 *
 * @example
 * ```ts
 * const r = await waitForEvent<{ reportNo: string }>({ type: 'police_report.received', key: claimId, timeoutMs: 2 * DAY });
 * if (r.status === 'timed_out') await notifyAdjuster(claimId);
 * ```
 */
export async function waitForEvent<T = unknown>(opts: { type: string; key: string; timeoutMs?: number }): Promise<EventWaitResult<T>> {
  const runId = DBOS.workflowID;
  if (runId === undefined || !DBOS.isInWorkflow()) throw new WaymarkError('not_in_workflow', 'waitForEvent must be called from a workflow function');
  const opened = await DBOS.runStep(
    async () => {
      const id = `wait_${createHash('sha256').update(`${runId}:${DBOS.stepID ?? 0}`).digest('hex').slice(0, 24)}`;
      const deadlineMs = opts.timeoutMs === undefined ? null : Date.now() + opts.timeoutMs;
      return inTransaction(sharedPool(), async (client) => {
        const tenant = await client.query<{ tenant_id: string }>('SELECT tenant_id FROM waymark.runs WHERE id = $1', [runId]);
        if (!tenant.rows[0]) throw new WaymarkError('event_wait_requires_run', 'waitForEvent needs a run started through Waymark');
        await lockCorrelation(client, tenant.rows[0].tenant_id, opts.type, opts.key);
        const existing = await getWait(client, id);
        let early: ReceivedEvent | undefined = existing?.event ? toReceived(existing.event) : undefined;
        if (!existing) {
          const r = await openWait(client, { id, runId, type: opts.type, key: opts.key, deadlineAt: deadlineMs === null ? null : new Date(deadlineMs) });
          if (r?.early) {
            await markDelivered(client, id, r.early.source, r.early.event_id);
            early = toReceived(r.early);
          } else {
            await enterWaitingPhase(client, runId, 'waiting_for_event', `waiting for ${opts.type} ${opts.key}`, { waitId: id, type: opts.type, key: opts.key });
          }
        }
        return { id, deadlineMs, early: early ?? null };
      });
    },
    { name: 'waymark.event.wait' },
  );
  if (opened.early) return { status: 'received', event: opened.early as ReceivedEvent<T> };

  for (;;) {
    const msg = await DBOS.recv<ReceivedEvent<T>>(eventTopic(opened.id), opened.deadlineMs === null ? { timeoutSeconds: 7 * 24 * 3600 } : { deadlineEpochMS: opened.deadlineMs });
    if (msg) {
      await setRunPhase('running', { reason: `received ${opts.type} ${opts.key}`, data: { waitId: opened.id } });
      return { status: 'received', event: msg };
    }
    if (opened.deadlineMs === null) continue;
    const timedOut = await DBOS.runStep(
      async () => {
        return inTransaction(sharedPool(), async (client) => {
          const w = await getWait(client, opened.id, true);
          if (w?.status === 'waiting') await markTimedOut(client, opened.id);
          return w?.status === 'waiting';
        });
      },
      { name: 'waymark.event.timeout' },
    );
    if (timedOut) {
      await setRunPhase('running', { reason: `no ${opts.type} for ${opts.key} before the timeout`, data: { waitId: opened.id } });
      return { status: 'timed_out' };
    }
    // Delivered just before the deadline: its message is waiting; the next recv returns at once.
  }
}
