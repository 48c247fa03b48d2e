/**
 * @module events/wait-for-event
 * `waitForEvent`: a workflow waits durably for an external event correlated by (type, key) —
 * a police report for claim 42 — with a timeout that survives restarts. An event that arrived
 * before the wait began is found at once.
 */
import { createHash } from 'node:crypto';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { toMs, type Duration } from '../durations.js';
import { getWait, lockCorrelation, markDelivered, markTimedOut, openWait, type EventRow } from '../store/events.js';
import { enterWaitingPhase, leaveWaitingPhase, resumeRunningPhase } from '../store/runs.js';
import { waitOn } from './durable-wait.js';
import { runContext } from './run-context.js';

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

/** What {@link waitForEvent} waits for. */
export interface EventWaitOptions {
  /**
   * The webhook source the event must come from (`POST /v1/events/{source}`, signed with that
   * source's secret): another source's event, even with the same type and key, never reaches
   * the wait.
   */
  source: string;
  type: string;
  key: string;
  timeoutMs?: Duration;
}

/**
 * Waits for an event of `type` about `key` from webhook source `source`. The run's phase is
 * `waiting_for_event` meanwhile.
 *
 * @example
 * ```ts
 * const r = await waitForEvent<{ reportNo: string }>({ source: 'police', type: 'police_report.received', key: claimId, timeoutMs: 2 * DAY });
 * if (r.status === 'timed_out') await notifyAdjuster(claimId);
 * ```
 */
export async function waitForEvent<T = unknown>(opts: EventWaitOptions): Promise<EventWaitResult<T>> {
  const ctx = await runContext('waitForEvent');
  const { runId } = ctx;
  const timeoutMs = opts.timeoutMs === undefined ? undefined : toMs(opts.timeoutMs, 'timeoutMs');
  const opened = await DBOS.runStep(
    async () => {
      const id = `wait_${createHash('sha256').update(`${runId}:${DBOS.stepID ?? 0}`).digest('hex').slice(0, 24)}`;
      const deadlineMs = timeoutMs === undefined ? null : ctx.clock.now() + timeoutMs;
      return ctx.db.tx(ctx.scope, async (client) => {
        await lockCorrelation(client, ctx.scope.tenantId, opts.type, opts.key);
        const existing = await getWait(client, id);
        let early: ReceivedEvent | undefined = existing?.event ? toReceived(existing.event) : undefined;
        if (early) {
          // This step ran before and opened the wait (the run went to waiting_for_event), but
          // its worker died before the checkpoint and the event came meanwhile: the run has its
          // answer, so it is running again, as the message path below would have said.
          await leaveWaitingPhase(client, runId, 'waiting_for_event', `received ${opts.type} ${opts.key}`, { waitId: id });
        }
        if (!existing) {
          const r = await openWait(client, { id, runId, source: opts.source, type: opts.type, key: opts.key, deadlineAt: deadlineMs === null ? null : new Date(deadlineMs) });
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
  ctx.log.info({ phase: 'waiting_for_event', waitId: opened.id, type: opts.type }, 'run waits for an event');

  for (;;) {
    const msg = await waitOn<ReceivedEvent<T>>(ctx, eventTopic(opened.id), opened.deadlineMs ?? undefined);
    // The delivery moved the run back to `running` in its own transaction (EventService.ingest).
    if (msg) return { status: 'received', event: msg };
    if (opened.deadlineMs === null) continue;
    const timedOut = await DBOS.runStep(
      async () => {
        return ctx.db.tx(ctx.scope, async (client) => {
          const w = await getWait(client, opened.id, true);
          if (w?.status !== 'waiting') return false;
          await markTimedOut(client, opened.id);
          await resumeRunningPhase(client, runId, 'workflow', `no ${opts.type} for ${opts.key} before the timeout`, { waitId: opened.id });
          return true;
        });
      },
      { name: 'waymark.event.timeout' },
    );
    if (timedOut) return { status: 'timed_out' };
    // Delivered just before the deadline: its message is waiting; the next recv returns at once.
  }
}
