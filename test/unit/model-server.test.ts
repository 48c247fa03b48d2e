/**
 * The scripted model server, driven by the AI SDK's OpenAI-compatible provider: what the
 * model-call tests rely on (text, tool calls, structured output, streaming with usage, errors
 * with their status and headers, a hang, request counts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, Output, generateText, streamText, tool } from 'ai';
import { z } from 'zod';
import { ModelServer, reply } from '../support/model-server.js';

const server = new ModelServer();
let model: ReturnType<ReturnType<typeof createOpenAICompatible>>;

before(async () => {
  await server.start();
  model = createOpenAICompatible({ name: 'local', baseURL: server.baseURL, includeUsage: true, supportsStructuredOutputs: true })('mock-1');
});
after(() => server.stop());

test('text with usage, and the request counted under its scenario', async () => {
  server.script('t1', reply.text('hello there', { prompt: 12, completion: 3, cached: 4, reasoning: 1 }));
  const r = await generateText({ model, prompt: '[scenario:t1] hi', maxRetries: 0 });
  assert.equal(r.text, 'hello there');
  assert.equal(r.usage.inputTokens, 12);
  assert.equal(r.usage.outputTokens, 3);
  assert.equal(r.usage.inputTokenDetails.cacheReadTokens, 4);
  assert.equal(r.usage.outputTokenDetails.reasoningTokens, 1);
  assert.equal(server.count('t1'), 1);
  // Unscripted: the default answer.
  assert.equal((await generateText({ model, prompt: '[scenario:t1] again', maxRetries: 0 })).text, 'ok');
  assert.equal(server.count('t1'), 2);
});

test('tool calls and structured output', async () => {
  server.script('t2', reply.toolCalls([{ name: 'weather', args: { city: 'Oslo' } }]));
  const r = await generateText({ model, prompt: '[scenario:t2] weather?', maxRetries: 0, tools: { weather: tool({ inputSchema: z.object({ city: z.string() }) }) } });
  assert.equal(r.finishReason, 'tool-calls');
  assert.deepEqual(r.staticToolCalls.map((c) => [c.toolName, c.input]), [['weather', { city: 'Oslo' }]]);
  server.script('t3', reply.json({ name: 'Ada', age: 36 }));
  const o = await generateText({ model, prompt: '[scenario:t3] who?', maxRetries: 0, output: Output.object({ schema: z.object({ name: z.string(), age: z.number() }) }) });
  assert.deepEqual(o.output, { name: 'Ada', age: 36 });
  assert.equal(server.seen('t3')[0]!.body.response_format.type, 'json_schema');
});

test('streaming with the usage chunk', async () => {
  server.script('t4', reply.text('a streamed answer of some length', { prompt: 20, completion: 7 }));
  const s = streamText({ model, prompt: '[scenario:t4] stream', maxRetries: 0 });
  let text = '';
  for await (const d of s.textStream) text += d;
  assert.equal(text, 'a streamed answer of some length');
  assert.equal((await s.usage).outputTokens, 7);
  assert.equal(server.seen('t4')[0]!.includeUsage, true);
});

test('429 with Retry-After, 500 and a context-length 400 reach the caller as API errors', async () => {
  server.script('t5', reply.rateLimited(7), reply.serverError(), reply.contextLengthExceeded());
  const errors: APICallError[] = [];
  for (let i = 0; i < 3; i++) {
    await generateText({ model, prompt: '[scenario:t5] x', maxRetries: 0 }).then(
      () => assert.fail('should have failed'),
      (e: unknown) => errors.push(e as APICallError),
    );
  }
  assert.deepEqual(errors.map((e) => e.statusCode), [429, 500, 400]);
  assert.equal(errors[0]!.responseHeaders?.['retry-after'], '7');
  assert.equal((errors[2]!.data as any).error.code, 'context_length_exceeded');
  assert.equal(errors[2]!.isRetryable, false);
});

test('a hang holds the request open until the caller gives up', async () => {
  server.script('t6', reply.hang());
  await assert.rejects(generateText({ model, prompt: '[scenario:t6] x', maxRetries: 0, abortSignal: AbortSignal.timeout(200) }));
  assert.equal(server.count('t6'), 1);
});
