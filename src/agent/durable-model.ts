/**
 * @module agent/durable-model
 * `durableModel`: any AI SDK language model, made durable inside a Waymark workflow. Each
 * provider call the AI SDK makes (`doGenerate`, `doStream`) becomes a DBOS step keyed by the
 * run and its step id, recorded in the cost ledger `waymark.model_calls`: after a crash a
 * completed call returns its recorded response without a request; a call in flight is sent
 * again as a new attempt (both attempts stay in the ledger); transient failures are retried
 * with the tools' durable capped full-jitter backoff, honouring `Retry-After`; permanent ones
 * fail the call with a {@link ModelCallFailedError}.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Prompt,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
} from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { tenantDailyBudget, type BudgetLimits, type ModelPrice } from '../config.js';
import { toMs, type Duration } from '../durations.js';
import { BudgetExceededError, ModelCallFailedError, WaymarkError, type ErrorCode } from '../errors.js';
import { raiseBudget, type BudgetEstimate, type BudgetRefusal } from '../store/budgets.js';
import { beginModelAttempt, recordModelFailure, recordModelSuccess, type ModelCallFacts } from '../store/model-calls.js';
import { scrubText } from '../redact.js';
import { appendRunStream } from '../store/run-stream.js';
import { resolveRetryPolicy, type RetryPolicy, type RetryPolicySpec } from './define-tool.js';
import { classifyModelError, modelCost, usageNumbers, type ModelError } from './model-policy.js';
import { ModelStreamTap } from './model-stream-tap.js';
import { isExecutionStop } from './park.js';
import { requestApproval } from './request-approval.js';
import { backoffMs } from './retry-policy.js';
import { runContext, type RunContext } from './run-context.js';
import { metrics, secondsSince } from '../telemetry/metrics.js';
import { ATTR, SpanKind, withSpan, type Span } from '../telemetry/tracing.js';

/** How long one attempt of a model call may take, unless the model says otherwise. */
export const DEFAULT_MODEL_TIMEOUT_MS = 120_000;

/** Output tokens a call's budget estimate assumes when the call sets no `maxOutputTokens`. */
export const DEFAULT_ESTIMATED_OUTPUT_TOKENS = 4096;

/** Options of {@link durableModel}. */
export interface DurableModelOptions {
  /** The name in the ledger, the step names and the price table (default: the model id). */
  name?: string;
  /** This model's price; default: the price table's entry for the name, then for the model id. */
  price?: ModelPrice;
  /** Retries of transient failures (default: the tools' default, 5 attempts from 1 s to 60 s). */
  retry?: Partial<RetryPolicySpec>;
  /** Longest one attempt may take, the whole stream included (default 120 s); then it is retried. */
  timeoutMs?: Duration;
  /**
   * Estimates a call's input tokens for the budgets (default: the prompt's characters, as
   * JSON, divided by 4, rounded up). An estimate below the actual count lets a budget be
   * overrun by the difference.
   */
  estimateInputTokens?: (prompt: LanguageModelV4Prompt) => number;
  /** Output tokens the budget estimate assumes when a call sets no `maxOutputTokens` (default 4096). */
  defaultMaxOutputTokens?: number;
}

interface ModelSpec {
  name: string;
  provider: string;
  modelId: string;
  price: ModelPrice | undefined;
  retry: RetryPolicy;
  timeoutMs: number;
  estimateInputTokens: (prompt: LanguageModelV4Prompt) => number;
  defaultMaxOutputTokens: number;
}

/** A generate result as checkpointed: no request or response body, the timestamp as text. */
type RecordedGenerate = Omit<LanguageModelV4GenerateResult, 'request' | 'response'> & { response?: { id?: string; modelId?: string; timestamp?: string } };
/** A stream part as checkpointed (the response timestamp as text). */
type RecordedPart = Record<string, unknown> & { type: string };

type Outcome<T> =
  | { kind: 'done'; result: T }
  | { kind: 'wait'; delayMs: number }
  | { kind: 'failed'; error: ModelError; attempts: number }
  | { kind: 'refused'; refusal: BudgetRefusal; policy: 'fail' | 'stop' | 'ask'; raiseBy: BudgetLimits | undefined };

/**
 * Wraps an AI SDK language model so that every call made with it from inside a Waymark
 * workflow is durable and recorded in the cost ledger. Use the result anywhere the AI SDK
 * takes a model: `generateText`, structured output (`Output.object`), `streamText`. Pass
 * `maxRetries: 0` to those calls: Waymark retries (durably, by the policy here); the SDK's
 * own retries would wait in memory and re-enter the call. (A durable model never throws a
 * retryable provider error, so the SDK would not retry anyway; `0` says so.)
 *
 * Called outside a workflow it throws `not_in_workflow`; use the unwrapped model there.
 *
 * @example
 * ```ts
 * import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
 * import { generateText } from 'ai';
 * import { Waymark, durableModel } from 'waymark';
 *
 * const provider = createOpenAICompatible({ name: 'local', baseURL: process.env.MODEL_URL!, includeUsage: true });
 * const model = durableModel(provider('gpt-4o-mini'), { price: { inputPerMillion: 0.15, outputPerMillion: 0.6 } });
 *
 * export const summarise = Waymark.registerWorkflow(
 *   { name: 'summarise', description: 'Summarises a text', input: z.object({ text: z.string() }) },
 *   async ({ text }) => (await generateText({ model, prompt: `Summarise: ${text}`, maxRetries: 0 })).text,
 * );
 * ```
 */
export function durableModel(model: LanguageModelV4, options: DurableModelOptions = {}): LanguageModelV4 {
  const name = options.name ?? model.modelId;
  if (!/^[\w.:/@-]{1,200}$/.test(name)) throw new WaymarkError('invalid_model', `Model name '${name}' must be 1-200 letters, digits or . : / @ - _`);
  const retry = resolveRetryPolicy(options.retry, `Model '${name}'`, 'invalid_model');
  const timeoutMs = toMs(options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS, `Model '${name}': timeoutMs`);
  if (timeoutMs < 1) throw new WaymarkError('invalid_model', `Model '${name}': timeoutMs must be positive`);
  const defaultMaxOutputTokens = options.defaultMaxOutputTokens ?? DEFAULT_ESTIMATED_OUTPUT_TOKENS;
  if (!Number.isInteger(defaultMaxOutputTokens) || defaultMaxOutputTokens < 0) {
    throw new WaymarkError('invalid_model', `Model '${name}': defaultMaxOutputTokens must be a non-negative integer`);
  }
  const spec: ModelSpec = {
    name, provider: model.provider, modelId: model.modelId, price: options.price, retry, timeoutMs,
    estimateInputTokens: options.estimateInputTokens ?? ((prompt) => Math.ceil(JSON.stringify(prompt).length / 4)), defaultMaxOutputTokens,
  };
  return wrapLanguageModel({
    model,
    middleware: {
      specificationVersion: 'v4',
      wrapGenerate: ({ params, model: inner }) => durableGenerate(spec, inner, params),
      wrapStream: ({ params, model: inner }) => durableStream(spec, inner, params),
    },
  });
}

async function durableGenerate(spec: ModelSpec, inner: LanguageModelV4, params: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
  const ctx = await runContext(`durableModel('${spec.name}')`);
  return withModelSpan(spec, params, async (span) => {
    let callSite: number | undefined;
    for (;;) {
      const { site, outcome } = await DBOS.runStep(
        async () => {
          const s = callSite ?? DBOS.stepID ?? 0;
          return { site: s, outcome: await attempt(ctx, spec, facts(ctx, spec, s, 'generate', params), (signal) => generateOnce(inner, params, signal), span) };
        },
        { name: `model:${spec.name}` },
      );
      callSite = site;
      if (outcome.kind === 'done') return reviveGenerate(outcome.result);
      if (outcome.kind === 'wait') await DBOS.sleep(outcome.delayMs);
      else if (outcome.kind === 'refused') await askToRaise(ctx, spec, outcome);
      else throw failure(spec, outcome.error, outcome.attempts);
    }
  });
}

/**
 * The span of one model call (all its attempts), named and attributed by the OpenTelemetry
 * GenAI semantic conventions; usage and cost are set by the attempt that answers.
 */
function withModelSpan<T>(spec: ModelSpec, params: LanguageModelV4CallOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  return withSpan(`chat ${spec.modelId}`, {
    'gen_ai.operation.name': 'chat', 'gen_ai.system': spec.provider, 'gen_ai.provider.name': spec.provider, 'gen_ai.request.model': spec.modelId,
    ...(params.maxOutputTokens !== undefined ? { 'gen_ai.request.max_tokens': params.maxOutputTokens } : {}),
    ...(params.temperature !== undefined ? { 'gen_ai.request.temperature': params.temperature } : {}),
    'waymark.model': spec.name,
  }, fn, SpanKind.CLIENT);
}

async function generateOnce(inner: LanguageModelV4, params: LanguageModelV4CallOptions, signal: AbortSignal): Promise<Answer<RecordedGenerate>> {
  const res = await inner.doGenerate({ ...params, abortSignal: signal });
  const { request: _request, response, ...rest } = res;
  const recorded: RecordedGenerate = {
    ...rest,
    ...(response ? { response: { id: response.id, modelId: response.modelId, timestamp: response.timestamp?.toISOString() } } : {}),
  };
  return { result: recorded, usage: res.usage, finishReason: res.finishReason.unified };
}

interface Answer<T> {
  result: T;
  usage: LanguageModelV4GenerateResult['usage'] | undefined;
  finishReason: string | null;
}

function facts(ctx: RunContext, spec: ModelSpec, callSite: number, mode: 'generate' | 'stream', params: LanguageModelV4CallOptions): ModelCallFacts {
  return {
    runId: ctx.runId, tenantId: ctx.scope.tenantId, callSite, stepId: DBOS.stepID ?? callSite,
    name: spec.name, provider: spec.provider, model: spec.modelId, mode,
    estimate: estimate(spec, params, priceOf(ctx, spec)), tenantDaily: tenantDailyBudget(ctx.config.tenantDailyBudgets, ctx.scope.tenantId),
  };
}

function priceOf(ctx: RunContext, spec: ModelSpec): ModelPrice | undefined {
  return spec.price ?? ctx.config.modelPrices[spec.name] ?? ctx.config.modelPrices[spec.modelId];
}

/** What a call is reserved at: its estimated input, its output limit, their cost (0 unpriced). */
function estimate(spec: ModelSpec, params: LanguageModelV4CallOptions, price: ModelPrice | undefined): BudgetEstimate {
  const inputTokens = Math.max(0, Math.ceil(spec.estimateInputTokens(params.prompt)));
  const outputTokens = params.maxOutputTokens ?? spec.defaultMaxOutputTokens;
  const cost = modelCost({ inputTokens, outputTokens, cachedInputTokens: 0, reasoningTokens: 0 }, price) ?? 0;
  return { tokens: inputTokens + outputTokens, cost };
}

/**
 * A budget refused the call. With policy `ask`, an admin of the run's tenant is asked to raise
 * the refusing budget — the run's limits, or that UTC day's limits of the workflow or the
 * tenant — by {@link raiseFor}; approved, they are raised (a `budget_raised` event) and the
 * caller tries again (once per approval, even when a crash makes the raise's step run again).
 * Otherwise the refusal is thrown, carrying its policy.
 */
async function askToRaise(ctx: RunContext, spec: ModelSpec, o: Extract<Outcome<unknown>, { kind: 'refused' }>): Promise<void> {
  const { budget, resource, limit, spent, estimate: est, key } = o.refusal;
  const error = new BudgetExceededError({ budget, resource, limit, spent, estimate: est, model: spec.name, policy: o.policy });
  if (o.policy !== 'ask' || !o.raiseBy) throw error;
  const raiseBy = raiseFor(o.refusal, o.raiseBy);
  const d = await requestApproval({
    title: budget === 'run' ? `Raise the model-call budget of run ${ctx.runId}` : `Raise the model-call budget of ${budget === 'workflow_day' ? `workflow ${key.slice(11)}` : 'the tenant'} for ${key.slice(0, 10)} (UTC)`,
    proposal: { budget, resource, limit, spent, estimate: est, model: spec.name, raiseBy, ...(budget === 'run' ? {} : { day: key.slice(0, 10) }) },
    assignees: { roles: ['admin'] },
  });
  if (d.decision !== 'approved') throw error;
  const raise = { tenantId: ctx.scope.tenantId, runId: ctx.runId, scope: budget, key, by: raiseBy, actor: d.decidedBy, approvalId: d.approvalId };
  await DBOS.runStep(() => ctx.db.tx(ctx.scope, (q) => raiseBudget(q, raise)), { name: 'budget:raise' });
}

/**
 * What an approved `ask` adds to the refusing budget's limits: the declared `raiseBy`, with the
 * refused resource raised at least far enough for the refused call to fit (so an approval is
 * never spent on a raise that changes nothing).
 */
function raiseFor(r: BudgetRefusal, raiseBy: BudgetLimits): BudgetLimits {
  const needed = Math.round((r.spent + r.estimate - r.limit) * 1e10) / 1e10;
  return { ...raiseBy, [r.resource]: Math.max(raiseBy[r.resource] ?? 0, needed) };
}

/** One attempt, inside a DBOS step: ask the ledger, send, record the outcome. */
async function attempt<T>(
  ctx: RunContext, spec: ModelSpec, f: ModelCallFacts, send: (signal: AbortSignal, tap: ModelStreamTap | undefined) => Promise<Answer<T>>, span: Span,
): Promise<Outcome<T>> {
  const t0 = performance.now();
  try {
    return await attemptOnce(ctx, spec, f, send, span);
  } finally {
    metrics.stepDuration.observe({ kind: 'model' }, secondsSince(t0));
  }
}

async function attemptOnce<T>(
  ctx: RunContext, spec: ModelSpec, f: ModelCallFacts, send: (signal: AbortSignal, tap: ModelStreamTap | undefined) => Promise<Answer<T>>, span: Span,
): Promise<Outcome<T>> {
  const streaming = f.mode === 'stream';
  const verdict = await ctx.db.tx(ctx.scope, async (q) => {
    const v = await beginModelAttempt(q, f);
    // The run's live stream learns of the attempt (or the refusal) with the ledger, in one commit.
    if (streaming && (v.kind === 'send' || v.kind === 'refused')) {
      const marker = { callSite: f.callSite, attempt: v.kind === 'send' ? v.attempt : null };
      const event = v.kind === 'send'
        ? { type: 'model-start', data: { ...marker, name: spec.name, provider: spec.provider, model: spec.modelId } }
        : { type: 'model-refused', data: { ...marker, name: spec.name, budget: v.refusal.budget, resource: v.refusal.resource, limit: v.refusal.limit, policy: v.policy } };
      await appendRunStream(q, f.tenantId, f.runId, [event]);
    }
    return v;
  });
  if (verdict.kind === 'done') {
    metrics.modelCalls.inc({ model: spec.name, status: 'answered_from_ledger' });
    span.setAttribute(ATTR.replayed, true);
    return { kind: 'done', result: verdict.response as T };
  }
  if (verdict.kind === 'refused') {
    metrics.modelCalls.inc({ model: spec.name, status: 'refused' });
    metrics.budgetRefusals.inc({ budget: verdict.refusal.budget, resource: verdict.refusal.resource });
    ctx.log.warn({ model: spec.name, step: f.stepId, ...verdict.refusal, policy: verdict.policy }, 'model call refused by a budget');
    span.setAttributes({ [ATTR.outcome]: 'refused', 'waymark.budget': verdict.refusal.budget });
    return verdict;
  }
  if (verdict.kind === 'failed') {
    // This step recorded its failure before a crash lost the checkpoint: the same decision again.
    return verdict.final ? { kind: 'failed', error: verdict.error as ModelError, attempts: verdict.attempt } : { kind: 'wait', delayMs: verdict.waitMs };
  }
  if (verdict.kind === 'send' && verdict.resent) metrics.stepsReexecuted.inc({ kind: 'model' });
  const started = performance.now();
  const cancel = DBOS.stepStatus?.cancelSignal;
  const timeout = AbortSignal.timeout(spec.timeoutMs);
  const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
  const tap = streaming ? new ModelStreamTap(ctx, { callSite: f.callSite, attempt: verdict.attempt }) : undefined;
  try {
    const answer = await send(signal, tap);
    const usage = usageNumbers(answer.usage);
    const price = priceOf(ctx, spec);
    const cost = modelCost(usage, price);
    // The rest of the live stream and its finish commit with the outcome: a recorded call is never half streamed.
    const tail = tap ? [...(await tap.drain()), tap.event('model-finish', { finishReason: answer.finishReason, usage })] : [];
    const recorded = await ctx.db.tx(ctx.scope, async (q) => {
      const ok = await recordModelSuccess(q, f, verdict.attempt, {
        ...usage, cost, latencyMs: Math.round(performance.now() - started), finishReason: answer.finishReason, response: answer.result,
      });
      if (ok) await appendRunStream(q, f.tenantId, f.runId, tail);
      return ok;
    });
    if (!recorded) fenced(f);
    observeSuccess(spec, span, usage, cost, answer, secondsSince(started), verdict.attempt);
    return { kind: 'done', result: answer.result };
  } catch (e) {
    if (e instanceof WaymarkError && e.code === 'ledger_conflict') throw e;
    const error = classifyModelError(e);
    const retryInMs = error.retryable && verdict.attempt < spec.retry.maxAttempts ? backoffMs(spec.retry, verdict.attempt, error.retryAfterMs) : null;
    const tail = tap
      ? [...(await tap.drain()), tap.event('model-failed', { error: { message: scrubText(error.message), code: error.code ?? null, status: error.status ?? null }, retryInMs })]
      : [];
    const recorded = await ctx.db.tx(ctx.scope, async (q) => {
      const ok = await recordModelFailure(q, f, verdict.attempt, { error, latencyMs: Math.round(performance.now() - started), retryInMs });
      if (ok) await appendRunStream(q, f.tenantId, f.runId, tail);
      return ok;
    });
    if (!recorded) fenced(f);
    const status = retryInMs === null ? 'failed' : 'retry';
    metrics.modelCalls.inc({ model: spec.name, status });
    metrics.modelDuration.observe({ model: spec.name, status }, secondsSince(started));
    return retryInMs === null ? { kind: 'failed', error, attempts: verdict.attempt } : { kind: 'wait', delayMs: retryInMs };
  }
}

function observeSuccess(spec: ModelSpec, span: Span, usage: ReturnType<typeof usageNumbers>, cost: number | null, answer: Answer<unknown>, seconds: number, attemptNo: number): void {
  metrics.modelCalls.inc({ model: spec.name, status: 'succeeded' });
  metrics.modelDuration.observe({ model: spec.name, status: 'succeeded' }, seconds);
  if (usage.inputTokens !== null) metrics.modelTokens.inc({ model: spec.name, type: 'input' }, usage.inputTokens);
  if (usage.outputTokens !== null) metrics.modelTokens.inc({ model: spec.name, type: 'output' }, usage.outputTokens);
  if (cost !== null) metrics.modelCost.inc({ model: spec.name }, cost);
  const responseModel = (answer.result as { response?: { modelId?: string } } | undefined)?.response?.modelId;
  span.setAttributes({
    ...(usage.inputTokens !== null ? { 'gen_ai.usage.input_tokens': usage.inputTokens } : {}),
    ...(usage.outputTokens !== null ? { 'gen_ai.usage.output_tokens': usage.outputTokens } : {}),
    ...(cost !== null ? { [ATTR.cost]: cost } : {}),
    ...(answer.finishReason ? { 'gen_ai.response.finish_reasons': [answer.finishReason] } : {}),
    ...(responseModel ? { 'gen_ai.response.model': responseModel } : {}),
    [ATTR.attempt]: attemptNo,
  });
}

function fenced(f: ModelCallFacts): never {
  throw new WaymarkError('ledger_conflict', `Model call ${f.runId}/${f.callSite} changed while this execution made it (taken over); nothing was recorded`);
}

function failure(spec: ModelSpec, error: ModelError, attempts: number): ModelCallFailedError {
  const code: ErrorCode = error.code ?? 'model_attempts_exhausted';
  const what = error.retryable ? `failed after ${attempts} attempts` : 'failed with a permanent error';
  return new ModelCallFailedError(code, `Model call '${spec.name}' ${what}: ${error.message}`, {
    model: spec.name, attempts, status: error.status, providerCode: error.providerCode,
  });
}

function reviveGenerate(r: RecordedGenerate): LanguageModelV4GenerateResult {
  const { response, ...rest } = r;
  return {
    ...rest,
    ...(response ? { response: { ...(response.id ? { id: response.id } : {}), ...(response.modelId ? { modelId: response.modelId } : {}), ...(response.timestamp ? { timestamp: new Date(response.timestamp) } : {}) } } : {}),
  };
}

/** Parts sent before the answer's content: held back, so a failed first attempt can be retried unseen. */
const PREAMBLE = new Set(['stream-start', 'response-metadata']);

/**
 * A streamed call: the parts reach the caller live as the provider sends them and are the
 * step's recorded result, so a replay re-emits them without a request. A failure before any
 * content was streamed is retried like a generate; after content, it fails the call.
 */
async function durableStream(spec: ModelSpec, inner: LanguageModelV4, params: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
  const ctx = await runContext(`durableModel('${spec.name}')`);
  const live = new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>();
  const writer = live.writable.getWriter();
  const pump = (): Promise<void> => withModelSpan(spec, params, (span) => pumpAttempts(span));
  const pumpAttempts = async (span: Span): Promise<void> => {
    let callSite: number | undefined;
    for (;;) {
      let streamed = false;
      const { site, outcome } = await DBOS.runStep(
        async () => {
          const s = callSite ?? DBOS.stepID ?? 0;
          const o = await attempt(ctx, spec, facts(ctx, spec, s, 'stream', params), (signal, tap) =>
            streamOnce(inner, params, signal, tap, async (p) => {
              streamed = true;
              await writer.write(p);
            }),
          span);
          return { site: s, outcome: o };
        },
        { name: `model:${spec.name}` },
      );
      callSite = site;
      if (outcome.kind === 'done') {
        // Replayed from the checkpoint (or answered from the ledger): nothing was streamed live yet.
        if (!streamed) for (const p of outcome.result) await writer.write(revivePart(p));
        await writer.close();
        return;
      }
      if (outcome.kind === 'wait') {
        await DBOS.sleep(outcome.delayMs);
        continue;
      }
      if (outcome.kind === 'refused') {
        try {
          await askToRaise(ctx, spec, outcome);
          continue;
        } catch (e) {
          // A park or cancel in the wait ends the execution: not an error part the caller may ignore.
          if (isExecutionStop(e)) throw e;
          await writer.write({ type: 'error', error: e });
          await writer.close();
          return;
        }
      }
      await writer.write({ type: 'error', error: failure(spec, outcome.error, outcome.attempts) });
      await writer.close();
      return;
    }
  };
  pump().catch((e: unknown) => writer.abort(e).catch(() => {}));
  return { stream: live.readable };
}

async function streamOnce(
  inner: LanguageModelV4,
  params: LanguageModelV4CallOptions,
  signal: AbortSignal,
  tap: ModelStreamTap | undefined,
  emit: (p: LanguageModelV4StreamPart) => Promise<void>,
): Promise<Answer<RecordedPart[]>> {
  const { stream } = await inner.doStream({ ...params, abortSignal: signal });
  const recorded: RecordedPart[] = [];
  const held: LanguageModelV4StreamPart[] = [];
  let emitted = false;
  let finish: Extract<LanguageModelV4StreamPart, { type: 'finish' }> | undefined;
  const reader = stream.getReader();
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (e) {
        throw afterContent(e, emitted);
      }
      if (next.done) break;
      const part = next.value;
      if (part.type === 'error') throw afterContent(part.error, emitted);
      if (part.type === 'raw') continue;
      if (part.type === 'finish') finish = part;
      recorded.push(recordPart(part));
      tap?.push(part);
      if (!emitted && PREAMBLE.has(part.type)) {
        held.push(part);
        continue;
      }
      if (!emitted) for (const h of held.splice(0)) await emit(h);
      emitted = true;
      await emit(part);
    }
  } finally {
    reader.releaseLock();
  }
  return { result: recorded, usage: finish?.usage, finishReason: finish?.finishReason.unified ?? null };
}

/** A failure after content reached the caller cannot be retried unseen: it is permanent. */
function afterContent(e: unknown, emitted: boolean): unknown {
  if (!emitted) return e;
  const c = classifyModelError(e);
  return new ModelCallFailedError('model_stream_interrupted', `The stream failed after part of the answer was sent: ${c.message}`, { model: '', attempts: 0 });
}

function recordPart(p: LanguageModelV4StreamPart): RecordedPart {
  if (p.type === 'response-metadata') return { ...p, timestamp: p.timestamp?.toISOString() };
  return { ...p };
}

function revivePart(p: RecordedPart): LanguageModelV4StreamPart {
  if (p.type === 'response-metadata' && typeof p.timestamp === 'string') return { ...p, timestamp: new Date(p.timestamp) } as LanguageModelV4StreamPart;
  return p as unknown as LanguageModelV4StreamPart;
}
