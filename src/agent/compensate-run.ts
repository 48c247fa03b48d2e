/**
 * @module agent/compensate-run
 * Sagas: when a run fails for good or is cancelled, a workflow of its own undoes the run's
 * successful calls of tools that declare `compensate`, latest first, each as a tool call with
 * key `compensate:<call key>` (so exactly once, with the tool's retry policy). The run's phase
 * goes `compensating` → `rolled_back`, or `compensation_failed` with a dead letter. The runtime
 * registers the workflow before DBOS launches ({@link registerCompensationWorkflow}).
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { ToolCallFailedError, ensureError } from '../errors.js';
import { callsInFlight, compensableCalls, deadLetterCompensation } from '../store/compensation.js';
import { appendRunEvent } from '../store/runs.js';
import { callTool } from './call-tool.js';
import { toolCatalog } from './define-tool.js';
import { runContext, type RunContext } from './run-context.js';
import { setRunPhaseIfAllowed } from './run-phase.js';
import { metrics } from '../telemetry/metrics.js';

/** The DBOS name of the compensation workflow (enqueued by the run service and housekeeping). */
export const COMPENSATION_WORKFLOW = 'waymark.compensateRun';

/** Changes the run's phase; a transition the rules refuse (already rolled back, say) is skipped. */
function phase(runId: string, to: 'compensating' | 'rolled_back' | 'compensation_failed', reason: string, data: Record<string, unknown>): Promise<void> {
  return setRunPhaseIfAllowed(runId, to, 'system', reason, data, `waymark.compensation.${to}`);
}

/** Records why compensation stopped, with an open dead letter for the run. */
async function recordFailure(ctx: RunContext, runId: string, reason: string, data?: Record<string, unknown>): Promise<void> {
  await DBOS.runStep(
    () => ctx.db.tx(ctx.scope, async (q) => {
      await appendRunEvent(q, { runId, kind: 'compensation_failed', actor: 'system', reason, data });
      await deadLetterCompensation(q, runId);
    }),
    { name: 'waymark.compensation.failed' },
  );
}

/** How long compensation waits for calls the stopped run still had executing. */
const IN_FLIGHT_WAIT_MS = 30_000;

async function compensate(runId: string, why: string): Promise<{ undone: number; failed: string | null }> {
  const ctx = await runContext('the compensation workflow');
  // A cancelled run's current step may still finish: let its calls settle before planning.
  for (let waited = 0; ; waited += 1_000) {
    const busy = await DBOS.runStep(() => ctx.db.read(ctx.scope, (q) => callsInFlight(q, runId)), { name: 'waymark.compensation.in-flight' });
    if (busy === 0) break;
    if (waited >= IN_FLIGHT_WAIT_MS) {
      const reason = `${busy} tool call(s) of the run are still executing or retrying; their outcome is unknown`;
      await recordFailure(ctx, runId, reason);
      await phase(runId, 'compensation_failed', reason, {});
      return { undone: 0, failed: 'in-flight' };
    }
    await DBOS.sleep(1_000);
  }
  const calls = await DBOS.runStep(() => ctx.db.read(ctx.scope, (q) => compensableCalls(q, runId)), { name: 'waymark.compensation.plan' });
  if (calls.length === 0) return { undone: 0, failed: null };
  await phase(runId, 'compensating', why, { calls: calls.map((c) => c.key) });
  let undone = 0;
  for (const call of calls) {
    const tool = toolCatalog.find(call.tool)?.compensation;
    let failure: string | null = tool ? null : `tool '${call.tool}' is not defined in this worker`;
    if (tool) {
      try {
        await callTool(tool, { key: call.key, input: call.args, output: call.result }, { failRunOnExhaustion: false });
      } catch (e) {
        if (!(e instanceof ToolCallFailedError)) throw e;
        failure = ensureError(e).message;
      }
    }
    metrics.compensations.inc({ tool: call.tool, outcome: failure === null ? 'undone' : 'failed' });
    if (failure !== null) {
      await recordFailure(ctx, runId, failure, { tool: call.tool, key: call.key });
      await phase(runId, 'compensation_failed', failure, { tool: call.tool, key: call.key });
      return { undone, failed: call.key };
    }
    undone++;
    await DBOS.runStep(
      () => ctx.db.tx(ctx.scope, (q) => appendRunEvent(q, { runId, kind: 'compensated', actor: 'system', data: { tool: call.tool, key: call.key } })),
      { name: 'waymark.compensation.done' },
    );
  }
  await phase(runId, 'rolled_back', `undid ${undone} tool call(s)`, { undone });
  return { undone, failed: null };
}

let registered = false;

/**
 * Registers the compensation workflow with DBOS (once per process, before launch).
 *
 * @example
 * ```ts
 * registerCompensationWorkflow();
 * await DBOS.launch();
 * ```
 */
export function registerCompensationWorkflow(): void {
  if (registered) return;
  DBOS.registerWorkflow(compensate, { name: COMPENSATION_WORKFLOW });
  registered = true;
}
