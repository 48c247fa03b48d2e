/**
 * Model-call decisions that need no database: which provider errors are retried, Retry-After,
 * usage numbers and cost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APICallError } from 'ai';
import { classifyModelError, modelCost, retryAfterMs } from '../../src/agent/model-policy.js';
import { parseModelPrices } from '../../src/config.js';

const apiError = (statusCode: number | undefined, code?: string, headers?: Record<string, string>, message = 'provider says no') =>
  new APICallError({ message, url: 'http://x/v1/chat/completions', requestBodyValues: { messages: ['SECRET PROMPT'] }, statusCode, responseHeaders: headers, data: code ? { error: { code } } : undefined });

test('429, 408, 5xx and network errors are retried; the 429 carries its Retry-After', () => {
  const c = classifyModelError(apiError(429, 'rate_limit_exceeded', { 'retry-after': '7' }));
  assert.deepEqual([c.retryable, c.retryAfterMs, c.status, c.providerCode], [true, 7000, 429, 'rate_limit_exceeded']);
  for (const s of [408, 409, 425, 500, 502, 503, undefined]) assert.equal(classifyModelError(apiError(s)).retryable, true, String(s));
  assert.equal(classifyModelError(new DOMException('timed out', 'TimeoutError')).retryable, true);
});

test('context length, content filter and other 4xx are permanent with their Waymark code; the prompt is not kept', () => {
  const ctx = classifyModelError(apiError(400, 'context_length_exceeded'));
  assert.deepEqual([ctx.retryable, ctx.code], [false, 'model_context_length_exceeded']);
  assert.equal(classifyModelError(apiError(400, undefined, undefined, "This model's maximum context length is 8192 tokens")).code, 'model_context_length_exceeded');
  assert.equal(classifyModelError(apiError(400, 'content_filter')).code, 'model_content_filtered');
  for (const s of [400, 401, 403, 404, 422]) assert.deepEqual([classifyModelError(apiError(s)).code, classifyModelError(apiError(s)).retryable], ['model_request_invalid', false]);
  assert.ok(!JSON.stringify(ctx).includes('SECRET PROMPT'));
});

test('Retry-After: retry-after-ms first, then seconds, then an HTTP date; nonsense is ignored', () => {
  assert.equal(retryAfterMs({ 'retry-after-ms': '150', 'retry-after': '9' }), 150);
  assert.equal(retryAfterMs({ 'retry-after': '2.5' }), 2500);
  assert.equal(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000), 6000);
  assert.equal(retryAfterMs({ 'retry-after': 'soon' }), undefined);
  assert.equal(retryAfterMs({ 'retry-after': '-1' }), undefined);
  assert.equal(retryAfterMs(undefined), undefined);
});

test('cost: input at the input price, cached input at the cached price, output at the output price; no price or no tokens, no cost', () => {
  const u = { inputTokens: 1000, outputTokens: 200, cachedInputTokens: 400, reasoningTokens: 50 };
  assert.equal(modelCost(u, { inputPerMillion: 2, outputPerMillion: 10, cachedInputPerMillion: 0.5 }), (600 * 2 + 400 * 0.5 + 200 * 10) / 1e6);
  assert.equal(modelCost(u, { inputPerMillion: 2, outputPerMillion: 10 }), (1000 * 2 + 200 * 10) / 1e6);
  assert.equal(modelCost(u, undefined), null);
  assert.equal(modelCost({ ...u, inputTokens: null }, { inputPerMillion: 2, outputPerMillion: 10 }), null);
});

test('the price table parses from JSON and refuses what is not a price', () => {
  assert.deepEqual(parseModelPrices('{"m":{"inputPerMillion":1,"outputPerMillion":2}}'), { m: { inputPerMillion: 1, outputPerMillion: 2 } });
  assert.deepEqual(parseModelPrices(undefined), {});
  assert.throws(() => parseModelPrices('{"m":{"inputPerMillion":-1,"outputPerMillion":2}}'), /invalid|Invalid/);
  assert.throws(() => parseModelPrices('{"m":{"input":1}}'), /Invalid configuration/);
  assert.throws(() => parseModelPrices('not json'), /not JSON/);
});
