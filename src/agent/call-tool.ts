/**
 * @module tools/call-tool
 * `callTool`: the one way a workflow calls a tool. Each attempt is a DBOS step that records
 * its intent and outcome in the ledger around the tool's `run`; the waits between attempts
 * are durable DBOS sleeps; a call left without outcome by a crash is detected on recovery and
 * handled by the tool's nature — never blindly repeated.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { z } from 'zod';
import { NonRetryableError, RetryableError, ToolCallFailedError, ToolTimeoutError, WaymarkError } from '../errors.js';
import { isClockWake } from '../runtime/clock.js';
import {
  beginWriteAttempt,
  markAttemptInDoubt,
  markInDoubt,
  recordFailure,
  recordInvalidCall,
  recordReadSuccess,
  recordWriteSuccess,
  startAttemptAfterReconcile,
  type CallFacts,
  type WriteDecision,
} from '../store/tool-calls.js';
import { runContext, type RunContext } from './run-context.js';
import { setRunPhase } from './run-phase.js';
import { DEFAULT_RETRY_BUDGET, formatIssues } from './workflows.js';
import type { Tool } from './define-tool.js';
import { backoffMs, classifyError, type RecordedError } from './retry-policy.js';
import { redact, toolCallKey } from './tool-keys.js';

/** How often a call waits for another run that is executing the same business key. */
const BUSY_POLL_MS = 1_000;
/** How long one wait for a person's resolution lasts before waiting again (durably). */
const RESOLUTION_WAIT_SECONDS = 24 * 3600;

/** A person's answer to an in-doubt call, as sent to the waiting run. */
export interface ToolCallResolution {
  happened: boolean;
  /** The call's result, when it happened. */
  output?: unknown;
}

/**
 * The DBOS message topic on which a run waits for the resolution of call `key`.
 *
 * @example
 * ```ts
 * await DBOS.send(runId, { happened: false }, resolutionTopic(key));
 * ```
 */
export function resolutionTopic(key: string): string {
  return `waymark.tool-call:${key}`;
}

/** Options of one call. */
export interface CallOptions {
  /**
   * When the tool exhausts its attempts or the run its retry budget, move the run's phase to
   * `failed` before throwing (default true). Calls whose failure the workflow tolerates (a
   * reminder that could not be delivered) pass false.
   */
  failRunOnExhaustion?: boolean;
}

type FinalReason = 'permanent' | 'attempts_exhausted' | 'retry_budget_exhausted' | 'invalid_output';

type AttemptOutcome =
  | { kind: 'done'; output: unknown }
  | { kind: 'busy' }
  | { kind: 'wait'; delayMs: number }
  | { kind: 'in_doubt' }
  | { kind: 'failed'; reason: FinalReason; error: RecordedError; attempts: number };

/**
 * Calls `tool` from inside a DBOS workflow: validated arguments, a deterministic idempotency
 * key, the ledger, retries with durable full-jitter backoff, and in-doubt handling after a
 * crash. A call whose key already succeeded returns the recorded result without calling the
 * tool. Throws {@link ToolCallFailedError} when the call fails for good.
 *
 * @example
 * ```ts
 * @Waymark.workflow({ name: 'remind', description: 'Sends a reminder', input: z.object({ to: z.string() }) })
 * static async remind(input: { to: string }) {
 *   const { messageId } = await callTool(sendEmail, { to: input.to, subject: 'Reminder', body: '...' });
 *   return messageId;
 * }
 * ```
 */
export async function callTool<I extends z.ZodType, O extends z.ZodType>(
  tool: Tool<I, O>,
  args: z.input<I>,
  opts: CallOptions = {},
): Promise<z.output<O>> {
  const ctx = await runContext(`callTool('${tool.name}')`);
  const { runId } = ctx;
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) {
    const key = toolCallKey(tool.name, args, runId);
    const message = `Invalid arguments for tool '${tool.name}': ${formatIssues(parsed.error)}`;
    const error: RecordedError = { name: 'ToolInputError', message, code: 'tool_input_invalid', retryable: false };
    await DBOS.runStep(
      () => ctx.db.tx(ctx.scope, (q) => recordInvalidCall(q, facts(tool, key, runId, DBOS.stepID ?? 0, args), error)),
      { name: `tool:${tool.name}` },
    );
    throw new ToolCallFailedError('tool_input_invalid', message, { tool: tool.name, key, attempts: 0 });
  }
  const input = parsed.data;
  const key = toolCallKey(tool.name, input, runId, tool.key?.(input));
  let callSite: number | undefined;
  for (let loop = 1; ; loop++) {
    // Secret output fields stay out of DBOS's checkpoint: the step records them redacted and
    // hands the live value to this execution only. After a recovery they read [redacted].
    let live: { output: unknown } | undefined;
    const { outcome, site } = await DBOS.runStep(
      async () => {
        const s = callSite ?? DBOS.stepID ?? 0;
        const o = await attemptCall(ctx, tool, input, facts(tool, key, runId, s, input), loop);
        if (o.kind === 'done' && tool.secret.length > 0) {
          live = { output: o.output };
          return { outcome: { kind: 'done' as const, output: redact(o.output, tool.secret) }, site: s };
        }
        return { outcome: o, site: s };
      },
      { name: `tool:${tool.name}` },
    );
    callSite = site;
    switch (outcome.kind) {
      case 'done':
        return (live ? live.output : outcome.output) as z.output<O>;
      case 'busy':
        await DBOS.sleep(BUSY_POLL_MS);
        break;
      case 'wait':
        await DBOS.sleep(outcome.delayMs);
        break;
      case 'in_doubt': {
        const resolution = await waitForResolution(tool.name, key);
        if (resolution.happened) return resolution.output as z.output<O>;
        break; // it did not happen: the next attempt calls the tool again
      }
      case 'failed':
        return fail(tool.name, key, outcome, opts.failRunOnExhaustion ?? true);
    }
  }
}

function facts(tool: Tool, key: string, runId: string, callSite: number, input: unknown): CallFacts {
  return {
    runId, callSite, key, tool: tool.name, effect: tool.effect, idempotent: tool.idempotent,
    compensable: tool.compensate !== undefined, args: redact(input, tool.secret),
  };
}

async function fail(tool: string, key: string, o: Extract<AttemptOutcome, { kind: 'failed' }>, failRun: boolean): Promise<never> {
  const code = o.reason === 'permanent' ? 'tool_call_failed' : o.reason === 'invalid_output' ? 'tool_output_invalid' : o.reason;
  const what =
    o.reason === 'attempts_exhausted' ? `failed after ${o.attempts} attempts`
    : o.reason === 'retry_budget_exhausted' ? 'failed and the run has no retries left in its budget'
    : o.reason === 'invalid_output' ? 'returned output that does not match its schema'
    : 'failed with a permanent error';
  const message = `Tool '${tool}' ${what}: ${o.error.message}`;
  if (failRun && (o.reason === 'attempts_exhausted' || o.reason === 'retry_budget_exhausted')) {
    await setRunPhase('failed', { reason: message, data: { tool, key, attempts: o.attempts, lastError: o.error, cause: o.reason } });
  }
  throw new ToolCallFailedError(code, message, { tool, key, attempts: o.attempts });
}

/** Escalates the run and waits durably until a person says whether the call happened. */
async function waitForResolution(tool: string, key: string): Promise<ToolCallResolution> {
  await setRunPhase('escalated', {
    reason: `Tool call '${tool}' is in doubt: it may or may not have happened. Resolve it to continue.`,
    data: { tool, key },
  });
  for (;;) {
    const msg = await DBOS.recv<ToolCallResolution>(resolutionTopic(key), RESOLUTION_WAIT_SECONDS);
    if (msg && !isClockWake(msg)) {
      await setRunPhase('running', { reason: `Tool call '${tool}' resolved: ${msg.happened ? 'it happened' : 'it did not happen, retrying'}`, data: { tool, key } });
      return msg;
    }
  }
}

/** One attempt, run inside a DBOS step. */
async function attemptCall(ctx: RunContext, tool: Tool, input: unknown, f: CallFacts, loop: number): Promise<AttemptOutcome> {
  if (tool.effect === 'read') return execute(ctx, tool, input, f, loop, undefined);
  let d: WriteDecision | undefined;
  // Undefined: another run inserted the row between our read and insert; decide again on its row.
  while (!d) d = await ctx.db.tx(ctx.scope, (q) => beginWriteAttempt(q, f, { hasReconcile: tool.reconcile !== undefined }));
  switch (d.decision) {
    case 'done':
      return { kind: 'done', output: d.output };
    case 'busy':
      return { kind: 'busy' };
    case 'wait':
      return { kind: 'wait', delayMs: d.delayMs };
    case 'in_doubt':
      return { kind: 'in_doubt' };
    case 'failed': {
      const error = d.error as RecordedError & { finalReason?: FinalReason };
      return { kind: 'failed', reason: error.finalReason ?? 'permanent', error, attempts: d.attempts };
    }
    case 'reconcile':
      return reconcile(ctx, tool, input, f, d.total);
    case 'run':
      return execute(ctx, tool, input, f, d.attempt, d.total);
  }
}

/** Asks the tool whether an in-doubt call happened; runs it again only on a clear "no". */
async function reconcile(ctx: RunContext, tool: Tool, input: unknown, f: CallFacts, total: number): Promise<AttemptOutcome> {
  let answer: unknown;
  try {
    answer = await withTimeout(tool.reconcile!(input, { idempotencyKey: f.key }), tool.timeoutMs, new AbortController());
  } catch {
    // No clear answer: never guess. A person decides.
    await ctx.db.tx(ctx.scope, (q) => markInDoubt(q, f));
    return { kind: 'in_doubt' };
  }
  if (answer === null || answer === undefined) {
    const d = await ctx.db.tx(ctx.scope, (q) => startAttemptAfterReconcile(q, f));
    if (d.decision !== 'run') throw new WaymarkError('ledger_conflict', `Tool call ${f.key} changed while it was reconciled`);
    return execute(ctx, tool, input, f, d.attempt, d.total);
  }
  const parsed = tool.output.safeParse(answer);
  if (!parsed.success) {
    await ctx.db.tx(ctx.scope, (q) => markInDoubt(q, f));
    return { kind: 'in_doubt' };
  }
  if (!(await ctx.db.tx(ctx.scope, (q) => recordWriteSuccess(q, f, total, redact(parsed.data, tool.secret), 'reconciled')))) fenced(f);
  return { kind: 'done', output: parsed.data };
}

/** Runs the tool once and records the outcome; `total` is the ledger attempt of a write. */
async function execute(ctx: RunContext, tool: Tool, input: unknown, f: CallFacts, attempt: number, total: number | undefined): Promise<AttemptOutcome> {
  const ctrl = new AbortController();
  // Cancelling the run aborts a read at once; a write is let finish, so that its outcome is
  // known (and can be compensated) rather than abandoned half-way.
  const cancel = tool.effect === 'read' ? DBOS.stepStatus?.cancelSignal : undefined;
  const signal = cancel ? AbortSignal.any([ctrl.signal, cancel]) : ctrl.signal;
  let error: RecordedError;
  let outcome: 'failed' | 'timed_out' = 'failed';
  try {
    const raw = await withTimeout(tool.run(input, { idempotencyKey: f.key, signal, attempt }), tool.timeoutMs, ctrl, new ToolTimeoutError(tool.name, tool.timeoutMs));
    const parsed = tool.output.safeParse(raw);
    if (parsed.success) {
      const stored = redact(parsed.data, tool.secret);
      if (total === undefined) await ctx.db.tx(ctx.scope, (q) => recordReadSuccess(q, f, attempt, stored));
      else if (!(await ctx.db.tx(ctx.scope, (q) => recordWriteSuccess(q, f, total, stored, 'succeeded')))) fenced(f);
      return { kind: 'done', output: parsed.data };
    }
    error = { name: 'ToolOutputError', code: 'tool_output_invalid', message: `Invalid output from tool '${tool.name}': ${formatIssues(parsed.error)}`, retryable: false };
  } catch (e) {
    if (e instanceof ToolTimeoutError) outcome = 'timed_out';
    error = e instanceof ToolTimeoutError ? { name: e.name, message: e.message, retryable: true } : classifyError(e);
    // A non-idempotent write that timed out, was aborted or failed ambiguously may have acted:
    // calling it again could repeat the side effect. Only an explicit RetryableError ("nothing
    // happened") or NonRetryableError is trusted; anything else is in doubt, like a crash.
    if (total !== undefined && !tool.idempotent && !(e instanceof RetryableError) && !(e instanceof NonRetryableError)) {
      if (!(await ctx.db.tx(ctx.scope, (q) => markAttemptInDoubt(q, f, total, error, tool.reconcile === undefined)))) fenced(f);
      return tool.reconcile ? reconcile(ctx, tool, input, f, total) : { kind: 'in_doubt' };
    }
  }
  const delayMs = backoffMs(tool.retry, attempt, error.retryAfterMs);
  const plan = await ctx.db.tx(ctx.scope, (q) =>
    recordFailure(q, f, { attempt, total, error, outcome, maxAttempts: tool.retry.maxAttempts, delayMs, defaultBudget: DEFAULT_RETRY_BUDGET }),
  );
  if (plan.fenced) fenced(f);
  if (plan.retry) return { kind: 'wait', delayMs };
  const reason: FinalReason = error.code === 'tool_output_invalid' ? 'invalid_output' : (plan.reason ?? 'permanent');
  return { kind: 'failed', reason, error, attempts: attempt };
}

/**
 * This execution lost the call: another one took it over (after a takeover of its run) or a
 * person resolved it. Recording nothing, it stops here; DBOS's ownership check keeps its step
 * from being checkpointed.
 */
function fenced(f: CallFacts): never {
  throw new WaymarkError('ledger_conflict', `Tool call ${f.key} is no longer this execution's to record (taken over or resolved meanwhile); nothing was recorded`);
}

/** Resolves with `p`, or rejects with `timeoutError` (aborting `ctrl`) once `ms` elapse. */
function withTimeout<T>(p: Promise<T>, ms: number, ctrl: AbortController, timeoutError: Error = new Error(`timed out after ${ms} ms`)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ctrl.abort(timeoutError);
        reject(timeoutError);
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
