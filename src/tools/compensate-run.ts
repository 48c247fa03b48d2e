/**
 * @module tools/compensate-run
 * Sagas: when a run fails for good or is cancelled, a workflow of its own undoes the run's
 * successful calls of tools that declare `compensate`, latest first, each as a tool call with
 * key `compensate:<call key>` (so exactly once, with the tool's retry policy). The run's phase
 * goes `compensating` → `rolled_back`, or `compensation_failed` with a dead letter.
 */
import { DBOS, type DBOSClient } from '@dbos-inc/dbos-sdk';
import { ToolCallFailedError, ensureError } from '../errors.js';
import { sharedPool } from '../runtime/runtime-context.js';
import type pg from 'pg';
import { callsInFlight, compensableCalls, deadLetterCompensation, lockRunRecovery, mayCompensate } from '../store/compensation.js';
import { appendRunEvent, changePhase } from '../store/runs.js';
import { callTool } from './call-tool.js';
import { findTool } from './define-tool.js';
import { inTransaction } from '../store/transaction.js';

/** The DBOS workflow id of a run's compensation. */
export const compensationId = (runId: string): string => `${runId}.compensation`;

/** Changes the run's phase; a transition the rules refuse (already rolled back, say) is skipped. */
async function phase(runId: string, to: 'compensating' | 'rolled_back' | 'compensation_failed', reason: string, data: Record<string, unknown>): Promise<void> {
  await DBOS.runStep(
    async () => {
      try {
        await changePhase(sharedPool(), runId, to, 'system', reason, data);
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'WM001') throw e;
      }
    },
    { name: `waymark.compensation.${to}` },
  );
}

/** How long compensation waits for calls the stopped run still had executing. */
const IN_FLIGHT_WAIT_MS = 30_000;

async function compensate(runId: string, why: string): Promise<{ undone: number; failed: string | null }> {
  // A cancelled run's current step may still finish: let its calls settle before planning.
  for (let waited = 0; ; waited += 1_000) {
    const busy = await DBOS.runStep(() => callsInFlight(sharedPool(), runId), { name: 'waymark.compensation.in-flight' });
    if (busy === 0) break;
    if (waited >= IN_FLIGHT_WAIT_MS) {
      const reason = `${busy} tool call(s) of the run are still executing or retrying; their outcome is unknown`;
      await DBOS.runStep(
        async () => {
          await appendRunEvent(sharedPool(), { runId, kind: 'compensation_failed', actor: 'system', reason });
          await deadLetterCompensation(sharedPool(), runId);
        },
        { name: 'waymark.compensation.failed' },
      );
      await phase(runId, 'compensation_failed', reason, {});
      return { undone: 0, failed: 'in-flight' };
    }
    await DBOS.sleep(1_000);
  }
  const calls = await DBOS.runStep(() => compensableCalls(sharedPool(), runId), { name: 'waymark.compensation.plan' });
  if (calls.length === 0) return { undone: 0, failed: null };
  await phase(runId, 'compensating', why, { calls: calls.map((c) => c.key) });
  let undone = 0;
  for (const call of calls) {
    const tool = findTool(call.tool)?.compensation;
    let failure: string | null = tool ? null : `tool '${call.tool}' is not defined in this worker`;
    if (tool) {
      try {
        await callTool(tool, { key: call.key, input: call.args, output: call.result }, { failRunOnExhaustion: false });
      } catch (e) {
        if (!(e instanceof ToolCallFailedError)) throw e;
        failure = ensureError(e).message;
      }
    }
    if (failure !== null) {
      await DBOS.runStep(
        async () => {
          await appendRunEvent(sharedPool(), { runId, kind: 'compensation_failed', actor: 'system', reason: failure, data: { tool: call.tool, key: call.key } });
          await deadLetterCompensation(sharedPool(), runId);
        },
        { name: 'waymark.compensation.failed' },
      );
      await phase(runId, 'compensation_failed', failure, { tool: call.tool, key: call.key });
      return { undone, failed: call.key };
    }
    undone++;
    await DBOS.runStep(
      () => appendRunEvent(sharedPool(), { runId, kind: 'compensated', actor: 'system', data: { tool: call.tool, key: call.key } }),
      { name: 'waymark.compensation.done' },
    );
  }
  await phase(runId, 'rolled_back', `undid ${undone} tool call(s)`, { undone });
  return { undone, failed: null };
}

/** The compensation workflow (registered with DBOS when this module loads). */
export const compensateRun = DBOS.registerWorkflow(compensate, { name: 'waymark.compensateRun' });

/**
 * Starts the compensation of a run (idempotent: one compensation workflow per run).
 *
 * @example
 * ```ts
 * await startCompensation(pool, dbosClient, 'waymark_runs', '1.0.0', runId, 'cancelled by ops');
 * ```
 */
export async function startCompensation(
  pool: pg.Pool,
  client: DBOSClient,
  queueName: string,
  appVersion: string,
  runId: string,
  why: string,
): Promise<boolean> {
  return inTransaction(pool, async (tx) => {
    // Serialised with a dead-letter retry of the same run: never both.
    await lockRunRecovery(tx, runId);
    const ok = await mayCompensate(tx, runId);
    if (ok) {
      await client.enqueueInTransaction(tx, { queueName, workflowName: 'waymark.compensateRun', workflowID: compensationId(runId), appVersion }, runId, why);
    }
    return ok;
  });
}
