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
import { scrubError, scrubText } from '../redact.js';
import { crashProbe } from '../runtime/crash-probe.js';
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
import { sleep, waitOn } from './durable-wait.js';
import { admitStep, beginWaitStep, breakerTopic, countOutcome, endWaitStep, wakeAfter } from './breaker-gate.js';
import { appendRunEvent } from '../store/runs.js';
import { runContext, type RunContext } from './run-context.js';
import { setRunPhase } from './run-phase.js';
import { DEFAULT_RETRY_BUDGET, formatIssues } from './workflows.js';
import { confirmAuthority } from './authority.js';
import type { Tool } from './define-tool.js';
import { backoffMs, classifyError, type RecordedError } from './retry-policy.js';
import { redact, toolCallKey } from './tool-keys.js';
import { metrics, secondsSince } from '../telemetry/metrics.js';
import { ATTR, withSpan } from '../telemetry/tracing.js';

/** How often a call waits for another run that is executing the same business key. */
const BUSY_POLL_MS = 1_000;
/** Back-offs from this long on park the run (a durable sleep); shorter ones wait in memory. */
const PARKABLE_BACKOFF_MS = 10_000;

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
  return callToolAs(tool, args, opts, false);
}

/** Thrown out of a fallback's call whose own breaker is open: the next fallback is tried. */
class FallbackBreakerOpen extends Error {}

/** `callTool`; a fallback (`asFallback`) does not wait on its own open breaker nor follow its own fallbacks. */
async function callToolAs<I extends z.ZodType, O extends z.ZodType>(tool: Tool<I, O>, args: z.input<I>, opts: CallOptions, asFallback: boolean): Promise<z.output<O>> {
  const ctx = await runContext(`callTool('${tool.name}')`);
  const { runId } = ctx;
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) {
    const key = toolCallKey(ctx.keys, tool.name, args, runId);
    const message = `Invalid arguments for tool '${tool.name}': ${formatIssues(parsed.error)}`;
    const error: RecordedError = { name: 'ToolInputError', message, code: 'tool_input_invalid', retryable: false };
    await DBOS.runStep(
      scrubbingErrors(() => ctx.db.tx(ctx.scope, (q) => recordInvalidCall(q, facts(tool, key, runId, DBOS.stepID ?? 0, args), error))),
      { name: `tool:${tool.name}` },
    );
    throw new ToolCallFailedError('tool_input_invalid', message, { tool: tool.name, key, attempts: 0 });
  }
  const input = parsed.data;
  const key = toolCallKey(ctx.keys, tool.name, input, runId, tool.key?.(input));
  return withSpan(`tool ${tool.name}`, { [ATTR.tool]: tool.name, [ATTR.toolKey]: key }, () => callWithKey(ctx, tool, input, key, opts, asFallback));
}

/** The attempts of one call, its key derived (the span of the call wraps this). */
async function callWithKey<I extends z.ZodType, O extends z.ZodType>(
  ctx: RunContext, tool: Tool<I, O>, input: z.output<I>, key: string, opts: CallOptions, asFallback: boolean,
): Promise<z.output<O>> {
  const { runId } = ctx;
  const log = ctx.log.child({ tool: tool.name, toolKey: key });
  if (tool.effect === 'write') await confirmAuthority(ctx, tool, input);
  let callSite: number | undefined;
  // Both follow from recorded steps, so a replay takes the same path.
  let waiting = false;
  let fallbacksTried = asFallback;
  const breaker = tool.breaker;
  for (let loop = 1; ; loop++) {
    if (breaker) {
      const gate = await admitStep(ctx, tool, breaker, key, waiting);
      waiting = false;
      if (gate.verdict === 'wait') {
        if (asFallback) throw new FallbackBreakerOpen(`The breaker of fallback '${tool.name}' is open`);
        if (!fallbacksTried) {
          fallbacksTried = true;
          const answer = await tryFallbacks(ctx, tool, input, key, 'breaker_open');
          if (answer) return answer.output as z.output<O>;
        }
        const since = await beginWaitStep(ctx, tool, breaker, key, gate.until);
        waiting = true;
        const giveUpAt = breaker.maxWaitMs === undefined ? undefined : since + breaker.maxWaitMs;
        if (giveUpAt !== undefined && gate.now >= giveUpAt) {
          await endWaitStep(ctx, key);
          return failBreakerOpen(tool.name, key, breaker.name, breaker.maxWaitMs!, opts.failRunOnExhaustion ?? true);
        }
        const until = gate.until === null ? giveUpAt : giveUpAt === undefined ? gate.until : Math.min(gate.until, giveUpAt);
        // Woken by the breaker's next transition, or at the next probe time: then it looks again.
        await waitOn<unknown>(ctx, breakerTopic(breaker.name), until);
        continue;
      }
    }
    // Secret output fields stay out of DBOS's checkpoint: the step records them redacted and
    // hands the live value to this execution only. After a recovery they read [redacted].
    let live: { output: unknown } | undefined;
    const { outcome, site } = await DBOS.runStep(
      scrubbingErrors(async () => {
        const s = callSite ?? DBOS.stepID ?? 0;
        const t0 = performance.now();
        const o = await attemptCall(ctx, tool, input, facts(tool, key, runId, s, input), loop);
        metrics.stepDuration.observe({ kind: 'tool' }, secondsSince(t0));
        if (o.kind === 'done' && tool.secret.length > 0) {
          live = { output: o.output };
          return { outcome: { kind: 'done' as const, output: redact(o.output, tool.secret) }, site: s };
        }
        return { outcome: o, site: s };
      }),
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
        if (outcome.delayMs >= PARKABLE_BACKOFF_MS) await sleep(outcome.delayMs);
        else await DBOS.sleep(outcome.delayMs);
        break;
      case 'in_doubt': {
        log.warn({ step: callSite }, 'tool call is in doubt: the run escalates until a person resolves it');
        const resolution = await waitForResolution(ctx, tool.name, key);
        if (resolution.happened) return resolution.output as z.output<O>;
        break; // it did not happen: the next attempt calls the tool again
      }
      case 'failed': {
        log.warn({ step: callSite, reason: outcome.reason, attempts: outcome.attempts, code: outcome.error.code }, 'tool call failed for good');
        const transient = outcome.error.retryable && (outcome.reason === 'attempts_exhausted' || outcome.reason === 'retry_budget_exhausted');
        if (transient && !fallbacksTried) {
          fallbacksTried = true;
          const answer = await tryFallbacks(ctx, tool, input, key, 'failed');
          if (answer) return answer.output as z.output<O>;
        }
        return fail(tool.name, key, outcome, opts.failRunOnExhaustion ?? true);
      }
    }
  }
}

/**
 * A step body whose thrown error is scrubbed of secrets before DBOS serialises it into the
 * step's checkpoint (and from there into the run's error and dead letter).
 */
function scrubbingErrors<T>(body: () => Promise<T>): () => Promise<T> {
  return async () => {
    try {
      return await body();
    } catch (e) {
      throw scrubError(e);
    }
  };
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
  const message = scrubText(`Tool '${tool}' ${what}: ${o.error.message}`);
  if (failRun && (o.reason === 'attempts_exhausted' || o.reason === 'retry_budget_exhausted')) {
    await setRunPhase('failed', { reason: message, data: { tool, key, attempts: o.attempts, lastError: o.error, cause: o.reason } });
  }
  throw new ToolCallFailedError(code, message, { tool, key, attempts: o.attempts });
}

async function failBreakerOpen(tool: string, key: string, breaker: string, maxWaitMs: number, failRun: boolean): Promise<never> {
  const message = `Tool '${tool}' was not called: its breaker '${breaker}' stayed open longer than the call may wait (${maxWaitMs} ms)`;
  if (failRun) await setRunPhase('failed', { reason: message, data: { tool, key, breaker, cause: 'breaker_open' } });
  throw new ToolCallFailedError('breaker_open', message, { tool, key, attempts: 0 });
}

/**
 * Calls the tool's fallbacks in order with the same arguments, each through `callTool` (its own
 * key, ledger and retries); the first whose output fits the tool's output schema answers, and
 * the run's audit trail says so (`tool_fallback_used`). Undefined when none answered.
 */
async function tryFallbacks(ctx: RunContext, tool: Tool, input: unknown, key: string, reason: 'breaker_open' | 'failed'): Promise<{ output: unknown } | undefined> {
  for (const fallback of tool.fallback) {
    let output: unknown;
    try {
      output = await callToolAs(fallback, input, { failRunOnExhaustion: false }, true);
    } catch (e) {
      if (e instanceof FallbackBreakerOpen || e instanceof ToolCallFailedError) continue;
      throw e;
    }
    const parsed = tool.output.safeParse(output);
    if (!parsed.success) {
      ctx.log.warn({ tool: tool.name, fallback: fallback.name }, 'a fallback answered with output that does not fit the tool; trying the next');
      continue;
    }
    const why = reason === 'breaker_open' ? `its breaker is open` : 'it failed for good with a transient cause';
    await DBOS.runStep(
      () => ctx.db.tx(ctx.scope, (q) => appendRunEvent(q, {
        runId: ctx.runId, kind: 'tool_fallback_used', actor: 'waymark',
        reason: `Tool '${tool.name}' was answered by its fallback '${fallback.name}': ${why}`,
        data: { tool: tool.name, fallback: fallback.name, key, reason },
      })),
      { name: 'tool:fallback' },
    );
    metrics.fallbacksUsed.inc({ tool: tool.name, fallback: fallback.name, reason });
    return { output: parsed.data };
  }
  return undefined;
}

/** Escalates the run and waits durably until a person says whether the call happened. */
async function waitForResolution(ctx: RunContext, tool: string, key: string): Promise<ToolCallResolution> {
  await setRunPhase('escalated', {
    reason: `Tool call '${tool}' is in doubt: it may or may not have happened. Resolve it to continue.`,
    data: { tool, key },
  });
  for (;;) {
    // Parks after the hot window: a person may take days.
    const msg = await waitOn<ToolCallResolution>(ctx, resolutionTopic(key), undefined);
    // The resolution moved the run back to `running` in its own transaction (ToolCallService.resolve).
    if (msg) return msg;
  }
}

/** One attempt, run inside a DBOS step. */
async function attemptCall(ctx: RunContext, tool: Tool, input: unknown, f: CallFacts, loop: number): Promise<AttemptOutcome> {
  if (tool.effect === 'read') return execute(ctx, tool, input, f, loop, undefined);
  let d: WriteDecision | undefined;
  // Undefined: another run inserted the row between our read and insert; decide again on its row.
  while (!d) d = await ctx.db.tx(ctx.scope, (q) => beginWriteAttempt(q, f, { hasReconcile: tool.reconcile !== undefined }));
  if ('recovered' in d && d.recovered) metrics.stepsReexecuted.inc({ kind: 'tool' });
  switch (d.decision) {
    case 'done':
      metrics.toolCalls.inc({ tool: tool.name, status: 'answered_from_ledger' });
      return { kind: 'done', output: d.output };
    case 'busy':
      return { kind: 'busy' };
    case 'wait':
      return { kind: 'wait', delayMs: d.delayMs };
    case 'in_doubt':
      metrics.toolCalls.inc({ tool: tool.name, status: 'in_doubt' });
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
    metrics.toolCalls.inc({ tool: tool.name, status: 'in_doubt' });
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
    metrics.toolCalls.inc({ tool: tool.name, status: 'in_doubt' });
    return { kind: 'in_doubt' };
  }
  if (!(await ctx.db.tx(ctx.scope, (q) => recordWriteSuccess(q, f, total, redact(parsed.data, tool.secret), 'reconciled')))) fenced(f);
  metrics.toolCalls.inc({ tool: tool.name, status: 'reconciled' });
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
  const t0 = performance.now();
  const observe = (status: string): void => {
    metrics.toolCalls.inc({ tool: tool.name, status });
    metrics.toolDuration.observe({ tool: tool.name, status }, secondsSince(t0));
  };
  try {
    const raw = await withTimeout(tool.run(input, { idempotencyKey: f.key, signal, attempt }), tool.timeoutMs, ctrl, new ToolTimeoutError(tool.name, tool.timeoutMs));
    // The tool acted; its outcome is not in the ledger yet: the window where a crash leaves a call in doubt.
    crashProbe()?.reach({ kind: 'after-effect', category: 'tool', name: `tool:${tool.name}`, stepId: f.callSite });
    const parsed = tool.output.safeParse(raw);
    if (parsed.success) {
      const stored = redact(parsed.data, tool.secret);
      const recorded = await ctx.db.tx(ctx.scope, async (q) => {
        if (total === undefined) await recordReadSuccess(q, f, attempt, stored);
        else if (!(await recordWriteSuccess(q, f, total, stored, 'succeeded'))) return { fenced: true as const };
        return { fenced: false as const, transition: await countOutcome(q, ctx, tool, f.key, 'success') };
      });
      if (recorded.fenced) fenced(f);
      await wakeAfter(ctx, tool, recorded.transition);
      observe('succeeded');
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
      const marked = await ctx.db.tx(ctx.scope, async (q) =>
        (await markAttemptInDoubt(q, f, total, error, tool.reconcile === undefined)) ? { transition: await countOutcome(q, ctx, tool, f.key, 'transient', error) } : undefined);
      if (!marked) fenced(f);
      await wakeAfter(ctx, tool, marked.transition);
      observe('in_doubt');
      return tool.reconcile ? reconcile(ctx, tool, input, f, total) : { kind: 'in_doubt' };
    }
  }
  const delayMs = backoffMs(tool.retry, attempt, error.retryAfterMs);
  const { plan, transition } = await ctx.db.tx(ctx.scope, async (q) => {
    const p = await recordFailure(q, f, { attempt, total, error, outcome, maxAttempts: tool.retry.maxAttempts, delayMs, defaultBudget: DEFAULT_RETRY_BUDGET });
    // A permanent answer (a 4xx, output that does not fit) shows the dependency is up.
    return { plan: p, transition: p.fenced ? undefined : await countOutcome(q, ctx, tool, f.key, error.retryable ? 'transient' : 'answered', error) };
  });
  if (plan.fenced) fenced(f);
  await wakeAfter(ctx, tool, transition);
  observe(plan.retry ? 'retry' : outcome);
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
