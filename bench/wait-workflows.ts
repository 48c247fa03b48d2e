/**
 * Workflows of the waits benchmark (`npm run bench:waits`), registered with DBOS at module
 * load. Both kinds wait for one message with the same 7-day timeout, then run the same marker
 * step:
 *   - approvalWait: `requestApproval` (a Waymark run), woken by `POST /v1/approvals/{id}/decision`
 *     or `approvals.decide()`;
 *   - bareWait:     a raw `DBOS.recv(topic)`, woken by `DBOSClient.send`.
 * The marker step's body records when it starts (`performance.timeOrigin + performance.now()`,
 * epoch ms with sub-ms resolution) and returns that value, so it is also checkpointed as the
 * step's output.
 */
import { performance } from 'node:perf_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { z } from 'zod';
import { Waymark, requestApproval } from '../src/index.js';

/** The topic a bare waiter receives on. */
export const BARE_TOPIC = 'bench.wake';
/** The same far timeout requestApproval uses when it has no reminder or deadline. */
const WAIT_TIMEOUT_S = 7 * 24 * 3600;

const markerWaiters = new Map<string, (epochMs: number) => void>();

/**
 * Resolves with the epoch ms at which run `runId`'s marker step starts its body. `atOnce` is
 * called synchronously from the step body (before any statement the step issues afterwards).
 */
export function awaitMarker(runId: string, atOnce?: (epochMs: number) => void): Promise<number> {
  return new Promise((resolve) => markerWaiters.set(runId, (t) => {
    markerWaiters.delete(runId);
    atOnce?.(t);
    resolve(t);
  }));
}

/** Epoch ms with sub-millisecond resolution, on the same clock as the marker step. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export class BenchWaits {
  /** The "next step" after the wait: records and returns the time its body started. */
  @DBOS.step()
  static async marker(): Promise<number> {
    const t = nowMs();
    const id = DBOS.workflowID;
    if (id !== undefined) markerWaiters.get(id)?.(t);
    return t;
  }

  /** A Waymark approval (no reminders, escalations or deadline; no notification channel), then the marker. */
  @Waymark.workflow({
    name: 'bench.approval-wait',
    description: 'Benchmark: waits for one approval, then runs a marker step.',
    input: z.object({ n: z.number().int() }),
  })
  static async approvalWait(input: { n: number }): Promise<number> {
    await requestApproval({ title: `bench approval ${input.n}`, proposal: { n: input.n }, assignees: { users: ['bench'] } });
    return BenchWaits.marker();
  }

  /** Only the marker: how long a started run takes to reach its first step. */
  @Waymark.workflow({ name: 'bench.first-step', description: 'Benchmark: one marker step.', input: z.object({}) })
  static async firstStep(_input: Record<string, never>): Promise<number> {
    return BenchWaits.marker();
  }

  /** A bare DBOS wait for one message, then the marker. */
  @DBOS.workflow()
  static async bareWait(_input: { n: number }): Promise<number> {
    await DBOS.recv<unknown>(BARE_TOPIC, { timeoutSeconds: WAIT_TIMEOUT_S });
    return BenchWaits.marker();
  }
}

export const benchApprovalWait = Waymark.definitionOf(BenchWaits.approvalWait);
export const benchFirstStep = Waymark.definitionOf(BenchWaits.firstStep);
